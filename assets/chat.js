// kabinet — live support chat over WebSocket: the subscriber widget (#chat) and the staff
// console (#staff-chat). No inline scripts (strict CSP); messages are rendered with textContent.
(function () {
  "use strict";

  function wsUrl(path) {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }
  function newCid() {
    var a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function store(key, value) {
    try {
      if (value === undefined) return JSON.parse(localStorage.getItem(key) || "null");
      if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { return null; }
  }

  // A socket that reconnects with backoff and tells the caller about every (re)open. When a
  // connection attempt is refused, `alive` (a URL answering 204 or 401) tells whether the
  // session has ended, so a logged-out page stops retrying and goes to the login page.
  function Live(path, handlers, alive) {
    var self = this, tries = 0, timer = null;
    self.ws = null;
    self.stopped = false;
    function connect() {
      if (self.stopped) return;
      timer = null;
      var ws = new WebSocket(wsUrl(typeof path === "function" ? path() : path));
      self.ws = ws;
      var opened = false;
      ws.onopen = function () { opened = true; tries = 0; handlers.open(); };
      ws.onmessage = function (e) {
        var m;
        try { m = JSON.parse(e.data); } catch (err) { return; }
        handlers.message(m);
      };
      ws.onclose = function (e) {
        if (self.ws !== ws) return;
        self.ws = null;
        if (e.code === 4001) { self.stopped = true; handlers.ended(); return; }
        // The contract was removed from the account: reload, the page shows what is left.
        if (e.code === 4003) { self.stopped = true; location.reload(); return; }
        handlers.down();
        var delay = Math.min(15000, 1000 * Math.pow(2, tries++)) * (0.5 + Math.random() / 2);
        timer = setTimeout(connect, delay);
        if (!opened && alive && window.fetch) {
          fetch(alive, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
            if (r.status === 401 && !self.stopped) {
              self.stopped = true;
              if (timer) { clearTimeout(timer); timer = null; }
              handlers.ended();
            }
          }, function () { /* offline: keep retrying */ });
        }
      };
    }
    self.send = function (obj) {
      if (self.ws && self.ws.readyState === 1) { self.ws.send(JSON.stringify(obj)); return true; }
      return false;
    };
    self.now = function () {
      if (timer) { clearTimeout(timer); connect(); }
    };
    window.addEventListener("online", self.now);
    connect();
  }

  // Would this frame exceed the server's limit (it closes the socket on such a frame)?
  function tooBig(root, msg) {
    var max = +root.dataset.maxBytes || 0;
    if (!max || !window.TextEncoder) return false;
    return new TextEncoder().encode(JSON.stringify(msg)).length > max;
  }

  function renderMsg(m, mine, staffView) {
    var li = document.createElement("li");
    li.className = "msg " + (mine ? "mine" : "theirs") + " from-" + m.from;
    if (m.id) li.dataset.id = m.id;
    if (m.cid) li.dataset.cid = m.cid;
    var body = document.createElement("div");
    body.className = "msg-body";
    body.textContent = m.body;
    var meta = document.createElement("div");
    meta.className = "msg-meta";
    var who = m.from === "staff" ? (m.staff || "Поддержка") : (m.from === "system" ? "Автоответ" : (staffView ? "Абонент" : ""));
    meta.textContent = m.pending ? "Отправляется…" : (who ? who + " · " : "") + (m.at || "");
    li.appendChild(body);
    li.appendChild(meta);
    if (m.pending) li.classList.add("pending");
    return li;
  }

  // ---- Subscriber widget -------------------------------------------------------------
  function subscriber(root) {
    root.hidden = false;
    var toggle = root.querySelector(".chat-toggle");
    var panel = root.querySelector(".chat-panel");
    var log = root.querySelector(".chat-log");
    var badge = root.querySelector(".chat-badge");
    var status = root.querySelector(".chat-status");
    var form = root.querySelector(".chat-form");
    var input = root.querySelector("textarea");
    var path = root.dataset.chatWs;
    var lastId = 0, lastRead = 0, unread = 0;
    var PENDING = "kabinet.chat.pending", DRAFT = "kabinet.chat.draft";

    function isOpen() { return !panel.hidden; }
    function scroll() { log.scrollTop = log.scrollHeight; }
    function setBadge() {
      var n = 0;
      log.querySelectorAll("li.theirs[data-id]").forEach(function (li) {
        if (+li.dataset.id > lastRead) n++;
      });
      unread = n;
      badge.textContent = n > 9 ? "9+" : String(n);
      badge.hidden = n === 0 || isOpen();
    }
    function markRead() {
      if (isOpen() && document.visibilityState === "visible" && lastId > lastRead) {
        if (live.send({ t: "read", id: lastId })) lastRead = lastId;
      }
      setBadge();
    }
    function pendings() { return store(PENDING) || []; }
    function showPending() {
      pendings().forEach(function (p) {
        if (!log.querySelector('li[data-cid="' + p.cid + '"]')) {
          log.appendChild(renderMsg({ from: "subscriber", body: p.body, cid: p.cid, pending: true }, true));
        }
      });
    }
    function flushPending() {
      pendings().forEach(function (p) { live.send({ t: "send", cid: p.cid, body: p.body }); });
    }
    function clearEmpty() {
      var e = log.querySelector(".chat-empty");
      if (e) e.remove();
    }
    function onMsg(m) {
      if (m.id && log.querySelector('li[data-id="' + m.id + '"]')) return;
      clearEmpty();
      var mine = m.from === "subscriber";
      var li = renderMsg(m, mine);
      var old = m.cid && log.querySelector('li.pending[data-cid="' + m.cid + '"]');
      if (old) old.replaceWith(li); else log.appendChild(li);
      if (m.cid) store(PENDING, pendings().filter(function (p) { return p.cid !== m.cid; }));
      if (m.id > lastId) lastId = m.id;
      scroll();
      markRead();
    }
    var live = new Live(function () { return path + "?after=" + lastId; }, {
      open: function () { status.textContent = root.dataset.closed || "В сети"; root.classList.remove("offline"); },
      message: function (m) {
        if (m.t === "hello") { lastRead = Math.max(lastRead, m.last_read || 0); flushPending(); setBadge(); }
        else if (m.t === "msg") onMsg(m);
        else if (m.t === "read") { lastRead = Math.max(lastRead, m.id); setBadge(); }
        else if (m.t === "requests") {
          // Staff changed a request: refresh «Активные заявки» where the page shows it.
          if (window.htmx && document.getElementById("active-requests") && root.dataset.requests) {
            htmx.ajax("GET", root.dataset.requests, { target: "#active-requests", swap: "outerHTML" });
          }
        }
        else if (m.t === "closed") {
          var li = document.createElement("li");
          li.className = "chat-note";
          li.textContent = "Диалог завершён. Если остались вопросы — просто напишите.";
          log.appendChild(li);
          scroll();
        }
        else if (m.t === "err" && m.text) { status.textContent = m.text; }
      },
      down: function () { status.textContent = "Нет соединения, переподключаемся…"; root.classList.add("offline"); },
      ended: function () {
        status.textContent = "Сеанс завершён. Войдите снова.";
        root.classList.add("offline");
        setTimeout(function () { location.href = root.dataset.login; }, 1500);
      }
    }, root.dataset.alive);

    function setOpen(open) {
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      root.classList.toggle("open", open);
      if (open) { scroll(); input.focus(); markRead(); }
      setBadge();
    }
    toggle.addEventListener("click", function () { setOpen(!isOpen()); });
    root.querySelector(".chat-close").addEventListener("click", function () { setOpen(false); toggle.focus(); });
    // Escape closes the open chat and gives focus back to its button.
    root.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && isOpen()) { e.preventDefault(); setOpen(false); toggle.focus(); }
    });
    document.addEventListener("visibilitychange", markRead);
    input.value = store(DRAFT) || "";
    input.addEventListener("input", function () { store(DRAFT, input.value || null); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = input.value.trim();
      if (!body) return;
      var p = { cid: newCid(), body: body };
      if (tooBig(root, { t: "send", cid: p.cid, body: body })) {
        status.textContent = "Сообщение слишком длинное: разделите его на несколько.";
        status.dataset.note = "1";
        return;
      }
      if (status.dataset.note) {
        delete status.dataset.note;
        status.textContent = live.ws && live.ws.readyState === 1 ? (root.dataset.closed || "В сети") : "Нет соединения, переподключаемся…";
      }
      // Kept until the server confirms it stored the message (survives reloads and outages).
      store(PENDING, pendings().concat([p]));
      input.value = "";
      store(DRAFT, null);
      clearEmpty();
      showPending();
      scroll();
      live.send({ t: "send", cid: p.cid, body: p.body });
    });
    showPending();
  }

  // ---- Staff console -----------------------------------------------------------------
  function staff(root) {
    var queueUrl = root.dataset.queue;
    var refreshTimer = null;
    var pending = {};
    function refreshQueue() {
      if (refreshTimer || !window.htmx) return;
      refreshTimer = setTimeout(function () {
        refreshTimer = null;
        if (document.getElementById("queue")) htmx.ajax("GET", queueUrl, { target: "#queue", swap: "outerHTML" });
      }, 300);
    }
    function conv() { return document.querySelector("[data-conv]"); }
    function onMsg(m) {
      var c = conv();
      if (c && +c.dataset.conv === m.conv) {
        var log = c.querySelector(".chat-log");
        if (!log.querySelector('li[data-id="' + m.id + '"]')) {
          var li = renderMsg(m, m.from === "staff", true);
          var old = m.cid && log.querySelector('li.pending[data-cid="' + m.cid + '"]');
          if (old) old.replaceWith(li); else log.appendChild(li);
          log.scrollTop = log.scrollHeight;
        }
      }
      if (m.cid) delete pending[m.cid];
      refreshQueue();
    }
    var opened = false;
    var live = new Live(root.dataset.staffWs, {
      open: function () {
        root.classList.remove("offline");
        // After a reconnect, reload the open conversation from the database (nothing missed).
        var c = conv();
        if (opened && c && window.htmx && c.dataset.url) {
          htmx.ajax("GET", c.dataset.url, { target: "#conv-host" });
        }
        opened = true;
        Object.keys(pending).forEach(function (k) { live.send(pending[k]); });
        refreshQueue();
      },
      message: function (m) {
        if (m.t === "msg") onMsg(m);
        else if (m.t === "closed") refreshQueue();
        else if (m.t === "err" && m.text) {
          var c = conv(), s = c && c.querySelector(".chat-status");
          if (s) s.textContent = m.text;
        }
      },
      down: function () { root.classList.add("offline"); },
      ended: function () { location.href = root.dataset.login; }
    }, root.dataset.alive);
    document.addEventListener("submit", function (e) {
      var form = e.target.closest("form.staff-reply");
      if (!form) return;
      e.preventDefault();
      var input = form.querySelector("textarea");
      var body = input.value.trim();
      var c = conv();
      if (!body || !c) return;
      var msg = { t: "send", cid: newCid(), conv: +c.dataset.conv, body: body };
      if (tooBig(root, msg)) {
        var st = c.querySelector(".chat-status");
        if (st) st.textContent = "Сообщение слишком длинное: разделите его на несколько.";
        return;
      }
      pending[msg.cid] = msg;
      input.value = "";
      var log = c.querySelector(".chat-log");
      log.appendChild(renderMsg({ from: "staff", body: body, cid: msg.cid, pending: true }, true));
      log.scrollTop = log.scrollHeight;
      live.send(msg);
    });
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.key === "Enter" && !e.shiftKey && t.closest && t.closest("form.staff-reply")) {
        e.preventDefault();
        t.closest("form").requestSubmit();
      }
    });
    document.addEventListener("htmx:afterSwap", function () {
      var c = conv();
      if (c) { var l = c.querySelector(".chat-log"); l.scrollTop = l.scrollHeight; }
    });
  }

  function init() {
    var s = document.getElementById("chat");
    if (s && s.dataset.chatWs) subscriber(s);
    var t = document.getElementById("staff-chat");
    if (t && t.dataset.staffWs) staff(t);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
