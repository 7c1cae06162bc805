// The Vouch queue stub: calls made before the tracker has loaded are kept and replayed by it, in order.
// A separate file (not an inline script) so the page's CSP needs no 'unsafe-inline'.
window.vouch =
  window.vouch ||
  function vouchQueue() {
    vouchQueue.q = vouchQueue.q || [];
    // biome-ignore lint/complexity/noArguments: the tracker replays each call's own arguments object.
    vouchQueue.q.push(arguments);
  };
