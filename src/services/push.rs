//! Web Push delivery: the payload encrypted for the browser's subscription (RFC 8291,
//! `aes128gcm`, via `web-push-native` on RustCrypto) and the request signed for the push service
//! with our VAPID key (RFC 8292: an ES256 JWT in `Authorization: vapid t=…, k=…`).
use std::time::Duration;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use ureq::http::Uri;

use super::outbound::{self, Outbound};
use crate::domain::{
    notify::{SubscriptionError, MAX_ENDPOINT},
    outbound::{host_matches, is_dns_name},
};
use p256::{
    ecdsa::{signature::Signer, Signature, SigningKey},
    elliptic_curve::sec1::ToEncodedPoint,
};

/// Web Push state kept for the process: the VAPID key, the outbound client and the rules an
/// endpoint must follow.
pub struct PushState {
    pub vapid: Vapid,
    pub client: Outbound,
    pub rules: EndpointRules,
    /// Longest time one delivery may take (connect, TLS, request, answer).
    pub timeout: Duration,
}

/// What a subscription's endpoint may be (from `notify.push`).
pub struct EndpointRules {
    /// Push services (a host or its parent domain); empty: any DNS name.
    pub hosts: Vec<String>,
    /// `http://` for a host listed in `outbound.insecure_hosts` (a local test service).
    pub allow_http: bool,
}

/// Checks a browser's endpoint (issue 24, item 4), parsed by the parser that fetches: at most
/// [`MAX_ENDPOINT`] bytes; `https://`, no user info; the host a DNS name (no IP literal, no
/// brackets) on one of the push services; the port empty or 443. The only exception is a host
/// the operator listed in `outbound.insecure_hosts` (with `allow_http` for `http://`).
/// Returns the parsed URL the delivery uses.
pub fn check_endpoint(
    client: &Outbound,
    rules: &EndpointRules,
    endpoint: &str,
) -> Result<Uri, SubscriptionError> {
    let bad = SubscriptionError::Endpoint;
    if endpoint.len() > MAX_ENDPOINT || endpoint.chars().any(|c| c.is_control() || c == ' ') {
        return Err(bad);
    }
    let uri = client.parse(endpoint).map_err(|_| bad.clone())?;
    let host = outbound::host_of(&uri).ok_or(bad.clone())?;
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
    let https = uri.scheme_str() == Some("https");
    let listed = rules.hosts.is_empty()
        || rules
            .hosts
            .iter()
            .any(|h| host_matches(&host, &h.to_ascii_lowercase()));
    if client.is_insecure_host(&host) {
        return (listed && (https || rules.allow_http))
            .then_some(uri)
            .ok_or(bad);
    }
    let port_ok = authority.eq_ignore_ascii_case(&host)
        || authority.eq_ignore_ascii_case(&format!("{host}:443"));
    (https && is_dns_name(&host) && port_ok && listed)
        .then_some(uri)
        .ok_or(bad)
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
    pub fn authorization(&self, endpoint: &Uri, now: i64) -> Option<String> {
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
fn origin(endpoint: &Uri) -> Option<String> {
    let scheme = endpoint.scheme_str()?;
    let authority = endpoint.authority()?.as_str();
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
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

/// Encrypts `payload` for the subscription and posts it through the outbound client
/// (blocking; call on the blocking pool). The endpoint is checked again: a subscription stored
/// before the rules were tightened is refused for good.
pub fn send(p: &PushState, t: &Target, payload: &[u8], ttl: u32, now: i64) -> Outcome {
    let Ok(endpoint) = check_endpoint(&p.client, &p.rules, t.endpoint) else {
        return Outcome::Failed("endpoint not allowed".into());
    };
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
    let Some(authorization) = p.vapid.authorization(&endpoint, now) else {
        return Outcome::Failed("endpoint has no origin".into());
    };
    let resp = p
        .client
        .post(endpoint, p.timeout)
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
        let o = |s: &str| origin(&s.parse().unwrap());
        assert_eq!(
            o("https://fcm.googleapis.com/fcm/send/abc").as_deref(),
            Some("https://fcm.googleapis.com")
        );
        assert_eq!(
            o("http://127.0.0.1:8080/p/1").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(o("/nope"), None);
    }

    fn rules() -> EndpointRules {
        EndpointRules {
            hosts: crate::config::Push::default().allowed_hosts,
            allow_http: false,
        }
    }

    #[test]
    fn endpoints_are_dns_names_of_push_services_on_443() {
        let c = Outbound::new(&Default::default());
        let ok = |e: &str| check_endpoint(&c, &rules(), e).is_ok();
        assert!(ok("https://fcm.googleapis.com/fcm/send/abc"));
        assert!(ok("https://fcm.googleapis.com:443/fcm/send/abc"));
        assert!(ok("https://updates.push.services.mozilla.com/wpush/v2/x"));
        for bad in [
            "https://[::1]:x.fcm.googleapis.com/x",
            "https://[::1]:443.fcm.googleapis.com/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://[::ffff:127.0.0.1]:443/fcm.googleapis.com",
            "https://127.0.0.1/fcm.googleapis.com",
            "https://fcm.googleapis.com:8443/x",
            "https://fcm.googleapis.com:/x",
            "https://u@fcm.googleapis.com/x",
            "https://fcm.googleapis.com@127.0.0.1/x",
            "http://fcm.googleapis.com/x",
            "https://evil.example/x",
            "https://fcm.googleapis.com.evil.example/x",
            "https://evilfcm.googleapis.com.evil/x",
            "javascript:alert(1)",
            "https://",
        ] {
            assert!(!ok(bad), "{bad}");
        }
        let long = format!("https://fcm.googleapis.com/{}", "x".repeat(2000));
        assert!(!ok(&long));
    }

    #[test]
    fn a_local_test_service_needs_both_switches() {
        let cfg = crate::config::Outbound {
            insecure_hosts: vec!["127.0.0.1".into()],
        };
        let c = Outbound::new(&cfg);
        let mut r = EndpointRules {
            hosts: vec!["127.0.0.1".into()],
            allow_http: false,
        };
        assert!(check_endpoint(&c, &r, "http://127.0.0.1:9/p").is_err());
        r.allow_http = true;
        assert!(check_endpoint(&c, &r, "http://127.0.0.1:9/p").is_ok());
        let plain = Outbound::new(&Default::default());
        assert!(check_endpoint(&plain, &r, "http://127.0.0.1:9/p").is_err());
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
