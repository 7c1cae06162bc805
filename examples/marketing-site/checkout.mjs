/**
 * Where Stripe's `client_reference_id` comes from. At sign-up Ledgerly keeps the referral the tracker handed
 * it (the form's hidden `vouch_click_id`, the code from the `vouch_ref` cookie or the form) with the account;
 * when the account subscribes, the Checkout Session carries them. Vouch's Stripe integration
 * (`POST /v1/integrations/stripe/{program}`) reads them from `checkout.session.completed` and the
 * subscription's invoices, so the payment becomes a conversion with no call to Vouch from this server.
 */

/** The parameters for `stripe.checkout.sessions.create(…)` (Stripe's API: `POST /v1/checkout/sessions`). */
export function checkoutSessionParams({ email, referral, price, origin }) {
  const metadata = {
    ...(referral.clickId ? { vouch_click_id: referral.clickId } : {}),
    ...(referral.code ? { vouch_code: referral.code } : {}),
  };
  return {
    mode: "subscription",
    customer_email: email,
    line_items: [{ price, quantity: 1 }],
    // The click id: Vouch matches it to the visit, so the member who shared the link gets the customer.
    ...(referral.clickId ? { client_reference_id: referral.clickId } : {}),
    // Also on the subscription, so every invoice (renewals too) names the referral.
    ...(Object.keys(metadata).length ? { metadata, subscription_data: { metadata } } : {}),
    success_url: `${origin}/welcome?subscribed=1`,
    cancel_url: `${origin}/welcome`,
  };
}

/** The same parameters as Stripe receives them: form-encoded, nested keys in brackets. */
export function formEncode(params, prefix = "", out = new URLSearchParams()) {
  for (const [key, value] of Object.entries(params)) {
    const name = prefix ? `${prefix}[${key}]` : key;
    if (value !== null && typeof value === "object") formEncode(value, name, out);
    else out.append(name, String(value));
  }
  return out;
}
