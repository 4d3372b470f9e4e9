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
  // Modals: a <dialog data-modal> swapped into #modal opens itself; closing empties #modal.
  function openModals() {
    document.querySelectorAll("#modal dialog[data-modal]:not([open])").forEach(function (d) {
      d.addEventListener("close", function () {
        var host = document.getElementById("modal");
        if (host && host.contains(d)) host.innerHTML = "";
      });
      // Click on the backdrop closes the dialog.
      d.addEventListener("click", function (e) {
        if (e.target === d) d.close();
      });
      if (typeof d.showModal === "function") d.showModal(); else d.setAttribute("open", "");
      var first = d.querySelector("input:not([type=hidden]), select, textarea, button:not(.modal-close)");
      if (first) first.focus();
    });
  }
  // «Отменить» in a modal form closes the dialog.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-close-modal]");
    if (!b) return;
    var d = b.closest("dialog");
    if (d) d.close();
  });
  document.addEventListener("DOMContentLoaded", function () { armAll(document); openModals(); });
  document.addEventListener("htmx:afterSwap", function () { armAll(document); openModals(); });
  document.addEventListener("htmx:oobAfterSwap", function () { armAll(document); });
})();
