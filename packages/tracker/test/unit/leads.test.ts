// @vitest-environment happy-dom
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { createTracker } from "../../src/tracker";
import { eventually, type FakeApi, resetPage, settle, startFakeApi } from "./fake-api";

let api: FakeApi;
const leads = () => api.deliveries.filter((d) => d.path === "lead").map((d) => d.body);
const referral = (code: string, clickId: string) =>
  localStorage.setItem(
    "vouch_ref",
    encodeURIComponent(JSON.stringify({ code, click_id: clickId, ts: Date.now(), expires: Date.now() + 86_400_000 })),
  );

beforeAll(async () => {
  api = await startFakeApi();
  resetPage("http://www.ledgerly.example/signup");
  // One tracker for the file: its submit listener is on the document for good, like on a real page.
  createTracker({ key: "vch_pk_test_unit", api: api.url });
});
afterAll(() => api.close());
beforeEach(() => {
  localStorage.clear();
  document.body.innerHTML = "";
  api.deliveries.length = 0;
});

function signUpForm(extra = ""): HTMLFormElement {
  document.body.innerHTML = `
    <form data-vouch-lead action="/welcome">
      <input name="email" value=" dana@northwind.example ">
      <input name="name" value="Dana Scully">
      <input name="company" value="Northwind">
      <select name="size"><option value="51-200" selected>51-200</option></select>
      <input name="password" value="hunter2">
      ${extra}
    </form>`;
  return document.querySelector("form")!;
}

function submit(form: HTMLFormElement): SubmitEvent {
  const event = new SubmitEvent("submit", { bubbles: true, cancelable: true });
  form.dispatchEvent(event);
  return event;
}

test("a marked form sends a lead with its fields (read by name), the click id, and is never blocked", async () => {
  referral("ANNA7K2M", "clk_0000000000000007");
  const form = signUpForm();
  const event = submit(form);
  expect(event.defaultPrevented).toBe(false);
  expect(form.querySelector<HTMLInputElement>("input[name=vouch_click_id]")?.value).toBe("clk_0000000000000007");
  await eventually(() =>
    expect(leads()).toEqual([
      {
        email: "dana@northwind.example",
        name: "Dana Scully",
        company: "Northwind",
        size: "51-200",
        code: "ANNA7K2M",
        click_id: "clk_0000000000000007",
      },
    ]),
  );
});

test("a code typed into the form attributes a visitor who never followed a link", async () => {
  const form = signUpForm('<input name="referral_code" value="boris9qx">');
  submit(form);
  await eventually(() => expect(leads()).toMatchObject([{ email: "dana@northwind.example", code: "BORIS9QX" }]));
  expect(leads()[0]).not.toHaveProperty("click_id");
  expect(form.querySelector("input[name=vouch_click_id]")).toBeNull();
});

test("a size in the page's own words is sent as it is (the API leaves out a size it does not know)", async () => {
  document.body.innerHTML = `
    <form data-vouch-lead>
      <input name="email" value="dana@northwind.example">
      <input name="size" value="50-100 people">
      <input name="referral_code" value="ANNA7K2M">
    </form>`;
  submit(document.querySelector("form")!);
  await eventually(() =>
    expect(leads()).toEqual([{ email: "dana@northwind.example", size: "50-100 people", code: "ANNA7K2M" }]),
  );
});

test("unmarked forms and forms without a referral are left alone", async () => {
  referral("ANNA7K2M", "clk_0000000000000007");
  document.body.innerHTML = '<form><input name="email" value="x@y.example"></form>';
  submit(document.querySelector("form")!);
  localStorage.clear();
  submit(signUpForm());
  await settle();
  expect(leads()).toEqual([]);
  expect(document.querySelector("input[name=vouch_click_id]")).toBeNull();
});

test("an existing vouch_click_id input is filled rather than duplicated", async () => {
  referral("ANNA7K2M", "clk_0000000000000008");
  const form = signUpForm('<input type="hidden" name="vouch_click_id" value="">');
  submit(form);
  const inputs = form.querySelectorAll<HTMLInputElement>("input[name=vouch_click_id]");
  expect([...inputs].map((i) => i.value)).toEqual(["clk_0000000000000008"]);
  await eventually(() => expect(leads()).toHaveLength(1));
});
