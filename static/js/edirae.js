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

  // The menu button of narrow screens: shows and hides the links, says so to screen readers.
  function wireMenu() {
    var nav = document.querySelector(".nav");
    var toggle = nav && nav.querySelector(".nav-toggle");
    if (!toggle) { return; }
    nav.classList.add("has-toggle");
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { fillTimeZones(document); wireMenu(); });
  document.addEventListener("htmx:load", function (event) { fillTimeZones(event.target); });
})();
