//! Web Push delivery: the payload encrypted for the browser's subscription (RFC 8291,
//! `aes128gcm`, via `web-push-native` on RustCrypto) and the request signed for the push service
//! with our VAPID key (RFC 8292: an ES256 JWT in `Authorization: vapid t=…, k=…`).
use std::time::Duration;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use p256::{
    ecdsa::{signature::Signer, Signature, SigningKey},
    elliptic_curve::sec1::ToEncodedPoint,
};

/// Web Push state kept for the process: the VAPID key and the HTTP agent.
pub struct PushState {
    pub vapid: Vapid,
    pub agent: ureq::Agent,
}

/// The application server's key pair and contact.
pub struct Vapid {
    key: SigningKey,
    /// The public key as browsers take it (`applicationServerKey`): base64url of the
    /// uncompressed point.
    public: String,
    subject: String,
}

/// 32 random bytes that make a valid P-256 private key.
pub fn new_secret() -> [u8; 32] {
    use rand::RngCore;
    loop {
        let mut b = [0u8; 32];
        rand::rng().fill_bytes(&mut b);
        if p256::SecretKey::from_slice(&b).is_ok() {
            return b;
        }
    }
}

impl Vapid {
    /// None when the bytes are not a valid P-256 scalar.
    pub fn new(secret: &[u8], subject: &str) -> Option<Vapid> {
        let sk = p256::SecretKey::from_slice(secret).ok()?;
        let public = B64.encode(sk.public_key().to_encoded_point(false).as_bytes());
        Some(Vapid {
            key: SigningKey::from(sk),
            public,
            subject: subject.to_owned(),
        })
    }

    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// The signed JWT for one push service (`aud` is its origin), valid until `exp`.
    pub fn jwt(&self, aud: &str, exp: i64) -> String {
        let header = B64.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({ "aud": aud, "exp": exp, "sub": self.subject });
        let claims = B64.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let sig: Signature = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", B64.encode(sig.to_bytes()))
    }

    /// The `Authorization` header value for this endpoint.
    pub fn authorization(&self, endpoint: &str, now: i64) -> Option<String> {
        let origin = origin(endpoint)?;
        // At most 24 hours (RFC 8292 §2); 12 leaves room for clock skew.
        Some(format!(
            "vapid t={}, k={}",
            self.jwt(&origin, now + 12 * 3600),
            self.public
        ))
    }
}

/// `https://push.example/x/y` → `https://push.example`.
fn origin(endpoint: &str) -> Option<String> {
    let (scheme, rest) = endpoint.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// What the push service said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// 404/410: the subscription expired or was revoked; remove it.
    Gone,
    /// Worth trying again later (network, 429, 5xx).
    Retry(String),
    /// Refused for good (bad keys, 400/401/403/413).
    Failed(String),
}

/// A browser subscription's keys, as it gave them (base64url).
pub struct Target<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
}

/// Checks that the keys are what RFC 8291 needs: a P-256 point and a 16-byte secret.
pub fn keys_valid(p256dh: &str, auth: &str) -> bool {
    let dh = B64.decode(p256dh.trim_end_matches('='));
    let au = B64.decode(auth.trim_end_matches('='));
    matches!((dh, au), (Ok(dh), Ok(au))
        if dh.len() == 65 && au.len() == 16 && p256::PublicKey::from_sec1_bytes(&dh).is_ok())
}

pub fn agent() -> ureq::Agent {
    let cfg = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(15)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build();
    ureq::Agent::new_with_config(cfg)
}

/// Encrypts `payload` for the subscription and posts it (blocking; call on the blocking pool).
pub fn send(
    v: &Vapid,
    agent: &ureq::Agent,
    t: &Target,
    payload: &[u8],
    ttl: u32,
    now: i64,
) -> Outcome {
    let dh = B64.decode(t.p256dh.trim_end_matches('='));
    let au = B64.decode(t.auth.trim_end_matches('='));
    let (Ok(dh), Ok(au)) = (dh, au) else {
        return Outcome::Failed("subscription keys are not base64url".into());
    };
    let Ok(ua_public) = p256::PublicKey::from_sec1_bytes(&dh) else {
        return Outcome::Failed("p256dh is not a P-256 point".into());
    };
    if au.len() != 16 {
        return Outcome::Failed("auth is not 16 bytes".into());
    }
    let auth = web_push_native::Auth::clone_from_slice(&au);
    let body = match web_push_native::encrypt(payload.to_vec(), &ua_public, &auth) {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(format!("encryption: {e}")),
    };
    let Some(authorization) = v.authorization(t.endpoint, now) else {
        return Outcome::Failed("endpoint has no origin".into());
    };
    let resp = agent
        .post(t.endpoint)
        .header("TTL", ttl.to_string())
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header("Urgency", "normal")
        .header("Authorization", authorization)
        .send(&body[..]);
    match resp {
        Err(e) => Outcome::Retry(format!("push service unreachable: {e}")),
        Ok(r) => match r.status().as_u16() {
            200..=299 => Outcome::Sent,
            404 | 410 => Outcome::Gone,
            429 | 500..=599 => Outcome::Retry(format!("push service HTTP {}", r.status().as_u16())),
            s => Outcome::Failed(format!("push service HTTP {s}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_of_endpoints() {
        assert_eq!(
            origin("https://fcm.googleapis.com/fcm/send/abc").as_deref(),
            Some("https://fcm.googleapis.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080/p/1").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin("nope"), None);
    }

    #[test]
    fn jwt_has_three_parts_and_a_64_byte_signature() {
        let v = Vapid::new(&new_secret(), "mailto:a@b.ru").unwrap();
        let t = v.jwt("https://push.example", 1);
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(B64.decode(parts[2]).unwrap().len(), 64);
        assert_eq!(B64.decode(v.public_key()).unwrap().len(), 65);
    }
}
