/**
 * The API's request and response shapes for the browser packages and for integrators' TypeScript.
 * Import with `import type` only: this module re-exports types, so no zod reaches a browser bundle.
 */
export type { AnalyticsSummary } from "./analytics/schema";
export type { ErrorBody, ErrorCode } from "./lib/errors";
export type { EnrolInput, MemberStats, MemberView, MeResponse, ReferralSummary } from "./members/schema";
export type { ConversionInput } from "./referrals/schema";
export type { ReferralView } from "./referrals/service";
export type { ReferralStatus } from "./referrals/status";
export type { MemberRewardsView, RewardKind, RewardState, RulesetInput } from "./rewards/schema";
export type { LeadInput, ShareChannel, VisitInput, VisitResponse } from "./tracking/schema";
