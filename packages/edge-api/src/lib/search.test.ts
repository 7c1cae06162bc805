import { describe, expect, it } from "vitest";
import { browser, enrol, makeProgram, server } from "../../test/fixtures";

describe("searching lists (?q=)", () => {
  it("finds members by name, email, code or company, case-insensitively; % and _ are literal", async () => {
    const p = await makeProgram({ test_mode: true } as never);
    const dana = (await enrol(p, { id: "u1", email: "dana@northwind.test", name: "Dana Scully", company: "Northwind" }))
      .member;
    await enrol(p, { id: "u2", email: "boris@globex.test", name: "Boris_Ng", company: "Globex" });
    const other = await makeProgram({ test_mode: true } as never);
    await enrol(other, { id: "u3", email: "dana@elsewhere.test", name: "Dana Other" });
    const names = async (q: string) =>
      ((await server(p, "GET", `/v1/members?q=${encodeURIComponent(q)}`)).json.data as { name: string }[]).map(
        (m) => m.name,
      );
    expect(await names("DANA")).toEqual(["Dana Scully"]);
    expect(await names("globex")).toEqual(["Boris_Ng"]);
    expect(await names(dana.code.toLowerCase())).toEqual(["Dana Scully"]);
    expect(await names("_")).toEqual(["Boris_Ng"]);
    expect(await names("%")).toEqual([]);
    expect((await server(p, "GET", "/v1/members")).json.data).toHaveLength(2);
  });

  it("finds referrals by the friend's email, name or company", async () => {
    const p = await makeProgram({ test_mode: true } as never);
    const { member } = await enrol(p, { id: "u1", email: "dana@northwind.test", name: "Dana" });
    for (const [email, name, company] of [
      ["sam@initech.test", "Sam Lee", "Initech"],
      ["kim@hooli.test", "Kim Park", "Hooli"],
    ]) {
      expect((await browser(p, "/v1/track/lead", { code: member.code, email, name, company })).res.status).toBe(202);
    }
    const emails = async (q: string) =>
      (
        (await server(p, "GET", `/v1/referrals?q=${encodeURIComponent(q)}`)).json.data as {
          friend: { email: string };
        }[]
      ).map((r) => r.friend.email);
    expect(await emails("initech")).toEqual(["sam@initech.test"]);
    expect(await emails("kim pa")).toEqual(["kim@hooli.test"]);
    expect(await emails("nobody")).toEqual([]);
  });
});
