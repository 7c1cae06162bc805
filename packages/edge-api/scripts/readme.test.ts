import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { ERROR_STATUS, type ErrorCode } from "../src/lib/errors";

const README = readFileSync(path.resolve(import.meta.dirname, "../../../README.md"), "utf8");

it("the README's error table lists every error code with its status, and nothing else", () => {
  const rows = [...README.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
  const expected = (Object.keys(ERROR_STATUS) as ErrorCode[]).map((code) => [code, ERROR_STATUS[code]]);
  expect(rows.sort()).toEqual(expected.sort());
});
