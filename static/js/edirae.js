// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Pre-fill time zone fields with the browser's zone when they are still empty.
  function fillTimeZones(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    root.querySelectorAll("[data-browser-timezone]").forEach(function (field) {
      if (!field.value && zone) { field.value = zone; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { fillTimeZones(document); });
  document.addEventListener("htmx:load", function (event) { fillTimeZones(event.target); });
})();
