/** Load generation for the API benches: every route under the same autocannon settings. */
import autocannon from "autocannon";

export const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
export const CONNECTIONS = 16;

export interface Figures {
  name: string;
  /** Mean requests per second. */
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Runs `opts` for DURATION_S seconds over CONNECTIONS connections. */
export async function measure(name: string, opts: autocannon.Options): Promise<Figures> {
  const result = await autocannon({ duration: DURATION_S, connections: CONNECTIONS, ...opts });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** Warms up workerd (and its key cache) before anything is measured. */
export async function warmUp(apiUrl: string): Promise<void> {
  await autocannon({ url: `${apiUrl}/health`, duration: 2, connections: 4 });
}

/** The bare `GET /health`, the baseline every route is compared with. */
export const measureBare = (apiUrl: string) => measure("GET /health (bare)", { url: `${apiUrl}/health` });

/** The columns every throughput table starts with; the caller adds its failure counts. */
export function tableRow(f: Figures, bare: Figures) {
  return {
    route: f.name,
    "req/s": Math.round(f.rps),
    "p50 ms": f.p50,
    "p99 ms": f.p99,
    "× bare": (f.rps / bare.rps).toFixed(2),
  };
}
