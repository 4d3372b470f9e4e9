// Passkeys (WebAuthn) for «Вход» → «Ключи доступа» and «Войти с ключом доступа».
// The server (webauthn-rs) sends options with base64url binary fields; the browser's answer
// goes back the same way. Requests carry the page's CSRF token like htmx does.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function fromB64u(s) {
    var b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    var a = new Uint8Array(b.length);
    for (var i = 0; i < b.length; i++) a[i] = b.charCodeAt(i);
    return a.buffer;
  }
  function toB64u(buf) {
    if (!buf) return null;
    var a = new Uint8Array(buf), s = "";
    for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function token() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token() },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok && j.step_up) { location.assign(j.step_up); throw new Error(j.error); }
        if (!r.ok) throw new Error(j.error || "Не удалось: попробуйте ещё раз");
        return j;
      });
    });
  }
  function showError(root, msg) {
    var p = root.querySelector("[data-passkey-error]");
    if (p) { p.textContent = msg; p.hidden = false; } else { alert(msg); }
  }
  function ids(list) {
    (list || []).forEach(function (c) { c.id = fromB64u(c.id); });
  }

  function register(btn) {
    var root = btn.closest("section") || document.body;
    btn.disabled = true;
    post(btn.dataset.passkeyRegister, {}).then(function (start) {
      var pk = start.options.publicKey;
      pk.challenge = fromB64u(pk.challenge);
      pk.user.id = fromB64u(pk.user.id);
      ids(pk.excludeCredentials);
      return navigator.credentials.create({ publicKey: pk }).then(function (cred) {
        return post(btn.dataset.finish, {
          ceremony: start.ceremony,
          credential: {
            id: cred.id,
            rawId: toB64u(cred.rawId),
            type: cred.type,
            response: {
              attestationObject: toB64u(cred.response.attestationObject),
              clientDataJSON: toB64u(cred.response.clientDataJSON),
              transports: cred.response.getTransports ? cred.response.getTransports() : []
            },
            extensions: cred.getClientExtensionResults()
          }
        });
      });
    }).then(function (done) {
      location.assign(done.redirect);
    }).catch(function (e) {
      btn.disabled = false;
      showError(root, e && e.name === "NotAllowedError" ? "Добавление ключа отменено" : e.message);
    });
  }

  function login(form) {
    var btn = form.querySelector("button[type=submit]");
    if (btn) btn.disabled = true;
    post(form.dataset.passkeyLogin, { login: form.elements.login.value }).then(function (start) {
      var pk = start.options.publicKey;
      pk.challenge = fromB64u(pk.challenge);
      ids(pk.allowCredentials);
      return navigator.credentials.get({ publicKey: pk }).then(function (cred) {
        return post(form.dataset.finish, {
          ceremony: start.ceremony,
          credential: {
            id: cred.id,
            rawId: toB64u(cred.rawId),
            type: cred.type,
            response: {
              authenticatorData: toB64u(cred.response.authenticatorData),
              clientDataJSON: toB64u(cred.response.clientDataJSON),
              signature: toB64u(cred.response.signature),
              userHandle: toB64u(cred.response.userHandle)
            },
            extensions: cred.getClientExtensionResults()
          }
        });
      });
    }).then(function (done) {
      location.assign(done.redirect);
    }).catch(function (e) {
      if (btn) btn.disabled = false;
      showError(form, e && e.name === "NotAllowedError" ? "Вход с ключом отменён" : e.message);
    });
  }

  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-passkey-register]");
    if (b) { e.preventDefault(); register(b); }
  });
  document.addEventListener("submit", function (e) {
    var f = e.target.closest && e.target.closest("form[data-passkey-login]");
    if (f) { e.preventDefault(); login(f); }
  });
})();
