// Web form helpers. The form works without this script; it only improves focus and embedding.
(function () {
  "use strict";
  function ready() {
    // Move focus to the error summary (or the confirmation) so screen readers announce it.
    var target = document.getElementById("wf-summary") || document.getElementById("wf-confirmation");
    if (target) { target.focus(); }
    // Tell an embedding page how tall we are, so its iframe can fit the form without scrolling.
    if (window.parent !== window) {
      var send = function () {
        window.parent.postMessage({ helpdeskForm: { height: document.documentElement.scrollHeight } }, "*");
      };
      send();
      window.addEventListener("resize", send);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
