// kabinet — the installable app: registers the service worker, offers «Установить» on the
// login page (when the browser allows it), and «Включить на этом устройстве» for Web Push in
// «Уведомления». No inline scripts (strict CSP); everything here only enhances.
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }

  // «Установить»: the browser's own install flow, shown only when it is available.
  var deferred = null;
  window.addEventListener("beforeinstallprompt", function (e) {
    e.preventDefault();
    deferred = e;
    var b = document.getElementById("install-app");
    if (b) b.hidden = false;
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("#install-app");
    if (!b || !deferred) return;
    deferred.prompt();
    deferred.userChoice.finally(function () { deferred = null; b.hidden = true; });
  });
  window.addEventListener("appinstalled", function () {
    var b = document.getElementById("install-app");
    if (b) b.hidden = true;
  });

  // Web Push: the button appears when this browser can subscribe.
  function b64ToBytes(s) {
    var pad = "=".repeat((4 - (s.length % 4)) % 4);
    var raw = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }
  function armPush(root) {
    var b = (root || document).querySelector ? (root || document).querySelector("#push-enable") : null;
    if (!b || b.dataset.armed) return;
    b.dataset.armed = "1";
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
    b.hidden = false;
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("#push-enable");
    if (!b) return;
    var state = document.getElementById("push-state");
    b.disabled = true;
    Notification.requestPermission().then(function (p) {
      if (p !== "granted") throw new Error("Уведомления запрещены в настройках браузера");
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64ToBytes(b.dataset.vapidKey) });
    }).then(function (sub) {
      return fetch(b.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify(sub.toJSON())
      });
    }).then(function (r) {
      if (!r.ok) throw new Error("Сервер не принял подписку");
      if (state) state.textContent = "Push-уведомления включены на этом устройстве.";
      b.hidden = true;
    }).catch(function (err) {
      if (state) state.textContent = err.message || "Не удалось включить push-уведомления";
      b.disabled = false;
    });
  });
  // «Выйти»: this browser's push subscription ends with the session (the server removes it
  // with the session too); the push service forgets it, so nothing reaches a logged-out PC.
  // Any form posting to the logout route (routes::LOGOUT) counts; logout never waits more
  // than a second for it.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f || f.dataset.pushOff || (f.getAttribute("action") || "") !== "/logout") return;
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return;
    e.preventDefault();
    f.dataset.pushOff = "1";
    var done = false;
    function go() { if (!done) { done = true; f.submit(); } }
    setTimeout(go, 1000);
    navigator.serviceWorker.getRegistration().then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    }).then(function (sub) {
      return sub ? sub.unsubscribe() : null;
    }).catch(function () {}).then(go);
  });
  document.addEventListener("DOMContentLoaded", function () { armPush(document); });
  document.addEventListener("htmx:afterSettle", function (e) { armPush(e.target); });
})();
