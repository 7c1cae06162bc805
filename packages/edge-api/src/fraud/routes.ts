import { router } from "../lib/app";
import { readBody, readQuery } from "../lib/validate";
import { decideReview, getReview, listReviews, reviewView } from "./reviews";
import { listReviewsQuery, reviewDecisionSchema } from "./schema";

/** `/v1/reviews`: the fraud engine's queue. Open reviews hold their referral's rewards `in_review`. */
export const reviewRoutes = router();

reviewRoutes.get("/", async (c) => {
  const { page, next_cursor } = await listReviews(c.env.DB, c.get("program").id, readQuery(c, listReviewsQuery));
  return c.json({ data: page.map(reviewView), next_cursor });
});

reviewRoutes.get("/:id", async (c) => {
  return c.json({ review: reviewView(await getReview(c.env.DB, c.get("program").id, c.req.param("id"))) });
});

for (const decision of ["approved", "rejected"] as const) {
  reviewRoutes.post(`/:id/${decision === "approved" ? "approve" : "reject"}`, async (c) => {
    const { reason } = await readBody(c, reviewDecisionSchema);
    const row = await decideReview(c.env.DB, c.get("program"), c.req.param("id"), {
      decision,
      reason,
      actor: c.get("keyId"),
    });
    return c.json({ review: reviewView(row) });
  });
}
