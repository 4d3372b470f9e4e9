// kabinet — small progressive enhancements. No inline scripts anywhere (strict CSP).
(function () {
  "use strict";

  // Close an open <details class="menu"> when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      d.removeAttribute("open");
      var s = d.querySelector("summary");
      if (s) s.focus();
    });
  });

  // Toasts disappear after a while.
  function arm(toast) {
    if (toast.dataset.armed) return;
    toast.dataset.armed = "1";
    setTimeout(function () {
      toast.classList.add("leaving");
      setTimeout(function () { toast.remove(); }, 400);
    }, 6000);
  }
  function armAll(root) {
    (root || document).querySelectorAll(".toast").forEach(arm);
  }
  document.addEventListener("DOMContentLoaded", function () { armAll(document); });
  document.addEventListener("htmx:afterSwap", function () { armAll(document); });
})();
