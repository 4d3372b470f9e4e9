//! A stand-in Web Push service on 127.0.0.1 playing both the push service and the browser:
//! it holds subscriptions whose keys it generated, checks every request's VAPID JWT (ES256,
//! RFC 8292) and decrypts the `aes128gcm` payload (RFC 8291 / RFC 8188) with its own
//! RustCrypto code — independent of the crate the app uses to encrypt.
#![allow(dead_code)]
use aes_gcm::{aead::Aead, Aes128Gcm, KeyInit};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use hkdf::Hkdf;
use p256::{
    ecdsa::{signature::Verifier, Signature, VerifyingKey},
    elliptic_curve::sec1::ToEncodedPoint,
    PublicKey, SecretKey,
};
use poem::{
    handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    post,
    web::{Data, Path},
    EndpointExt, IntoResponse, Request, Response, Route, Server,
};
use sha2::Sha256;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// The browser side of one subscription.
pub struct Device {
    pub secret: SecretKey,
    pub auth: [u8; 16],
}

#[derive(Default)]
pub struct PushLog {
    pub devices: HashMap<String, Device>,
    /// (device, decrypted JSON) of every accepted push.
    pub received: Vec<(String, serde_json::Value)>,
    /// Why requests were refused.
    pub refused: Vec<String>,
    /// Devices that answer 410 Gone.
    pub gone: Vec<String>,
    /// The VAPID public key every request must carry (the app's).
    pub expect_key: Option<String>,
}

#[derive(Clone)]
pub struct PushStub {
    pub base: String,
    pub log: Arc<Mutex<PushLog>>,
}

impl PushStub {
    pub async fn start() -> PushStub {
        let log = Arc::new(Mutex::new(PushLog::default()));
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let addr = acceptor.local_addr()[0].as_socket_addr().cloned().unwrap();
        let app = Route::new().at("/push/:id", post(push)).data(log.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        PushStub {
            base: format!("http://{addr}"),
            log,
        }
    }

    /// A new browser subscription: `{endpoint, keys: {p256dh, auth}}` as `PushManager` gives it.
    pub fn subscribe(&self, id: &str) -> serde_json::Value {
        use rand::RngCore;
        let mut seed = [0u8; 32];
        let secret = loop {
            rand::rng().fill_bytes(&mut seed);
            if let Ok(s) = SecretKey::from_slice(&seed) {
                break s;
            }
        };
        let mut auth = [0u8; 16];
        rand::rng().fill_bytes(&mut auth);
        let public = secret.public_key().to_encoded_point(false);
        let v = serde_json::json!({
            "endpoint": format!("{}/push/{id}", self.base),
            "keys": { "p256dh": B64.encode(public.as_bytes()), "auth": B64.encode(auth) },
        });
        self.log
            .lock()
            .unwrap()
            .devices
            .insert(id.to_owned(), Device { secret, auth });
        v
    }

    pub fn received(&self) -> Vec<(String, serde_json::Value)> {
        self.log.lock().unwrap().received.clone()
    }

    pub fn refused(&self) -> Vec<String> {
        self.log.lock().unwrap().refused.clone()
    }
}

/// Checks `Authorization: vapid t=<JWT>, k=<key>`: ES256 signature by `k`, `aud` is our
/// origin, `exp` within 24 hours, `sub` a contact.
fn check_vapid(req: &Request, origin: &str, expect_key: Option<&str>) -> Result<(), String> {
    let h = req.header("authorization").ok_or("no Authorization")?;
    let rest = h.strip_prefix("vapid ").ok_or("not vapid")?;
    let mut t = None;
    let mut k = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("t=") {
            t = Some(v);
        } else if let Some(v) = part.strip_prefix("k=") {
            k = Some(v);
        }
    }
    let (t, k) = (t.ok_or("no t=")?, k.ok_or("no k=")?);
    if let Some(want) = expect_key {
        if k != want {
            return Err("k is not the app's VAPID key".into());
        }
    }
    let key = B64.decode(k).map_err(|_| "k not base64url")?;
    let vk = VerifyingKey::from_sec1_bytes(&key).map_err(|_| "k not a P-256 key")?;
    let parts: Vec<&str> = t.split('.').collect();
    let [h64, c64, s64] = parts.as_slice() else {
        return Err("JWT is not three parts".into());
    };
    let header: serde_json::Value =
        serde_json::from_slice(&B64.decode(h64).map_err(|_| "header b64")?)
            .map_err(|_| "header json")?;
    if header["alg"] != "ES256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let sig = Signature::from_slice(&B64.decode(s64).map_err(|_| "sig b64")?)
        .map_err(|_| "signature is not 64 bytes")?;
    vk.verify(format!("{h64}.{c64}").as_bytes(), &sig)
        .map_err(|_| "bad ES256 signature")?;
    let claims: serde_json::Value =
        serde_json::from_slice(&B64.decode(c64).map_err(|_| "claims b64")?)
            .map_err(|_| "claims json")?;
    if claims["aud"] != origin {
        return Err(format!("aud {} is not {origin}", claims["aud"]));
    }
    let now = jiff::Timestamp::now().as_second();
    let exp = claims["exp"].as_i64().ok_or("no exp")?;
    // The app's clock may run ahead in tests; the window must still be at most 24 hours long.
    if exp < now || exp > now + 30 * 86_400 {
        return Err(format!("exp {exp} out of range"));
    }
    let sub = claims["sub"].as_str().ok_or("no sub")?;
    if !(sub.starts_with("mailto:") || sub.starts_with("https://")) {
        return Err(format!("sub {sub}"));
    }
    Ok(())
}

/// RFC 8291 §3.4 and RFC 8188: one record, `salt | rs | idlen | keyid | ciphertext`.
pub fn decrypt(d: &Device, body: &[u8]) -> Result<Vec<u8>, String> {
    if body.len() < 21 {
        return Err("short body".into());
    }
    let salt = &body[..16];
    let rs = u32::from_be_bytes(body[16..20].try_into().unwrap()) as usize;
    let idlen = body[20] as usize;
    if idlen != 65 || body.len() < 21 + idlen + 17 {
        return Err(format!("keyid length {idlen}"));
    }
    let as_public = PublicKey::from_sec1_bytes(&body[21..21 + idlen]).map_err(|_| "keyid")?;
    let ciphertext = &body[21 + idlen..];
    if ciphertext.len() > rs {
        return Err("more than one record".into());
    }
    let shared = p256::ecdh::diffie_hellman(d.secret.to_nonzero_scalar(), as_public.as_affine());
    let ua_public = d.secret.public_key().to_encoded_point(false);
    let mut info = b"WebPush: info\0".to_vec();
    info.extend_from_slice(ua_public.as_bytes());
    info.extend_from_slice(as_public.to_encoded_point(false).as_bytes());
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&d.auth), shared.raw_secret_bytes())
        .expand(&info, &mut ikm)
        .map_err(|_| "hkdf")?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| "cek")?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| "nonce")?;
    let plain = Aes128Gcm::new_from_slice(&cek)
        .unwrap()
        .decrypt(nonce.as_slice().into(), ciphertext)
        .map_err(|_| "AES-GCM tag mismatch")?;
    // The last record ends with the delimiter 0x02, then zero padding.
    let end = plain
        .iter()
        .rposition(|&b| b != 0)
        .ok_or("no padding delimiter")?;
    if plain[end] != 2 {
        return Err("not the last record".into());
    }
    Ok(plain[..end].to_vec())
}

#[handler]
async fn push(
    req: &Request,
    Path(id): Path<String>,
    Data(log): Data<&Arc<Mutex<PushLog>>>,
    body: Vec<u8>,
) -> Response {
    let origin = format!("http://{}", req.header("host").unwrap_or(""));
    let mut log = log.lock().unwrap();
    if log.gone.contains(&id) {
        return StatusCode::GONE.into_response();
    }
    let refuse = |log: &mut PushLog, why: String| {
        log.refused.push(why);
        StatusCode::BAD_REQUEST.into_response()
    };
    if req.header("content-encoding") != Some("aes128gcm") {
        return refuse(&mut log, "content-encoding".into());
    }
    if req
        .header("ttl")
        .and_then(|t| t.parse::<u32>().ok())
        .is_none()
    {
        return refuse(&mut log, "no TTL".into());
    }
    if let Err(e) = check_vapid(req, &origin, log.expect_key.as_deref()) {
        return refuse(&mut log, e);
    }
    let plain = match log.devices.get(&id) {
        None => return StatusCode::NOT_FOUND.into_response(),
        Some(d) => decrypt(d, &body),
    };
    match plain.and_then(|p| serde_json::from_slice(&p).map_err(|e| e.to_string())) {
        Ok(v) => {
            log.received.push((id, v));
            StatusCode::CREATED.into_response()
        }
        Err(e) => refuse(&mut log, e),
    }
}
