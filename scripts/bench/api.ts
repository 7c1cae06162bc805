/**
 * Throughput of the API's hot paths on local workerd, each beside the bare `GET /health` measured in the
 * same run, so the ratio says what our code costs independent of the machine.
 * Targets: visit ≥ 0.6× bare, conversion ≥ 0.4× bare.
 */
import { CONNECTIONS, DURATION_S, type Figures, measure, measureBare, tableRow, warmUp } from "../lib/load";
import { DEMO, startApi } from "../lib/stack";

const ORIGIN = "http://localhost:4000";

/** Everything that did not answer 2xx, socket errors included. */
const failed = (f: Figures) => f.non2xx + f.errors;

/**
 * 1,000 visitors at once, each its own click: every accepted visit (201) must end as exactly one row once
 * the queue consumer has caught up (counted through the rollups' visits for the bench member's code).
 */
async function concurrentVisitors(url: string, code: string, n: number) {
  const headers = { origin: ORIGIN, "x-vouch-key": DEMO.publishableKey, "content-type": "application/json" };
  const campaign = `burst-${Date.now()}`;
  const answers = await Promise.all(
    Array.from({ length: n }, () =>
      fetch(`${url}/v1/track/visit`, {
        method: "POST",
        headers,
        body: JSON.stringify({ code, campaign }),
      }).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status;
        },
        () => 0,
      ),
    ),
  );
  const accepted = answers.filter((s) => s === 201).length;
  const started = performance.now();
  const today = new Date().toISOString().slice(0, 10);
  let rows = 0;
  while (performance.now() - started < 60_000) {
    const summary = (await fetch(`${url}/v1/analytics/summary?from=${today}&to=${today}&campaign=${campaign}`, {
      headers: { authorization: `Bearer ${DEMO.secretKey}` },
    }).then((r) => r.json())) as { visits: number };
    rows = summary.visits;
    if (rows >= accepted) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { accepted, rows, seconds: (performance.now() - started) / 1000 };
}

export default async function apiBench(): Promise<void> {
  const api = await startApi({ env: "bench" });
  try {
    const member = await fetch(`${api.url}/v1/members`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEMO.secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "bench-member", name: "Bench" }),
    }).then((r) => r.json() as Promise<{ member: { code: string } }>);
    const code = member.member.code;

    // Warm up workerd and the key cache.
    await warmUp(api.url);

    const bare = await measureBare(api.url);
    const visit = await measure("POST /v1/track/visit", {
      url: `${api.url}/v1/track/visit`,
      method: "POST",
      headers: { origin: ORIGIN, "x-vouch-key": DEMO.publishableKey, "content-type": "application/json" },
      body: JSON.stringify({ code, landing_url: "http://localhost:4000/?via=x", utm_campaign: "bench" }),
    });
    let n = 0;
    const conversion = await measure("POST /v1/conversions", {
      url: `${api.url}/v1/conversions`,
      method: "POST",
      headers: { authorization: `Bearer ${DEMO.secretKey}`, "content-type": "application/json" },
      requests: [
        {
          setupRequest: (req) => {
            n += 1;
            return {
              ...req,
              headers: { ...req.headers, "idempotency-key": `bench-${process.pid}-${n}` },
              body: JSON.stringify({
                email: `friend${n}@bench-${process.pid}.test`,
                code,
                value_cents: 9900,
                currency: "USD",
              }),
            };
          },
        },
      ],
    });

    const rows = [bare, visit, conversion].map((f) => ({ ...tableRow(f, bare), "non-2xx": failed(f) }));
    const burst = await concurrentVisitors(api.url, code, 1000);
    console.log(`API on local workerd, ${CONNECTIONS} connections, ${DURATION_S}s each (2-core machine)`);
    console.table(rows);
    const visitRatio = visit.rps / bare.rps;
    const conversionRatio = conversion.rps / bare.rps;
    console.log(
      `visit ${visitRatio.toFixed(2)}× bare (target ≥ 0.60) ${visitRatio >= 0.6 ? "✓" : "✗"}   ` +
        `conversion ${conversionRatio.toFixed(2)}× bare (target ≥ 0.40) ${conversionRatio >= 0.4 ? "✓" : "✗"}`,
    );
    if (failed(visit) || failed(conversion))
      console.log("warning: some requests did not answer 2xx; figures are suspect");
    console.log(
      `1,000 concurrent visitors: ${burst.accepted} visits accepted, ${burst.rows} visit rows written by the queue ` +
        `consumer ${burst.accepted === burst.rows ? "✓ (none lost, none doubled)" : "✗"} (${burst.seconds.toFixed(1)} s until all landed)`,
    );
  } finally {
    await api.stop();
  }
}
