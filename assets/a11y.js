// kabinet — focus management and announcements (issue 14). No inline scripts (strict CSP).
(function () {
  "use strict";
  var opener = null;

  function modalHost() { return document.getElementById("modal"); }
  function openDialog() { return document.querySelector("#modal dialog[open]"); }
  function lost() {
    var a = document.activeElement;
    return !a || a === document.body || !a.isConnected;
  }
  // Focus goes back where the modal was opened from, or to the page's main content.
  function restore() {
    if (openDialog() || !lost()) return;
    var to = opener && opener.isConnected ? opener : null;
    // The opener was redrawn (a story strip reorders after a view): its new copy.
    if (!to && opener && opener.dataset && opener.dataset.storyId) {
      to = document.querySelector('[data-story-id="' + opener.dataset.storyId + '"]');
    }
    if (!to) to = document.getElementById("main");
    if (to) to.focus();
  }

  // Remember the control that opens a modal (not one inside a modal: that one goes away).
  document.addEventListener("htmx:beforeRequest", function (e) {
    var host = modalHost();
    var t = e.detail && e.detail.target;
    var a = document.activeElement;
    if (host && t === host && a && !host.contains(a) && a !== document.body) opener = a;
  });
  document.addEventListener("click", function (e) {
    var host = modalHost();
    var c = e.target.closest && e.target.closest("a, button, summary");
    if (c && host && !host.contains(c) && c.closest("[hx-target='#modal'], details.menu")) opener = c;
  }, true);
  // <dialog> close does not bubble: listen in the capture phase.
  document.addEventListener("close", function () { setTimeout(restore, 0); }, true);
  document.addEventListener("htmx:afterSettle", function (e) {
    var xhr = e.detail && e.detail.xhr;
    if (xhr && xhr.status === 422) {
      // A form re-rendered with errors: focus its first invalid field (or its message).
      var root = e.detail.elt && e.detail.elt.isConnected ? e.detail.elt : document;
      var bad = root.querySelector("[aria-invalid=true]") || document.querySelector("#modal [aria-invalid=true]");
      if (!bad) {
        bad = root.querySelector(".form-error, .field-error");
        if (bad) bad.setAttribute("tabindex", "-1");
      }
      if (bad) { bad.focus(); return; }
    }
    setTimeout(restore, 0);
  });

  // A modal dialog makes the rest of the page inert: a toast shown while one is open goes
  // into the dialog's own live region, so it is seen above the backdrop and announced.
  function dialogToasts(d) {
    var box = d.querySelector(".toasts.in-dialog");
    if (!box) {
      box = document.createElement("div");
      box.className = "toasts in-dialog";
      box.setAttribute("aria-live", "polite");
      d.appendChild(box);
    }
    return box;
  }
  function moveToasts() {
    var d = openDialog();
    if (!d) return;
    var box = dialogToasts(d);
    document.querySelectorAll("#toasts .toast").forEach(function (t) { box.appendChild(t); });
  }
  document.addEventListener("htmx:afterSwap", function () {
    var d = openDialog();
    if (d) dialogToasts(d);
  });
  document.addEventListener("htmx:oobAfterSwap", function () { setTimeout(moveToasts, 0); });
  document.addEventListener("htmx:afterSettle", function () { setTimeout(moveToasts, 0); });
})();

// Controls that need a script are rendered hidden and shown here.
(function () {
  "use strict";
  function show() {
    document.querySelectorAll("[data-copy][hidden]").forEach(function (b) { b.hidden = false; });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show); else show();
  document.addEventListener("htmx:afterSwap", show);
})();
