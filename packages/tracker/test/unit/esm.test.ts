// @vitest-environment happy-dom
import { afterAll, beforeAll, expect, test } from "vitest";
import { init } from "../../src/index";
import { eventually, type FakeApi, resetPage, settle, startFakeApi } from "./fake-api";

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

// First: `init()` keeps the first tracker it started, so this must run before one exists.
test("init() with a config it cannot start from (no api, nothing at all) does not throw into the host app", async () => {
  resetPage("http://www.ledgerly.example/?via=ANNA7K2M");
  let vouch: ReturnType<typeof init> | undefined;
  expect(() => {
    vouch = init({ key: "vch_pk_test_esm" } as never);
  }).not.toThrow();
  expect(() => vouch!("lead", { email: "dana@northwind.example" })).not.toThrow();
  expect(() => init(undefined as never)).not.toThrow();
  await settle();
  expect(api.deliveries).toEqual([]);
});

test("init() starts the tracker once per page, whatever calls it again", async () => {
  resetPage("http://www.ledgerly.example/?via=ANNA7K2M");
  const vouch = init({ key: "vch_pk_test_esm", api: api.url });
  expect(init({ key: "vch_pk_test_esm", api: api.url })).toBe(vouch);
  vouch("lead", { email: "dana@northwind.example" });
  await eventually(() => expect(api.deliveries.map((d) => d.path)).toEqual(["visit", "lead"]));
  await settle();
  expect(api.deliveries).toHaveLength(2);
});
