/** The pages of the Ledgerly marketing site. Plain template strings: the point is the tracker, not a framework. */

export const escapeHtml = (value) =>
  String(value ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );

function layout({ title, tracker, body }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/styles.css">
<script src="/vouch-stub.js"></script>
<script async src="${escapeHtml(tracker.src)}" data-key="${escapeHtml(tracker.key)}"></script>
</head>
<body>
<header class="top"><div class="wrap">
  <a class="logo" href="/">Ledger<span>ly</span></a>
  <nav><a href="/#features">Product</a><a href="/#pricing">Pricing</a><a href="/referral-program">Referral program</a><a class="cta" href="/signup">Start free trial</a></nav>
</div></header>
${body}
<footer><div class="wrap">© 2026 Ledgerly Inc. · Month-end close software for finance teams · <a href="/referral-program">Refer a friend</a></div></footer>
</body>
</html>`;
}

/** The trial form. `data-vouch-lead` lets the tracker read it by field name and add `vouch_click_id`. */
function trialForm() {
  return `<form class="card" method="post" action="/signup" data-vouch-lead>
  <h2>Start your 14-day trial</h2>
  <p class="hint">No credit card. We email you a sign-in link.</p>
  <div class="row">
    <div><label for="name">Full name</label><input id="name" name="name" autocomplete="name" required></div>
    <div><label for="company">Company</label><input id="company" name="company" autocomplete="organization" required></div>
  </div>
  <label for="email">Work email</label><input id="email" name="email" type="email" autocomplete="email" required>
  <div class="row">
    <div><label for="role">Role</label><select id="role" name="role">
      <option value="">Choose…</option><option>Controller</option><option>CFO</option><option>Accountant</option><option>FP&amp;A</option><option>Other</option>
    </select></div>
    <div><label for="size">Company size</label><select id="size" name="size">
      <option value="">Choose…</option><option>1-10</option><option>11-50</option><option>51-200</option><option>201-1000</option><option>1001+</option>
    </select></div>
  </div>
  <label for="referral_code">Referral code <small>(optional, from a colleague)</small></label>
  <input id="referral_code" name="referral_code" autocomplete="off" placeholder="e.g. ANNA7K2M">
  <button type="submit">Send my sign-in link</button>
  <p class="fine">By signing up you agree to our terms. Referred by a customer? You both get $100 in account credit.</p>
</form>`;
}

export function homePage(tracker) {
  return layout({
    title: "Ledgerly — close your books in half the time",
    tracker,
    body: `<main class="wrap hero">
  <div>
    <p class="greeting" data-vouch-greeting role="status" hidden></p>
    <span class="badge">New: automated bank reconciliation</span>
    <h1>Close your books in half the time.</h1>
    <p class="lead">Ledgerly turns month-end close into a checklist that runs itself: reconciliations, accruals and
    variance reviews in one place, synced with NetSuite, Xero and QuickBooks.</p>
    <p><a href="/signup">Start a free trial</a> or <a href="/referral-program">see how referrals work</a>.</p>
    <p class="proof">Trusted by 1,200 finance teams · average close down from 9 to 4 days · SOC 2 Type II</p>
  </div>
  ${trialForm()}
</main>
<section class="band" id="features"><div class="wrap grid3">
  <div><h3>Close checklist</h3><p>Recurring tasks with owners, due dates and sign-off, rolled forward every month.</p></div>
  <div><h3>Reconciliations</h3><p>Match bank and card lines to the ledger automatically; review only the exceptions.</p></div>
  <div><h3>Flux analysis</h3><p>Explain month-over-month swings with comments your auditors can follow.</p></div>
</div></section>
<section class="wrap page" id="pricing">
  <h2>Pricing</h2>
  <p>Team $49 per user a month · Business $89 per user a month · Enterprise on request. Every plan starts with a 14-day trial.</p>
</section>`,
  });
}

export function signupPage(tracker) {
  return layout({
    title: "Start your trial — Ledgerly",
    tracker,
    body: `<main class="wrap page">${trialForm()}</main>`,
  });
}

export function referralProgramPage(tracker) {
  return layout({
    title: "Referral program — Ledgerly",
    tracker,
    body: `<main class="wrap page">
  <h1>Give $100, get $100</h1>
  <p>Know a finance team still closing the books in spreadsheets? Refer them to Ledgerly. When they become a
  paying customer, you get $100 in account credit and so do they.</p>
  <h2>How it works</h2>
  <ol class="steps">
    <li><strong>Share your link.</strong> Find it under <em>Refer &amp; earn</em> in the Ledgerly app. It looks like <code>ledgerly.example/?via=ANNA7K2M</code>.</li>
    <li><strong>Your colleague starts a trial.</strong> Following your link is enough; they can also type your code into the sign-up form.</li>
    <li><strong>You both get $100.</strong> Credit is added 30 days after their first payment.</li>
  </ol>
  <h2>FAQ</h2>
  <details><summary>How long does my link count?</summary><p>90 days from the first click. If they were referred by someone else first, that referral counts.</p></details>
  <details><summary>Can I refer people at my own company?</summary><p>No. Referrals must be new companies; sign-ups from your own email domain do not count.</p></details>
  <details><summary>Is there a limit?</summary><p>No limit on referrals. Credit above $1,000 a year can be paid out instead.</p></details>
  <details><summary>What do you track?</summary><p>Following a referral link stores a first-party cookie (<code>vouch_ref</code>) with the referral code and the visit's id, for 90 days. Nothing else, and no third-party cookies.</p></details>
  <h2>Terms</h2>
  <div class="terms">
    <p>1. The referred company must be new to Ledgerly and sign up through a referral link or code. 2. Credit is
    granted after the referred company's first payment and a 30-day hold; refunds within the hold void it.
    3. Self-referrals, paid search on Ledgerly brand terms and coupon sites are not allowed. 4. Ledgerly may
    change or end the program with 30 days' notice; earned credit stays.</p>
  </div>
</main>`,
  });
}

export function welcomePage(tracker, { email, referred }) {
  return layout({
    title: "Check your inbox — Ledgerly",
    tracker,
    body: `<main class="wrap page">
  <h1>Check your inbox</h1>
  <p>We sent a sign-in link to <strong>${escapeHtml(email || "your email")}</strong>. It is valid for 24 hours.</p>
  ${referred ? '<p class="notice">You were referred by a Ledgerly customer: $100 in account credit is reserved for your team.</p>' : ""}
  <p>While you wait, read <a href="/referral-program">how our referral program works</a>.</p>
  <form class="card" method="post" action="/checkout">
    <h2>Skip the trial</h2>
    <p class="hint">Growth plan, $49 a month, paid through Stripe Checkout.</p>
    <input type="hidden" name="email" value="${escapeHtml(email)}">
    <button type="submit">Subscribe</button>
  </form>
</main>`,
  });
}

/** Stands in for the redirect to Stripe Checkout: shows the session Ledgerly would create. */
export function checkoutPage(tracker, { params, encoded }) {
  return layout({
    title: "Checkout — Ledgerly",
    tracker,
    body: `<main class="wrap page">
  <h1>On to Stripe Checkout</h1>
  <p>This demo has no Stripe account, so here is the Checkout Session Ledgerly's server would create
  (<code>stripe.checkout.sessions.create</code>). <code>client_reference_id</code> is the Vouch click id from the
  sign-up form; Vouch's Stripe integration turns the paid invoice into a conversion for the member who referred you.</p>
  <pre id="session">${escapeHtml(JSON.stringify(params, null, 2))}</pre>
  <p>As Stripe receives it (<code>POST /v1/checkout/sessions</code>):</p>
  <pre id="wire">${escapeHtml(encoded.replaceAll("&", "\n&"))}</pre>
</main>`,
  });
}

export function notFoundPage(tracker) {
  return layout({
    title: "Not found — Ledgerly",
    tracker,
    body: '<main class="wrap page"><h1>Page not found</h1><p><a href="/">Back to the home page</a></p></main>',
  });
}
