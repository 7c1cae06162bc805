import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { API, makeProgram, server, type TestProgram } from "../../test/fixtures";

const HEADER =
  "reward_id,recipient,payee_email,payee_name,member_id,member_external_id,referral_id,kind,amount,amount_minor,currency,description,rule_id,rule_version,approved_at,payee_email_verified,clawback_of";

/** One real approved reward through the API: $12.34 for a member whose name needs CSV quoting. */
async function approvedReward(p: TestProgram): Promise<string> {
  const rules = await server(p, "PUT", "/v1/reward-rules", {
    rules: [
      { id: "bounty", trigger: "converted", recipient: "member", kind: "cash", amount: { type: "flat", value: 1234 } },
    ].map((r) => ({ ...r, currency: "USD" })),
  });
  expect(rules.res.status).toBe(201);
  const member = await server(p, "POST", "/v1/members", { id: "m1", email: "m1@member-co.test", name: 'Doe, "Jr"' });
  const sale = await server(p, "POST", "/v1/conversions", { email: "f@friend-co.test", code: member.json.member.code });
  expect(sale.res.status).toBe(201);
  const listed = await server(p, "GET", "/v1/rewards?state=approved");
  expect(listed.json.data).toHaveLength(1);
  return listed.json.data[0].id;
}

/**
 * `count` more approved rewards cloned from one row in a single INSERT (the API would take thousands of
 * requests). Seven clones share each approval time, so ties straddle page boundaries.
 */
async function cloneApproved(templateId: string, count: number): Promise<void> {
  const { results } = await env.DB.prepare("SELECT name FROM pragma_table_info('rewards')").all<{ name: string }>();
  const columns = results.map((r) => r.name);
  const replaced: Record<string, string> = {
    id: "id || printf('_%06d', n.i)",
    dedupe_key: "dedupe_key || ':bulk' || n.i",
    approved_at: "approved_at + n.i / 7",
  };
  await env.DB.prepare(
    `INSERT INTO rewards (${columns.join(", ")})
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     SELECT ${columns.map((c) => replaced[c] ?? c).join(", ")} FROM rewards, n WHERE rewards.id = ?`,
  )
    .bind(count, templateId)
    .run();
}

async function exportLines(p: TestProgram, query = ""): Promise<string[]> {
  const res = await SELF.fetch(`${API}/v1/rewards/export.csv${query}`, {
    headers: { authorization: `Bearer ${p.sk}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="vouch-approved-rewards-/);
  const text = await res.text();
  expect(text.endsWith("\r\n")).toBe(true);
  return text.slice(0, -2).split("\r\n");
}

describe("GET /v1/rewards/export.csv", () => {
  it("exports every approved reward, past 10,000 rows, in approval order", async () => {
    const p = await makeProgram();
    const templateId = await approvedReward(p);
    await cloneApproved(templateId, 10_050);
    const lines = await exportLines(p);
    expect(lines[0]).toBe(HEADER);
    const rows = lines.slice(1);
    expect(rows).toHaveLength(10_051);
    const ids = rows.map((l) => l.split(",")[0]);
    expect(new Set(ids).size).toBe(10_051);
    expect(ids[0]).toBe(templateId);
    // (approved_at, id) ascending: the keyset the pages follow.
    const approvedAt = (l: string) => /,(\d{4}-\d\d-\d\dT[\d:.]+Z),/.exec(l)?.[1];
    const keys = rows.map((l) => `${approvedAt(l)} ${l.split(",")[0]}`);
    expect(keys.every((k) => !k.startsWith("undefined"))).toBe(true);
    expect(keys).toEqual([...keys].sort());
    // The columns and quoting of before: a payee name with a comma and quotes, amounts in both forms.
    expect(rows[0]).toMatch(
      /,member,m1@member-co\.test,"Doe, ""Jr""",mem_\w+,m1,ref_\w+,cash,12\.34,1234,USD,,bounty,1,/,
    );
    // The member's address came from the vendor's server: verified, and no clawback.
    expect(rows[0]).toMatch(/,true,$/);
  });

  it("keeps its filters across pages", async () => {
    const p = await makeProgram();
    const templateId = await approvedReward(p);
    await cloneApproved(templateId, 1_500);
    expect(await exportLines(p, "?currency=EUR")).toEqual([HEADER]);
    expect(await exportLines(p, "?member_id=mem_nobody")).toEqual([HEADER]);
    expect(await exportLines(p, "?currency=USD")).toHaveLength(1 + 1_501);
  });
});
