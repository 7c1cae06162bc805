import { router } from "../lib/app";
import { pageOf, pageStart } from "../lib/pagination";
import { readBody, readQuery } from "../lib/validate";
import { decideReview, getReview, listReviews, reviewView } from "./reviews";
import { listReviewsQuery, reviewDecisionSchema } from "./schema";

/** `/v1/reviews`: the fraud engine's queue. Open reviews hold their referral's rewards `in_review`. */
export const reviewRoutes = router();

reviewRoutes.get("/", async (c) => {
  const q = readQuery(c, listReviewsQuery);
  const rows = await listReviews(c.env.DB, c.get("program").id, { ...q, start: pageStart(q.cursor) });
  const { page, next_cursor } = pageOf(rows, q.limit);
  return c.json({ data: page.map(reviewView), next_cursor });
});

reviewRoutes.get("/:id", async (c) => {
  return c.json({ review: reviewView(await getReview(c.env.DB, c.get("program").id, c.req.param("id"))) });
});

for (const decision of ["approved", "rejected"] as const) {
  reviewRoutes.post(`/:id/${decision === "approved" ? "approve" : "reject"}`, async (c) => {
    const { reason, expected_updated_at } = await readBody(c, reviewDecisionSchema);
    const row = await decideReview(c.env.DB, c.get("program"), c.req.param("id"), {
      decision,
      reason,
      actor: c.get("keyId"),
      expectedUpdatedAt: expected_updated_at,
    });
    return c.json({ review: reviewView(row) });
  });
}
