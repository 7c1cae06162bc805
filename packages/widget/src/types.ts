import type { MeResponse as ApiMeResponse, ReferralSummary } from "../../edge-api/src/members/schema";
import type { ShareChannel } from "../../edge-api/src/tracking/schema";

export type { ReferralSummary, ShareChannel };
export type MeResponse = ApiMeResponse;

/** What the host passes to `vouch('init', …)`. */
export interface InitOptions {
  /** The member, signed by the host's server (HMAC-SHA256 of `member.id` with the identity secret). */
  member?: { id: string; email?: string; name?: string; company?: string };
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

/** Error shape of the API (`{ error: { code, message, details } }`), plus `network_error` for failed fetches. */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: ApiErrorBody };

export interface LeadInput {
  email: string;
  name?: string;
  company?: string;
  role?: string;
  size?: string;
}

/**
 * `POST /v1/track/lead` from the browser: 202 and the same body for a new lead, one already referred and one a
 * fraud rule stops, so the answer says nothing about who is already a customer.
 */
export interface LeadResponse {
  accepted: true;
}

export interface ApiClient {
  enrol(identity: Pick<InitOptions, "member" | "signature" | "timestamp" | "token">): Promise<ApiResult<MeResponse>>;
  recordShare(memberToken: string, channel: ShareChannel): Promise<ApiResult<unknown>>;
  submitLead(memberToken: string, lead: LeadInput): Promise<ApiResult<LeadResponse>>;
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
