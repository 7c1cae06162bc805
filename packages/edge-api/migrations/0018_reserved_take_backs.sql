-- A reward reserved by a payout (state approved, payout_id set) is not voided while its money may be travelling. A
-- take-back that reaches it meanwhile (a milestone recomputed after another referral's refund, a reattribution, a
-- refund or a rejected review) is written here instead, and settled by the payout's outcome (src/payouts/service.ts):
-- paid → a clawback nets the member's next payout; failed or canceled → the reward is voided, not released.
ALTER TABLE rewards ADD COLUMN take_back_reason TEXT;
