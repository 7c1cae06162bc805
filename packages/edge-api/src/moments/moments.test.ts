import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { browser, enrol, makeProgram, server } from "../../test/fixtures";
import { getProgram } from "../programs/service";
import { triggerMoment } from "./service";

const DAY = 86_400_000;

describe("moments", () => {
  it("a browser moment makes one nudge per member and moment per 30 days; clicks and dismissals are counted", async () => {
    const p = await makeProgram({ name: "Ledgerly" });
    const me = await enrol(p, { id: "u1", name: "Dana" });
    const token = me.member_token as string;
    const first = await browser(p, "/v1/track/moment", { member_token: token, moment: "support_resolved" });
    expect(first.res.status).toBe(200);
    expect(first.json.nudge).toMatchObject({
      moment: "support_resolved",
      message: {
        en: "Glad that worked out — know a team that would like Ledgerly?",
        de: "Schön, dass es geklappt hat – kennen Sie ein Team, dem Ledgerly gefallen würde?",
      },
    });
    const again = await browser(p, "/v1/track/moment", { member_token: token, moment: "support_resolved" });
    expect(again.json.nudge).toBeNull();
    // Another moment has its own cooldown.
    const renewed = await browser(p, "/v1/track/moment", { member_token: token, moment: "renewed" });
    expect(renewed.json.nudge.moment).toBe("renewed");

    for (const action of ["clicked", "clicked", "dismissed"]) {
      const r = await browser(p, "/v1/track/nudge", { member_token: token, nudge_id: first.json.nudge.id, action });
      expect(r.res.status).toBe(202);
    }
    await browser(p, "/v1/track/nudge", { member_token: token, nudge_id: renewed.json.nudge.id, action: "dismissed" });
    const stats = await server(p, "GET", "/v1/analytics/moments");
    expect(stats.json.moments).toEqual([
      { moment: "renewed", triggered: 1, shown: 1, clicked: 0, dismissed: 1 },
      { moment: "support_resolved", triggered: 1, shown: 1, clicked: 1, dismissed: 1 },
    ]);
  });

  it("the cooldown and the words are the program's to set; a moment past its cooldown nudges again", async () => {
    const p = await makeProgram({ name: "Ledgerly" });
    const patch = await server(p, "PATCH", "/v1/program", {
      moments: { renewed: { message: { en: "Thanks for renewing {program}!" }, cooldown_days: 2 } },
    });
    expect(patch.res.status).toBe(200);
    const me = await enrol(p, { id: "u1" });
    // A nudge three days ago: past the two-day cooldown.
    const program = await getProgram(env.DB, p.id);
    const made = await triggerMoment(env.DB, program, me.member.id, "renewed", "browser", Date.now() - 3 * DAY);
    expect(made).not.toBeNull();
    const nudge = await browser(p, "/v1/track/moment", { member_token: me.member_token, moment: "renewed" });
    expect(nudge.json.nudge.message.en).toBe("Thanks for renewing Ledgerly!");
    // German was not reworded: the default stays.
    expect(nudge.json.nudge.message.de).toContain("Ledgerly");

    const bad = await server(p, "PATCH", "/v1/program", { moments: { "Renewed!": { cooldown_days: 0 } } });
    expect(bad.res.status).toBe(422);
    expect(bad.json.error.code).toBe("validation_failed");
  });

  it("a server moment waits for the widget, which gets it once at enrolment; never for an ineligible member", async () => {
    const p = await makeProgram();
    const me = await enrol(p, { id: "u1" });
    const made = await server(p, "POST", `/v1/members/${me.member.id}/moments`, { moment: "renewed" });
    expect(made.res.status).toBe(201);
    expect(made.json.moment).toMatchObject({ moment: "renewed", nudged: true });
    const repeat = await server(p, "POST", `/v1/members/${me.member.id}/moments`, { moment: "renewed" });
    expect(repeat.json.moment).toEqual({ id: null, moment: "renewed", nudged: false, emailed: false });

    const next = await enrol(p, { id: "u1" });
    expect(next.nudge).toMatchObject({ id: made.json.moment.id, moment: "renewed" });
    expect((await enrol(p, { id: "u1" })).nudge).toBeNull();

    const missing = await server(p, "POST", "/v1/members/mem_nobody/moments", { moment: "renewed" });
    expect(missing.res.status).toBe(404);

    await server(p, "PATCH", "/v1/program", {
      eligibility: { match: "all", conditions: [{ attribute: "paying", op: "eq", value: true }] },
    });
    const other = await enrol(p, { id: "u2" });
    expect(other.eligible).toBe(false);
    const held = await server(p, "POST", `/v1/members/${other.member.id}/moments`, { moment: "renewed" });
    expect(held.json.moment.nudged).toBe(false);
    const fromPage = await browser(p, "/v1/track/moment", { member_token: other.member_token, moment: "renewed" });
    expect(fromPage.json.nudge).toBeNull();
  });
});
