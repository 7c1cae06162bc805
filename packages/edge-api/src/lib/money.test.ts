import { describe, expect, it } from "vitest";
import { formatMoney, minorDigits, toMinorUnits } from "./money";

describe("formatMoney", () => {
  it("uses the currency's own minor unit and drops .00 from whole amounts", () => {
    expect(formatMoney(10_000, "USD")).toBe("$100");
    expect(formatMoney(9_950, "USD")).toBe("$99.50");
    expect(formatMoney(123_456, "USD")).toBe("$1,234.56");
    expect(formatMoney(9_000, "EUR")).toBe("€90");
    expect(formatMoney(5_000, "JPY")).toBe("¥5,000");
    expect(formatMoney(1_500, "KWD")).toMatch(/^KWD\s1\.500$/); // three decimals: fils
    expect(formatMoney(10_000, "CAD")).toBe("CA$100");
  });
});

describe("toMinorUnits", () => {
  it("reads major units exactly, in the currency's own decimals", () => {
    expect(minorDigits("USD")).toBe(2);
    expect(toMinorUnits("100", "USD")).toBe(10_000);
    expect(toMinorUnits(" 49.5 ", "USD")).toBe(4_950);
    expect(toMinorUnits("0.29", "USD")).toBe(29); // 0.29 * 100 is 28.999… in floating point
    expect(toMinorUnits("100.", "USD")).toBe(10_000);
    expect(toMinorUnits("100.00", "JPY")).toBe(100);
    expect(toMinorUnits("500", "JPY")).toBe(500);
    expect(toMinorUnits("1.25", "KWD")).toBe(1_250);
  });

  it("refuses what is not a positive amount, saying what to type", () => {
    expect(() => toMinorUnits("$100", "USD")).toThrow(
      '"$100" is not an amount. Type a plain number of USD, like 100 or 49.50.',
    );
    expect(() => toMinorUnits("1,000", "USD")).toThrow("is not an amount");
    expect(() => toMinorUnits("-5", "USD")).toThrow("is not an amount");
    expect(() => toMinorUnits("1e3", "USD")).toThrow("is not an amount");
    expect(() => toMinorUnits("", "USD")).toThrow("is not an amount");
    expect(() => toMinorUnits("9.999", "USD")).toThrow('USD has 2 decimals: "9.999" has more.');
    expect(() => toMinorUnits("1.5", "JPY")).toThrow('JPY has no cents: type a whole number instead of "1.5".');
    expect(() => toMinorUnits("0", "USD")).toThrow('"0" is not more than zero.');
    expect(() => toMinorUnits("0.00", "USD")).toThrow("not more than zero");
  });
});
