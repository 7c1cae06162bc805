/**
 * `@vouch/node`: Vouch from your server. Runs on Node 18+, Cloudflare Workers, Deno and Bun (Web Crypto and
 * `fetch` only); the Node `http`/Express, Next.js and Hono attribution adapters are their own entry points.
 */
export {
  type AttributionOptions,
  attributionCookie,
  DEFAULT_PARAMS,
  DEFAULT_WINDOW_DAYS,
  landingReferral,
  REFERRAL_COOKIE,
  readReferral,
  type ServerReferral,
  type StoredReferral,
  serializeReferral,
} from "./attribution/cookie";
export { VouchError, type VouchErrorCode, VouchNetworkError } from "./client/errors";
export type { RetryPolicy } from "./client/retry";
export type { ClientOptions, RequestOptions } from "./client/transport";
export { automaticIdempotencyKey, canonicalJson } from "./conversions/idempotency";
export type {
  AccessLink,
  ConversionInput,
  ConversionResult,
  MemberDiscount,
  ReferralEvent,
  ReferralUpdate,
  ReferralUpdateResult,
} from "./conversions/types";
export {
  type IdentityTokenOptions,
  identityToken,
  jwtSecretFor,
  MAX_TOKEN_LIFETIME_S,
  type SignedIdentity,
  type SignIdentityOptions,
  signIdentity,
  type VouchUser,
} from "./identity";
export { Vouch } from "./vouch";
export { VouchWebhookError, verifyWebhook, type WebhookDelivery } from "./webhooks/verify";
