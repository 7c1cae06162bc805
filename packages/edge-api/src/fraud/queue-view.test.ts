import { expect, it } from "vitest";
import { enrol, makeProgram, server } from "../../test/fixtures";

it("the review queue names the friend of a flagged referral, in the list and one by one", async () => {
  const p = await makeProgram({ test_mode: true } as never);
  const { member } = await enrol(p, { id: "u1", email: "carla@initech.test", name: "Carla" });
  const conversion = await server(p, "POST", "/v1/conversions", {
    code: member.code,
    email: "throwaway@mailinator.com",
    value_cents: 9_900,
    currency: "USD",
  });
  expect(conversion.res.status).toBe(201);
  const [review] = (await server(p, "GET", "/v1/reviews?status=open")).json.data;
  expect(review).toMatchObject({ friend_email: "throwaway@mailinator.com", referral_id: conversion.json.referral.id });
  expect((await server(p, "GET", `/v1/reviews/${review.id}`)).json.review.friend_email).toBe(
    "throwaway@mailinator.com",
  );
});
