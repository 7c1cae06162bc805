import { paypalProvider } from "./paypal";
import { tremendousProvider } from "./tremendous";
import type { PayoutProvider, ProviderMethod } from "./types";
import { wiseProvider } from "./wise";

/**
 * The deployment's provider accounts (Worker secrets; `*_API_URL` vars point at a sandbox or, in tests, a local
 * fake). Without `VOUCH_ENV=production` the sandboxes are the default, so a development deployment cannot pay real
 * money by accident.
 */
export interface PayoutProviderEnv {
  VOUCH_ENV?: string;
  PAYPAL_CLIENT_ID?: string;
  PAYPAL_CLIENT_SECRET?: string;
  PAYPAL_API_URL?: string;
  TREMENDOUS_API_KEY?: string;
  TREMENDOUS_API_URL?: string;
  WISE_API_TOKEN?: string;
  WISE_PROFILE_ID?: string;
  WISE_API_URL?: string;
}

function live(env: PayoutProviderEnv): boolean {
  return env.VOUCH_ENV === "production";
}

/** The adapter for a method, or a sentence saying which secret is missing. */
export function payoutProviderFor(env: PayoutProviderEnv, method: ProviderMethod): PayoutProvider | string {
  if (method === "paypal") {
    if (!env.PAYPAL_CLIENT_ID || !env.PAYPAL_CLIENT_SECRET) {
      return "PayPal is not set up: set the PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET secrets.";
    }
    return paypalProvider({
      clientId: env.PAYPAL_CLIENT_ID,
      clientSecret: env.PAYPAL_CLIENT_SECRET,
      baseUrl: env.PAYPAL_API_URL || (live(env) ? "https://api-m.paypal.com" : "https://api-m.sandbox.paypal.com"),
    });
  }
  if (method === "tremendous") {
    if (!env.TREMENDOUS_API_KEY) return "Tremendous is not set up: set the TREMENDOUS_API_KEY secret.";
    return tremendousProvider({
      apiKey: env.TREMENDOUS_API_KEY,
      baseUrl:
        env.TREMENDOUS_API_URL ||
        (live(env) ? "https://www.tremendous.com/api/v2" : "https://testflight.tremendous.com/api/v2"),
    });
  }
  if (!env.WISE_API_TOKEN || !env.WISE_PROFILE_ID) {
    return "Wise is not set up: set the WISE_API_TOKEN and WISE_PROFILE_ID secrets.";
  }
  return wiseProvider({
    token: env.WISE_API_TOKEN,
    profileId: env.WISE_PROFILE_ID,
    baseUrl: env.WISE_API_URL || (live(env) ? "https://api.wise.com" : "https://api.sandbox.transferwise.tech"),
  });
}
