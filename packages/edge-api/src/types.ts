/**
 * The API's request and response shapes for the browser packages and for integrators' TypeScript, published as
 * `@vouch/edge-api/types`. Import with `import type` only: this module re-exports types, so no zod reaches a
 * browser bundle. Every type here comes from a feature's `schema.ts` (or the error map), never from a module
 * that needs the Workers runtime, so a browser package's compiler can read it.
 */
export type { AnalyticsSummary } from "./analytics/schema";
export type { ErrorBody, ErrorCode } from "./lib/errors";
export type { EnrolInput, MemberStats, MemberView, MeResponse, ReferralSummary } from "./members/schema";
export type { ConversionInput } from "./referrals/schema";
export type { ReferralStatus } from "./referrals/status";
export type { MemberRewardsView, RewardKind, RewardState, RulesetInput } from "./rewards/schema";
export type {
  CompanySize,
  LeadInput,
  LeadResponse,
  ShareChannel,
  VisitInput,
  VisitResponse,
} from "./tracking/schema";
