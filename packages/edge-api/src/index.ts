import { OpenAPIHono } from "@hono/zod-openapi";
import { refoldRecentDays } from "./analytics/rollups";
import { analyticsRoutes } from "./analytics/routes";
import { browserAuth, secretAuth } from "./auth/middleware";
import { forgetOldVisitorHashes } from "./fraud/evidence";
import { reviewRoutes } from "./fraud/routes";
import { keyRoutes } from "./keys/routes";
import type { AppEnv } from "./lib/app";
import { limitBody } from "./lib/body-limit";
import { ApiError, handleError } from "./lib/errors";
import { BODY_LIMIT_BYTES } from "./lib/validate";
import { memberBrowserRoutes, memberServerRoutes } from "./members/routes";
import { referenceRoutes } from "./openapi/routes";
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

const app = new OpenAPIHono<AppEnv>();

// After authentication (an unknown caller makes us read nothing) and before any handler reads the body.
const bodyLimit = limitBody(BODY_LIMIT_BYTES, { "PUT /v1/reward-rules": RULESET_BODY_LIMIT_BYTES });

app.get("/health", (c) => c.json({ ok: true }));
app.route("/", shortLinkRoutes);
// The API document, built from the routes mounted below, and its interactive reference at /docs.
app.route("/", referenceRoutes(app));

// Browser endpoints: publishable key + allowed origin + CORS.
app.use("/v1/track/*", browserAuth(), bodyLimit);
app.use("/v1/members/me", browserAuth(), bodyLimit);
app.route("/v1/track", trackingRoutes);
app.route("/v1/members/me", memberBrowserRoutes);

// Server endpoints: secret key.
app.use("/v1/*", secretAuth(), bodyLimit);
app.route("/v1/program", programRoutes);
app.route("/v1/api-keys", keyRoutes);
app.route("/v1/members", memberServerRoutes);
app.route("/v1/referrals", referralRoutes);
app.route("/v1/conversions", conversionRoutes);
app.route("/v1/analytics", analyticsRoutes);
app.route("/v1/reward-rules", rewardRuleRoutes);
app.route("/v1/rewards", rewardRoutes);
app.route("/v1/raffle", raffleRoutes);
app.route("/v1/leaderboard", leaderboardRoutes);
app.route("/v1/reviews", reviewRoutes);

app.notFound((c) => handleError(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`), c));
app.onError(handleError);

export default {
  fetch: app.fetch,
  // Rewards whose hold ended become approved (auto-approving programs); reads also do it lazily per program.
  // Members' visitor hashes older than two days are useless to the fraud engine (they rotate daily): deleted.
  // The last days' rollups are folded again from the raw tables, so they are exact whatever happened.
  // The VISITS queue's consumer: each batch of visits in one statement (src/tracking/visit-queue.ts).
  async queue(batch, env) {
    await consumeVisits(batch as MessageBatch<VisitMessage>, env);
  },
  scheduled(controller, env, ctx) {
    ctx.waitUntil(
      Promise.all([
        promoteDue(env.DB, controller.scheduledTime),
        forgetOldVisitorHashes(env.DB, controller.scheduledTime),
        refoldRecentDays(env.DB, controller.scheduledTime),
      ]),
    );
  },
} satisfies ExportedHandler<Env>;

export { app };
