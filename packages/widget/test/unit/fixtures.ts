import type {
  ApiClient,
  ApiErrorBody,
  ApiResult,
  LeadInput,
  LeadResponse,
  MeResponse,
  ShareChannel,
} from "../../src/types";

/** A rewards view with money in every state and a milestone on the way. */
export function rewardsView(overrides: Partial<NonNullable<MeResponse["rewards"]>> = {}): MeResponse["rewards"] {
  return {
    rule_version: 1,
    totals: [{ currency: "USD", pending: 10000, approved: 15000, paid: 5000, earned: 20000 }],
    free_months: { pending: 0, earned: 0 },
    discount_percent: 10,
    next_milestone: {
      rule_id: "r1",
      description: "a $250 bonus",
      trigger: "converted",
      at: 5,
      current: 2,
      remaining: 3,
    },
    raffle: null,
    recent: [],
    ...overrides,
  };
}

export function meResponse(overrides: Partial<MeResponse> = {}): MeResponse {
  return {
    member: {
      id: "mem_1",
      external_id: "user_1001",
      email: "dana@northwind-books.example",
      email_verified: true,
      name: "Dana Whitfield",
      company: "Northwind Books",
      code: "DANA42",
      link: "http://localhost:4000/?via=DANA42",
      short_link: "http://127.0.0.1:8787/r/ledgerly-demo/DANA42",
      status: "active",
      created_at: "2026-01-01T00:00:00.000Z",
    },
    member_token: "mt_test",
    eligible: true,
    nudge: null,
    message:
      "We close our books in half the time since switching to Ledgerly. Try it: http://localhost:4000/?via=DANA42",
    program: {
      name: "Ledgerly",
      offer_text: "Give $100, get $100.",
      brand_color: "#0f766e",
      program_page_url: "http://localhost:4000/referral-program",
      test_mode: true,
      warnings: [],
    },
    stats: { visits: 3, shares: 1, leads: 1, qualified: 0, converted: 0 },
    referrals: [
      {
        id: "ref_1",
        name: "Ada Lovelace",
        company: "Analytical Ltd",
        status: "lead",
        created_at: "2026-02-03T10:00:00Z",
      },
    ],
    ...overrides,
  };
}

type LeadReply = ApiResult<LeadResponse>;

/** An ApiClient that records calls; the real one is exercised against the real API in test/browser. */
export function recordingApi(leadReply: LeadReply | ((lead: LeadInput) => LeadReply) = acceptedLead()) {
  const shares: ShareChannel[] = [];
  const leads: LeadInput[] = [];
  const api: ApiClient = {
    enrol: async () => ({ ok: true, status: 200, data: meResponse() }),
    recordShare: async (_token, channel) => {
      shares.push(channel);
      return { ok: true, status: 201, data: {} };
    },
    submitLead: async (_token, lead) => {
      leads.push(lead);
      return typeof leadReply === "function" ? leadReply(lead) : leadReply;
    },
    recordMoment: async () => ({ ok: true, status: 200, data: { nudge: null } }),
    recordNudge: async () => ({ ok: true, status: 202, data: {} }),
  };
  return { api, shares, leads };
}

/** What the API answers a browser lead, new or not: 202 `{ accepted: true }`. */
export function acceptedLead(): LeadReply {
  return { ok: true, status: 202, data: { accepted: true } };
}

export function apiError(status: number, code: ApiErrorBody["code"], message: string, details?: unknown): LeadReply {
  return { ok: false, status, error: { code, message, details } };
}
