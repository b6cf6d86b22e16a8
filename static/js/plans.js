// The dashboard: keep keyboard focus on a key action's button after htmx swaps its row.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var id = event.detail && event.detail.target && event.detail.target.id;
    if (!id || id.indexOf("key-action-") !== 0) { return; }
    var row = document.getElementById(id);
    var button = row && row.querySelector("button.tick");
    if (button) { button.focus(); }
  });
})();
