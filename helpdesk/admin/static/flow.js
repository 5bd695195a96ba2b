// Admin pages: copy buttons (the embed snippet). Without script the text is still selectable.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var id = button.getAttribute("data-copy");
    var source = document.getElementById(id);
    var status = document.querySelector('[data-copied="' + id + '"]');
    if (!source) { return; }
    source.select();
    var done = function () { if (status) { status.textContent = button.getAttribute("data-done") || "Copied."; } };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
