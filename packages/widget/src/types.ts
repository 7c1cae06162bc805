import type {
  LeadInput as ApiLeadInput,
  MeResponse as ApiMeResponse,
  CompanySize,
  ErrorBody,
  ErrorCode,
  LeadResponse,
  ReferralSummary,
  ShareChannel,
} from "@vouch/edge-api/types";

export type { CompanySize, LeadResponse, ReferralSummary, ShareChannel };
export type MeResponse = ApiMeResponse;

/** What the host passes to `vouch('init', …)`. */
export interface InitOptions {
  /** The member, signed by the host's server (HMAC-SHA256 of `member.id` with the identity secret). */
  member?: {
    id: string;
    email?: string;
    name?: string;
    company?: string;
    /** For the program's eligibility rules: signed with the id (`signIdentity` with `attributes` in @vouch/node). */
    attributes?: Record<string, string | number | boolean>;
  };
  signature?: string;
  /** The unix time your server signed with the id (signIdentity with a timestamp): the signature then expires in a day. */
  timestamp?: number;
  /** Alternative to member + signature: a short-lived HS256 JWT signed with the identity secret. */
  token?: string;
  /** Publishable key; defaults to the script tag's `data-key`. */
  key?: string;
  /** API origin; defaults to `data-api`, then the origin the script was loaded from. */
  api?: string;
  /** CSP nonce for the lazily loaded panel script and the fallback `<style>`; defaults to the script tag's nonce. */
  nonce?: string;
  /** `en` (default) or `de`; defaults to `data-locale`, then `<html lang>`. */
  locale?: string;
  /** Override any UI string, e.g. `{ cta: "Invite a peer" }`. */
  strings?: Record<string, string>;
  /** Show the floating launcher when the page has no `[data-vouch-callout]` element. Default true. */
  launcher?: boolean;
}

/**
 * Error shape of the API (`{ error: { code, message, details } }`), plus the client's own codes: `network_error`
 * (the fetch failed), `http_error` (an answer without the API's error body, e.g. a proxy's page) and
 * `member_paused` (no member token, so nothing was sent).
 */
export type ApiErrorBody = Omit<ErrorBody["error"], "code"> & {
  code: ErrorCode | "network_error" | "http_error" | "member_paused";
};

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ApiErrorBody };

/** What the peer form sends to `POST /v1/track/lead` (with the member token the API client adds). */
export type LeadInput = Pick<ApiLeadInput, "email" | "name" | "company" | "role" | "size">;

export interface ApiClient {
  enrol(identity: Pick<InitOptions, "member" | "signature" | "timestamp" | "token">): Promise<ApiResult<MeResponse>>;
  recordShare(memberToken: string, channel: ShareChannel): Promise<ApiResult<unknown>>;
  submitLead(memberToken: string, lead: LeadInput): Promise<ApiResult<LeadResponse>>;
  recordMoment(memberToken: string, moment: string): Promise<ApiResult<{ nudge: MeResponse["nudge"] }>>;
  recordNudge(memberToken: string, nudgeId: string, action: "clicked" | "dismissed"): Promise<ApiResult<unknown>>;
}

/** The contract between the loader and the lazily loaded panel chunk. */
export interface PanelMountOptions {
  data: MeResponse;
  api: ApiClient;
  locale: string;
  strings: Record<string, string>;
  adoptStyles(root: ShadowRoot, css: string): void;
  onClose(): void;
  /** The panel changed what the member sees (e.g. a new referral); keep it for the next open. */
  onDataChange(next: MeResponse): void;
}

export interface PanelHandle {
  unmount(): void;
}

export interface PanelModule {
  mountPanel(root: ShadowRoot, options: PanelMountOptions): PanelHandle;
}
