/* commentq moderator's desk: keyboard shortcuts over the queue. Every action is an ordinary
   form post (with its CSRF token), so the desk also works without JavaScript. */
(function () {
  "use strict";

  var KEYS = { a: "approve", r: "reject", s: "spam", d: "remove", n: "not-spam" };

  function items() { return Array.prototype.slice.call(document.querySelectorAll(".queue .item")); }

  var current = -1;

  function select(index) {
    var list = items();
    if (!list.length) { return; }
    index = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (el, i) { el.classList.toggle("selected", i === index); });
    current = index;
    list[index].focus({ preventScroll: true });
    list[index].scrollIntoView({ block: "nearest" });
  }

  function act(action, onSelection) {
    if (onSelection) {
      var picked = document.querySelectorAll(".queue input[name=ids]:checked");
      var bulkButton = document.getElementById("bulk-" + action);
      if (picked.length && bulkButton) { bulkButton.click(); }
      return;
    }
    var item = items()[current];
    if (!item) { return; }
    var button = item.querySelector("button[data-action=" + action + "]");
    if (button) { button.click(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (items().length) { select(0); }
    items().forEach(function (el, i) {
      el.addEventListener("click", function (ev) {
        if (ev.target.closest("a, button, input")) { return; }
        select(i);
      });
    });
    document.addEventListener("keydown", function (ev) {
      var t = ev.target;
      if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) && t.type !== "checkbox")) { return; }
      var key = ev.key.toLowerCase();
      if (key === "j" || ev.key === "ArrowDown") { select(current + 1); ev.preventDefault(); return; }
      if (key === "k" || ev.key === "ArrowUp") { select(current - 1); ev.preventDefault(); return; }
      if (key === "x") {
        var box = items()[current] && items()[current].querySelector("input[name=ids]");
        if (box) { box.checked = !box.checked; }
        ev.preventDefault();
        return;
      }
      if (ev.key === "Enter" && items()[current] && t === items()[current]) {
        var link = items()[current].querySelector("a.details");
        if (link) { window.location.href = link.href; }
        return;
      }
      if (KEYS[key]) { act(KEYS[key], ev.shiftKey); ev.preventDefault(); }
    });
  });
})();
