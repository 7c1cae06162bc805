import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { runIdempotent } from "../lib/idempotency";
import { readBody, readQuery } from "../lib/validate";
import { planConversion } from "./conversions";
import { conversionSchema, listReferralsQuery, updateReferralSchema } from "./schema";
import { listReferrals, referralDetail, referralView } from "./service";
import { planStatusChange } from "./status-change";

export const conversionRoutes = router();

conversionRoutes.post("/", async (c) => {
  const input = await readBody(c, conversionSchema);
  return runIdempotent(c, (reader) =>
    planConversion(c.env.DB, c.get("program"), input, reader, c.req.header("idempotency-key")),
  );
});

export const referralRoutes = router();

referralRoutes.get("/", async (c) => {
  const { page, next_cursor } = await listReferrals(c.env.DB, c.get("program").id, readQuery(c, listReferralsQuery));
  return c.json({ data: page.map(referralView), next_cursor });
});

referralRoutes.get("/:id", async (c) => {
  return c.json(await referralDetail(c.env.DB, c.get("program").id, c.req.param("id")));
});

/** Status changes from the vendor: qualified, converted, renewed (each renewal), lost (churn), refunded. */
referralRoutes.patch("/:id", async (c) => {
  const { invoice_id, ...input } = await readBody(c, updateReferralSchema);
  const invoiceKey = invoice_id ? `invoice:${invoice_id}` : undefined;
  const idempotencyKey = c.req.header("idempotency-key");
  // Each renewal pays again, so a retried billing webhook must never count twice: say which invoice it is.
  if (input.status === "renewed" && !idempotencyKey && !invoiceKey) {
    throw new ApiError(
      "idempotency_key_required",
      "A renewal pays again each time: send the invoice id as `invoice_id` (or an Idempotency-Key header) so a retry is not a second renewal.",
    );
  }
  return runIdempotent(
    c,
    (reader) =>
      planStatusChange(c.env.DB, c.get("program"), c.req.param("id"), input, reader, idempotencyKey ?? invoiceKey),
    invoiceKey,
  );
});
