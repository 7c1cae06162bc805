import { z } from "zod";
import { router } from "../lib/app";
import { defineListRoute, defineRoute } from "../lib/openapi";
import { reviewExample } from "../openapi/examples";
import { decideReview, getReview, listReviews, reviewView } from "./reviews";
import { listReviewsQuery, reviewDecisionSchema, reviewParams, reviewViewSchema } from "./schema";

/** `/v1/reviews`: the fraud engine's queue. Open reviews hold their referral's rewards `in_review`. */
export const reviewRoutes = router();

const reviewResponse = z.object({ review: reviewViewSchema });

defineListRoute(
  reviewRoutes,
  {
    path: "/",
    operationId: "listReviews",
    tag: "reviews",
    summary: "List fraud reviews, newest first",
    description: "Open reviews hold their referral's rewards `in_review` until approved or rejected.",
    query: listReviewsQuery,
    item: reviewViewSchema,
    example: reviewExample,
  },
  (c, query) => listReviews(c.env.DB, c.get("program").id, query),
  reviewView,
);

defineRoute(
  reviewRoutes,
  {
    method: "get",
    path: "/{id}",
    operationId: "getReview",
    tag: "reviews",
    summary: "One fraud review with every reason and its evidence",
    auth: "secret",
    params: reviewParams,
    responses: {
      200: { description: "The review.", schema: reviewResponse, example: { review: reviewExample } },
    },
    errors: ["review_not_found"],
  },
  async (c, { params }) => c.json({ review: reviewView(await getReview(c.env.DB, c.get("program").id, params.id)) }),
);

for (const decision of ["approved", "rejected"] as const) {
  const verb = decision === "approved" ? "approve" : "reject";
  defineRoute(
    reviewRoutes,
    {
      method: "post",
      path: `/{id}/${verb}`,
      operationId: `${verb}Review`,
      tag: "reviews",
      summary:
        decision === "approved"
          ? "Approve a review: its rewards go on"
          : "Reject a review: the referral counts for nothing",
      description:
        decision === "approved"
          ? "The referral's rewards leave review and continue (pending or approved). Audited with the reason."
          : "The referral's unpaid rewards are voided, paid ones clawed back, and milestones recomputed. Audited with the reason.",
      auth: "secret",
      params: reviewParams,
      body: reviewDecisionSchema,
      bodyExample: {
        reason: decision === "approved" ? "Checked: a colleague, not the member." : "The member's own second account.",
        expected_updated_at: "2026-01-05T09:00:00.000Z",
      },
      responses: {
        200: {
          description: "The decided review.",
          schema: reviewResponse,
          example: {
            review: {
              ...reviewExample,
              status: decision,
              decided_at: "2026-01-06T10:00:00.000Z",
              decided_by: "key_3Vb7Lq2Xp8Zn4Kw6",
              decision_reason: "Checked.",
            },
          },
        },
      },
      errors: ["review_not_found", "review_closed", "review_changed"],
    },
    async (c, { params, body }) => {
      const row = await decideReview(c.env.DB, c.get("program"), params.id, {
        decision,
        reason: body.reason,
        actor: c.get("keyId"),
        expectedUpdatedAt: body.expected_updated_at,
      });
      return c.json({ review: reviewView(row) });
    },
  );
}
