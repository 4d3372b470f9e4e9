// kabinet service worker: caches the app shell (offline page, styles, scripts, icon) and
// shows «Нет соединения» instead of the browser's error when the network is gone. Pages of
// the cabinet itself are never cached (they are private and `no-store`). Also shows Web Push
// notifications. Served at /sw.js by the server, which fills in VERSION and SHELL.
"use strict";
var VERSION = "__VERSION__";
var SHELL = __SHELL__;
var OFFLINE = "__OFFLINE__";
var CACHE = "kabinet-shell-" + VERSION;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf("kabinet-shell-") === 0 && k !== CACHE;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === "navigate") {
    event.respondWith(fetch(req).catch(function () {
      return caches.match(OFFLINE, { cacheName: CACHE });
    }));
    return;
  }
  if (url.pathname.indexOf("/assets/") === 0 || SHELL.indexOf(url.pathname + url.search) >= 0) {
    event.respondWith(caches.match(req, { cacheName: CACHE }).then(function (hit) {
      return hit || fetch(req);
    }));
  }
});

self.addEventListener("push", function (event) {
  var m = {};
  try { m = event.data ? event.data.json() : {}; } catch (e) { m = { body: event.data && event.data.text() }; }
  event.waitUntil(self.registration.showNotification(m.title || "Личный кабинет", {
    body: m.body || "",
    icon: "__ICON__",
    data: { url: m.url || "/" },
    lang: "ru"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if ("focus" in list[i]) { list[i].navigate(target); return list[i].focus(); }
    }
    return self.clients.openWindow(target);
  }));
});
