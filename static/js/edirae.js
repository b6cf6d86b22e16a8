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

  // The AI mentor's panel comes back with the new answer marked: bring it into view (and
  // move the focus to it, without a second jump, so keyboard users continue from there).
  function showNewAnswer(root) {
    var answer = root.querySelector ? root.querySelector("[data-ai-latest]") : null;
    if (!answer) { return; }
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    answer.scrollIntoView({ block: "start", behavior: reduce ? "auto" : "smooth" });
    answer.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", function () { fillTimeZones(document); wireMenu(); });
  document.addEventListener("htmx:load", function (event) {
    fillTimeZones(event.target);
    showNewAnswer(event.target);
  });
})();
