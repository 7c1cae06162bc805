// @vitest-environment happy-dom
import { expect, test } from "vitest";
import { showGreeting } from "../../src/greeting";

test("every [data-vouch-greeting] element gets the greeting as text, and a hidden one is revealed", () => {
  document.body.innerHTML = `<p data-vouch-greeting hidden></p><div><span data-vouch-greeting>Welcome</span></div>`;
  showGreeting("Dana invited you to <b>Ledgerly</b> — you get $100");
  const [first, second] = document.querySelectorAll<HTMLElement>("[data-vouch-greeting]");
  expect(first?.hidden).toBe(false);
  // Text, never HTML: the markup in a name is shown as characters, not parsed.
  expect(first?.textContent).toBe("Dana invited you to <b>Ledgerly</b> — you get $100");
  expect(first?.querySelector("b")).toBeNull();
  expect(second?.textContent).toBe(first?.textContent);
});

test("no greeting (an answer without one) leaves the page as it was", () => {
  document.body.innerHTML = `<p data-vouch-greeting hidden>placeholder</p>`;
  showGreeting(undefined);
  const el = document.querySelector<HTMLElement>("[data-vouch-greeting]");
  expect(el?.hidden).toBe(true);
  expect(el?.textContent).toBe("placeholder");
});
