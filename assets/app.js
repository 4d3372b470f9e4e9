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

  // A menu entry that opens a modal closes its menu.
  document.addEventListener("click", function (e) {
    var item = e.target.closest && e.target.closest("details.menu [hx-get]");
    if (item) item.closest("details.menu").removeAttribute("open");
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

// Stories (issue 7): ← / → keys and swipes move between stories in an open story dialog.
(function () {
  "use strict";
  function openStory() { return document.querySelector("#modal dialog[data-story][open]"); }
  function go(dir) {
    var d = openStory();
    if (!d) return;
    var b = d.querySelector(dir > 0 ? "[data-story-next]" : "[data-story-prev]");
    if (b) b.click(); else if (dir > 0) d.close();
  }
  document.addEventListener("keydown", function (e) {
    if (!openStory()) return;
    if (e.key === "ArrowRight") { e.preventDefault(); go(1); }
    if (e.key === "ArrowLeft") { e.preventDefault(); go(-1); }
  });
  var x0 = null, y0 = null;
  document.addEventListener("touchstart", function (e) {
    if (!openStory() || e.touches.length !== 1) return;
    x0 = e.touches[0].clientX; y0 = e.touches[0].clientY;
  }, { passive: true });
  document.addEventListener("touchend", function (e) {
    if (x0 === null || !e.changedTouches.length) return;
    var dx = e.changedTouches[0].clientX - x0, dy = e.changedTouches[0].clientY - y0;
    x0 = null;
    if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy) * 1.5) go(dx < 0 ? 1 : -1);
    else if (dy > 80 && Math.abs(dy) > Math.abs(dx) * 1.5) { var d = openStory(); if (d) d.close(); }
  }, { passive: true });

  // «Скопировать»: Clipboard API, falling back to selecting the text and execCommand.
  function say(btn, text) {
    var status = btn.closest(".referral-link");
    status = status && status.querySelector(".copy-status");
    if (status) status.textContent = text;
  }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-copy]");
    if (!btn) return;
    var input = document.getElementById(btn.getAttribute("data-copy"));
    if (!input) return;
    var text = input.value;
    function fallback() {
      input.focus();
      input.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
      say(btn, ok ? "Ссылка скопирована" : "Ссылка выделена — нажмите Ctrl+C, чтобы скопировать");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { say(btn, "Ссылка скопирована"); }, fallback);
    } else {
      fallback();
    }
  });
})();
