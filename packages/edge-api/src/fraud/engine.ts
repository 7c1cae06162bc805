import * as mailchecker from "mailchecker";
import roleAddresses from "role-based-email-addresses";
import { emailDomain, emailKey, FREE_MAIL } from "../lib/email";
import type { FraudAction, FraudRuleName, FraudRules, FraudSignal } from "./schema";

/**
 * The fraud engine: pure functions from a program's rules and the evidence the API gathered (in the same
 * D1 batch as its other reads) to signals, each with the rule, its action and what it saw. No I/O, no
 * clock. `verdict` turns the signals into one decision: block beats flag beats allow.
 */

const ROLE_PREFIXES: ReadonlySet<string> = new Set((roleAddresses as string[]).map((p) => p.toLowerCase()));

/** A throwaway-mail address (mailchecker's maintained list, sub-domains included). */
export function isDisposable(email: string): boolean {
  // mailchecker's isValid is false for a disposable domain (and for a malformed address, which zod refused already).
  return !mailchecker.isValid(email);
}

/** An address that names a role or a team rather than a person: info@, sales@, billing@… */
export function isRoleAddress(email: string): boolean {
  const local = email.slice(0, email.lastIndexOf("@")).toLowerCase().split("+")[0] ?? "";
  return ROLE_PREFIXES.has(local);
}

export interface LeadEvidence {
  friendEmail: string;
  /** Every address the member was seen with, normalised (member_emails). */
  memberEmailKeys: readonly string[];
  blockSameDomain: boolean;
  /** The lead request's visitor hash and, when the lead came through a click, the visit's. */
  friendVisitorHashes: readonly string[];
  /** The member's own recent visitor hashes (their widget's requests). */
  memberVisitorHashes: readonly string[];
  /** The member's leads before this one, in the last hour and the last 24 hours. */
  memberLeadsLastHour: number;
  memberLeadsLastDay: number;
  /** Leads in the program from this lead's visitor hash in the last 24 hours, before this one. */
  visitorLeadsLastDay: number;
}

export interface ConversionEvidence {
  value_cents?: number | null | undefined;
  currency?: string | null | undefined;
  plan?: string | null | undefined;
}

function signal(
  rules: FraudRules,
  rule: FraudRuleName,
  message: string,
  evidence: Record<string, unknown>,
): FraudSignal | null {
  const action: FraudAction = rules[rule].action;
  return action === "allow" ? null : { rule, action, message, evidence };
}

/** Why the friend is the member, if they are: the same person (any alias) or, when the program says so, the same company. */
export function selfReferralReason(
  friendEmail: string,
  memberEmailKeys: readonly string[],
  blockSameDomain: boolean,
): "same_email" | "same_domain" | null {
  const friend = emailKey(friendEmail);
  if (memberEmailKeys.includes(friend)) return "same_email";
  const domain = emailDomain(friend);
  if (blockSameDomain && !FREE_MAIL.has(domain) && memberEmailKeys.some((k) => emailDomain(k) === domain)) {
    return "same_domain";
  }
  return null;
}

/** The checks every new referral gets, whoever sends it: who the friend is. */
function friendSignals(
  rules: FraudRules,
  e: Pick<LeadEvidence, "friendEmail" | "memberEmailKeys" | "blockSameDomain">,
) {
  const out: (FraudSignal | null)[] = [];
  const self = selfReferralReason(e.friendEmail, e.memberEmailKeys, e.blockSameDomain);
  if (self) {
    out.push(
      signal(
        rules,
        "self_referral",
        self === "same_email"
          ? "The friend's address is one the member uses."
          : "The friend works at the member's company.",
        { reason: self, friend_email: e.friendEmail, member_emails: e.memberEmailKeys },
      ),
    );
  }
  if (isDisposable(e.friendEmail)) {
    out.push(
      signal(rules, "disposable_email", "The friend's address is at a throwaway-mail provider.", {
        domain: emailDomain(e.friendEmail),
      }),
    );
  }
  if (isRoleAddress(e.friendEmail)) {
    out.push(signal(rules, "role_email", "The friend's address names a role, not a person.", { email: e.friendEmail }));
  }
  return out;
}

/** A lead from a browser: who the friend is, whose browser it is, and how fast this member and visitor bring leads. */
export function assessLead(rules: FraudRules, e: LeadEvidence): FraudSignal[] {
  const out = friendSignals(rules, e);
  const shared = e.friendVisitorHashes.filter((h) => e.memberVisitorHashes.includes(h));
  if (shared.length > 0) {
    out.push(
      signal(rules, "same_visitor", "The friend used the member's own browser and network the same day.", {
        visitor_hash: shared[0],
      }),
    );
  }
  const hourly = rules.member_velocity.max_per_hour;
  if (e.memberLeadsLastHour + 1 > hourly) {
    out.push(
      signal(rules, "member_velocity", `The member brought more than ${hourly} leads in an hour.`, {
        leads_last_hour: e.memberLeadsLastHour + 1,
        max_per_hour: hourly,
      }),
    );
  }
  const daily = rules.daily_lead_cap.max_per_day;
  if (e.memberLeadsLastDay + 1 > daily) {
    out.push(
      signal(rules, "daily_lead_cap", `The member reached the cap of ${daily} leads a day.`, {
        leads_last_day: e.memberLeadsLastDay + 1,
        max_per_day: daily,
      }),
    );
  }
  const perVisitor = rules.visitor_velocity.max_per_day;
  if (e.friendVisitorHashes.length > 0 && e.visitorLeadsLastDay + 1 > perVisitor) {
    out.push(
      signal(rules, "visitor_velocity", `More than ${perVisitor} leads came from one browser in a day.`, {
        leads_last_day: e.visitorLeadsLastDay + 1,
        max_per_day: perVisitor,
      }),
    );
  }
  return out.filter((s): s is FraudSignal => s !== null);
}

/** A referral the vendor's server creates with a conversion: who the friend is (no browser evidence here). */
export function assessServerReferral(
  rules: FraudRules,
  e: Pick<LeadEvidence, "friendEmail" | "memberEmailKeys" | "blockSameDomain">,
): FraudSignal[] {
  return friendSignals(rules, e).filter((s): s is FraudSignal => s !== null);
}

/** A conversion's value and plan against what the program sells. */
export function assessConversion(rules: FraudRules, e: ConversionEvidence): FraudSignal[] {
  const b = rules.conversion_bounds;
  const problems: string[] = [];
  const sameCurrency = !b.currency || !e.currency || b.currency === e.currency;
  if (e.value_cents != null && sameCurrency) {
    if (b.min_value_cents !== undefined && e.value_cents < b.min_value_cents) problems.push("value below the minimum");
    if (b.max_value_cents !== undefined && e.value_cents > b.max_value_cents) problems.push("value above the maximum");
  }
  if (b.currency && e.currency && e.currency !== b.currency) problems.push(`currency is not ${b.currency}`);
  if (b.plans && e.plan && !b.plans.includes(e.plan)) problems.push("plan is not one the program sells");
  if (problems.length === 0) return [];
  const s = signal(rules, "conversion_bounds", `The conversion looks wrong: ${problems.join(", ")}.`, {
    value_cents: e.value_cents ?? null,
    currency: e.currency ?? null,
    plan: e.plan ?? null,
    bounds: b,
  });
  return s ? [s] : [];
}

/** A conversion names another member than the lead it matches (see ARCHITECTURE.md, "Evidence order"). */
export function attributionConflict(rules: FraudRules, evidence: Record<string, unknown>): FraudSignal[] {
  const s = signal(
    rules,
    "attribution_conflict",
    "The conversion names a different member than the lead: the visit's evidence was used.",
    evidence,
  );
  return s ? [s] : [];
}

export function verdict(signals: readonly FraudSignal[]): FraudAction {
  if (signals.some((s) => s.action === "block")) return "block";
  if (signals.some((s) => s.action === "flag")) return "flag";
  return "allow";
}
