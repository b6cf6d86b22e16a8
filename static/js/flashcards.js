// Flashcard review: Space flips the card, 1-4 rate it (Again, Hard, Good, Easy).
// The page works without this file: the card is a <details>, the ratings are plain buttons.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var card = document.querySelector("[data-flashcards] [data-flip]");
    if (!card) { return; }
    if (event.key === " " || event.code === "Space") {
      // A focused summary or button already acts on Space by itself.
      var tag = event.target && event.target.tagName;
      if (tag === "SUMMARY" || tag === "BUTTON" || tag === "A") { return; }
      event.preventDefault();
      card.open = !card.open;
      return;
    }
    if (card.open && /^[1-4]$/.test(event.key)) {
      var button = card.querySelector('[data-rating="' + event.key + '"]');
      if (button && !button.disabled) {
        event.preventDefault();
        button.click();
      }
    }
  });

  // While a rating is being sent, a second key press must not rate the next card twice.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest && event.target.closest("[data-flashcards] form");
    if (form) { form.querySelectorAll("button").forEach(function (b) { b.disabled = true; }); }
  });
})();
