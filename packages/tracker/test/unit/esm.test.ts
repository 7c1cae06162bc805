// @vitest-environment happy-dom
import { afterAll, beforeAll, expect, test } from "vitest";
import { init } from "../../src/index";
import { eventually, type FakeApi, resetPage, settle, startFakeApi } from "./fake-api";

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

test("init() starts the tracker once per page, whatever calls it again", async () => {
  resetPage("http://www.ledgerly.example/?via=ANNA7K2M");
  const vouch = init({ key: "vch_pk_test_esm", api: api.url });
  expect(init({ key: "vch_pk_test_esm", api: api.url })).toBe(vouch);
  vouch("lead", { email: "dana@northwind.example" });
  await eventually(() => expect(api.deliveries.map((d) => d.path)).toEqual(["visit", "lead"]));
  await settle();
  expect(api.deliveries).toHaveLength(2);
});
