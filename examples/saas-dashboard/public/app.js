// The Vouch queue stub: calls made before widget.js arrives are kept and replayed by it.
if (!window.vouch) {
  const stub = (...args) => {
    stub.q = stub.q || [];
    stub.q.push(args);
  };
  window.vouch = stub;
}

// The server signed the logged-in user's id; hand it over (One Click: no sign-up, no login).
const config = JSON.parse(document.getElementById("vouch-config").textContent);
window.vouch("init", config);

// Any element of the product can open the share panel.
for (const button of document.querySelectorAll("[data-open-referrals]")) {
  button.addEventListener("click", () => window.vouch("open"));
}
