import type { CompanySize, LeadInput, VisitInput, VisitResponse } from "@vouch/edge-api/types";

export type { CompanySize, LeadInput, VisitInput, VisitResponse };

/** What the tracker remembers about the referral, in the `vouch_ref` cookie and localStorage. */
export interface StoredReferral {
  /** The member's referral code, upper case as the API normalises it. */
  code: string;
  /** The visit's id from `POST /v1/track/visit`; missing while that post is still queued. */
  click_id?: string;
  /** When the visit happened (ms since epoch). */
  ts: number;
  /** When the program's attribution window ends (ms since epoch). */
  expires: number;
  /**
   * The program's attribution model when this referral was stored. Under last click a new link on the
   * current page takes over from it at once, before the visit's answer replaces it.
   */
  model?: "first" | "last";
  /** `"server"` when the vendor's own server wrote the cookie (`@vouch/node`); the tracker never rewrites it. */
  set_by?: "server";
}

export interface TrackerConfig {
  /** The program's publishable key, `vch_pk_…`. */
  key: string;
  /** The Vouch API origin, e.g. `https://api.vouch.example`. */
  api: string;
  /** Query parameters that carry the referral code, first match wins. Default `via`, `ref`. */
  params?: string[];
  /** Cookie domain, e.g. `example.com` to share the referral between `www.` and `app.`. */
  domain?: string;
  /** `"required"`: write and send nothing until `vouch('consent', true)`. */
  consent?: string;
}

/** A lead as the page gives it: `size` is any text here; only the API's buckets are sent (see `leadBody`). */
export type LeadFields = Pick<LeadInput, "email" | "name" | "company" | "role" | "code"> & {
  size?: string | undefined;
};

/** The public call signature: `vouch('lead', {...})`, `vouch('consent', true)`. */
export type VouchCommand = ((command: "lead", fields: LeadFields) => void) &
  ((command: "consent", granted: boolean) => void) &
  ((command: string, arg?: unknown) => void);
