import { OpenAPIHono } from "@hono/zod-openapi";
import { adminRoutes } from "./admin/routes";
import { dashboardRoutes } from "./admin/static";
import { refoldRecentDays } from "./analytics/rollups";
import { analyticsRoutes } from "./analytics/routes";
import { browserAuth, secretAuth } from "./auth/middleware";
import { eligibilityRoutes } from "./eligibility/routes";
import { consumeEmails, dispatchDueEmails, type EmailMessage } from "./emails/outbox";
import { emailRoutes } from "./emails/routes";
import { emailApiRoutes, emailSettingsRoutes } from "./emails/settings";
import { writeDueSummaries } from "./emails/summary";
import { experimentRoutes } from "./experiments/routes";
import { forgetOldVisitorHashes } from "./fraud/evidence";
import { reviewRoutes } from "./fraud/routes";
import { crmAfterWrites } from "./integrations/crm/dispatch";
import { type CrmMessage, consumeCrm, dispatchDueCrm } from "./integrations/crm/outbound";
import { crmInRoutes, crmLogRoutes, crmSettingsRoutes } from "./integrations/crm/routes";
import { applyStripeEvents, consumeStripeEvents, type StripeApplyMessage } from "./integrations/stripe/apply";
import { stripeInRoutes, stripeSettingsRoutes } from "./integrations/stripe/routes";
import { keyRoutes } from "./keys/routes";
import type { AppEnv } from "./lib/app";
import { limitBody } from "./lib/body-limit";
import { ApiError, handleError } from "./lib/errors";
import { BODY_LIMIT_BYTES } from "./lib/validate";
import { memberBrowserRoutes, memberServerRoutes } from "./members/routes";
import { momentAnalyticsRoutes, momentBrowserRoutes, momentServerRoutes } from "./moments/routes";
import { referenceRoutes } from "./openapi/routes";
import { memberPayoutRoutes, payoutRoutes } from "./payouts/routes";
import { consumePayouts, dispatchDuePayouts, type PayoutMessage } from "./payouts/service";
import { portalRoutes } from "./portal/routes";
import { programPageRoutes } from "./program-page/routes";
import { programRoutes } from "./programs/routes";
import { conversionRoutes, referralRoutes } from "./referrals/routes";
import { leaderboardRoutes } from "./rewards/leaderboard-routes";
import { promoteDue } from "./rewards/ledger";
import { rewardRoutes } from "./rewards/ledger-routes";
import { raffleRoutes } from "./rewards/raffle-routes";
import { rewardRuleRoutes } from "./rewards/rules-routes";
import { RULESET_BODY_LIMIT_BYTES } from "./rewards/schema";
import { shortLinkRoutes, trackingRoutes } from "./tracking/routes";
import { consumeVisits, type VisitMessage } from "./tracking/visit-queue";
import { consumeWebhooks, dispatchDue, type WebhookMessage } from "./webhooks/delivery";
import { dispatchAfterWrites } from "./webhooks/dispatch";
import { deliveryRoutes, endpointRoutes } from "./webhooks/routes";

const app = new OpenAPIHono<AppEnv>();

// After authentication (an unknown caller makes us read nothing) and before any handler reads the body.
const bodyLimit = limitBody(BODY_LIMIT_BYTES, {
  "PUT /v1/reward-rules": RULESET_BODY_LIMIT_BYTES,
  "POST /v1/reward-rules/preview": RULESET_BODY_LIMIT_BYTES,
  "POST /v1/experiments": RULESET_BODY_LIMIT_BYTES, // a rule set per variant
});

app.get("/health", (c) => c.json({ ok: true }));
app.route("/", shortLinkRoutes);
// The dashboard's single-page app (src/admin/static.ts).
app.route("/", dashboardRoutes);
app.route("/", programPageRoutes); // GET /p/:slug, the hosted program page (public HTML)
app.route("/", portalRoutes); // GET /o/:token (One Click Access) and /p/:slug/me, the member portal (public HTML)
app.route("/", emailRoutes); // POST /u/:token (one-click unsubscribe) and, outside production, GET /dev/mail
// The API document, built from the routes mounted below, and its interactive reference at /docs.
app.route("/", referenceRoutes(app));

// A write that announced something (the outbox: src/webhooks) has its deliveries queued after the answer.
app.use("/v1/*", dispatchAfterWrites());
// …and its CRM sync (src/integrations/crm): new referrals and status changes to HubSpot / Salesforce.
app.use("/v1/*", crmAfterWrites());

// Stripe's webhooks: authenticated by their signature, not by an API key.
app.route("/v1/integrations/stripe", stripeInRoutes);
// HubSpot's and Salesforce's calls: authenticated by their signature or the program's inbound secret.
app.route("/v1/integrations/hubspot", crmInRoutes.hubspot);
app.route("/v1/integrations/salesforce", crmInRoutes.salesforce);

// The dashboard's sign-in and sessions (src/admin): a session cookie, no API key.
app.use("/v1/admin/*", bodyLimit);
app.route("/v1/admin", adminRoutes);

// Browser endpoints: publishable key + allowed origin + CORS.
app.use("/v1/track/*", browserAuth(), bodyLimit);
app.use("/v1/members/me", browserAuth(), bodyLimit);
app.route("/v1/track", trackingRoutes);
app.route("/v1/track", momentBrowserRoutes);
app.route("/v1/members/me", memberBrowserRoutes);

// Server endpoints: secret key.
app.use("/v1/*", secretAuth(), bodyLimit);
app.route("/v1/program/email-settings", emailSettingsRoutes);
app.route("/v1/program", programRoutes);
app.route("/v1/emails", emailApiRoutes);
app.route("/v1/api-keys", keyRoutes);
app.route("/v1/members", memberServerRoutes);
app.route("/v1/members", momentServerRoutes);
app.route("/v1/referrals", referralRoutes);
app.route("/v1/conversions", conversionRoutes);
app.route("/v1/analytics/eligibility", eligibilityRoutes);
app.route("/v1/analytics/moments", momentAnalyticsRoutes);
app.route("/v1/analytics", analyticsRoutes);
app.route("/v1/reward-rules", rewardRuleRoutes);
app.route("/v1/experiments", experimentRoutes);
app.route("/v1/rewards", rewardRoutes);
app.route("/v1/payouts", payoutRoutes);
app.route("/v1/members", memberPayoutRoutes);
app.route("/v1/raffle", raffleRoutes);
app.route("/v1/leaderboard", leaderboardRoutes);
app.route("/v1/reviews", reviewRoutes);
app.route("/v1/webhook-endpoints", endpointRoutes);
app.route("/v1/webhook-deliveries", deliveryRoutes);
app.route("/v1/integrations/stripe", stripeSettingsRoutes);
app.route("/v1/integrations/hubspot", crmSettingsRoutes.hubspot);
app.route("/v1/integrations/salesforce", crmSettingsRoutes.salesforce);
app.route("/v1/integrations/crm-log", crmLogRoutes);

app.notFound((c) => handleError(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`), c));
app.onError(handleError);

export default {
  fetch: app.fetch,
  // The VISITS queue's consumer: each batch of visits in one statement (src/tracking/visit-queue.ts).
  // The WEBHOOKS queue's consumer: each message one delivery (src/webhooks/delivery.ts).
  // The STRIPE_EVENTS queue's consumer: a customer's Stripe events, once settled (src/integrations/stripe).
  // The EMAILS queue's consumer: each message one member email (src/emails/outbox.ts).
  async queue(batch, env) {
    if (batch.queue.startsWith("vouch-webhooks")) {
      await consumeWebhooks(batch as MessageBatch<WebhookMessage>, env);
    } else if (batch.queue.startsWith("vouch-emails")) {
      await consumeEmails(batch as MessageBatch<EmailMessage>, env);
    } else if (batch.queue.startsWith("vouch-payouts")) {
      await consumePayouts(batch as MessageBatch<PayoutMessage>, env);
    } else if (batch.queue.startsWith("vouch-crm")) {
      // The CRM queue's consumer: referrals out to HubSpot / Salesforce, stage changes in (src/integrations/crm).
      await consumeCrm(batch as MessageBatch<CrmMessage>, env);
    } else if (batch.queue.startsWith("vouch-stripe")) {
      await consumeStripeEvents(batch as MessageBatch<StripeApplyMessage>, env);
    } else {
      await consumeVisits(batch as MessageBatch<VisitMessage>, env);
    }
  },
  // Every minute: rewards whose hold ended become approved (auto-approving programs; reads also do it lazily
  // per program) and Stripe events that settled with no queue message are applied, then webhook deliveries that are due and on no queue (a lost message, a stale isolate cache)
  // are queued. Every ten minutes: members' visitor hashes older than two days are deleted (they rotate daily,
  // useless to the fraud engine), the last days' rollups are folded again from the raw tables (exact
  // whatever happened), and sign-in counts for unknown addresses idle for a day are forgotten.
  scheduled(controller, env, ctx) {
    const now = controller.scheduledTime;
    // Approvals first: each announces reward.approved, which the dispatch then queues.
    const tasks: Promise<unknown>[] = [
      applyStripeEvents(env, { now })
        .then(() => promoteDue(env.DB, now))
        // On the 1st (UTC), a page of monthly summaries each minute (src/emails/summary.ts).
        .then(() => writeDueSummaries(env.DB, now))
        // Then webhook deliveries and member emails (src/emails) that are due and on no queue.
        .then(() =>
          Promise.all([
            dispatchDue(env, { now, limit: 500 }),
            dispatchDueEmails(env, { now }),
            // Payouts to send, and payouts a provider took whose outcome is due to be asked (src/payouts).
            dispatchDuePayouts(env, { now }),
            dispatchDueCrm(env, { now }),
          ]),
        ),
    ];
    if (new Date(now).getUTCMinutes() % 10 === 0) {
      tasks.push(
        forgetOldVisitorHashes(env.DB, now),
        refoldRecentDays(env.DB, now),
        // Wrong sign-ins counted for unknown addresses (src/admin/service.ts), idle for a day.
        env.DB.prepare("DELETE FROM login_throttle WHERE updated_at < ?")
          .bind(now - 86_400_000)
          .run(),
      );
    }
    ctx.waitUntil(Promise.all(tasks));
  },
} satisfies ExportedHandler<Env>;

export { app };
