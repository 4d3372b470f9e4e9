//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s, one step of skew either side) through `totp-rs`,
//! and the account's recovery codes. Codes and secrets are never logged.
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use totp_rs::{Builder, Secret, Totp};

pub const STEP: u64 = 30;
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;

fn totp(secret: &[u8]) -> Option<Totp> {
    Builder::new()
        .with_secret(Secret::new(secret.to_vec().into_boxed_slice()))
        .build()
        .ok()
}

/// A new 160-bit secret.
pub fn new_secret() -> Vec<u8> {
    let mut b = vec![0u8; 20];
    rand::rng().fill(&mut b[..]);
    b
}

/// The secret as the apps take it by hand (base32, no padding).
pub fn base32(secret: &[u8]) -> String {
    Secret::new(secret.to_vec().into_boxed_slice())
        .to_base32()
        .trim_end_matches('=')
        .to_owned()
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The `otpauth://` URL of the enrolment QR code.
pub fn otpauth_url(issuer: &str, account: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period={STEP}",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

/// The time step a typed code belongs to (now, or one step either side), when it is right and
/// newer than `last_step` (a code already used, or an older one, is refused: no replay).
pub fn verify(secret: &[u8], typed: &str, now: i64, last_step: i64) -> Option<i64> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret)?;
    let step = i64::try_from(t.check(&code, u64::try_from(now).ok()?)?).ok()?;
    (step > last_step).then_some(step)
}

/// The secret back from its base32 form (what an authenticator app does with it).
pub fn from_base32(s: &str) -> Option<Vec<u8>> {
    Secret::try_from_base32(s.trim())
        .ok()
        .map(|x| x.as_bytes().to_vec())
}

/// The code for a moment (what the app shows; tests use it).
pub fn code_at(secret: &[u8], at: i64) -> String {
    totp(secret)
        .map(|t| t.generate(u64::try_from(at).unwrap_or(0)).to_string())
        .unwrap_or_default()
}

/// New recovery codes: `xxxx-xxxx` of lowercase letters and digits (no look-alikes).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let s: String = (0..8)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &s[..4], &s[4..])
        })
        .collect()
}

/// How a recovery code is stored: HMAC-SHA-256 under the server key of the normalized code.
pub fn recovery_hash(key: &[u8], typed: &str) -> Vec<u8> {
    let norm: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    m.update(b"recovery:");
    m.update(norm.as_bytes());
    m.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vector_and_replay() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 → 94287082 (8
        // digits); the 6-digit code is its last six digits.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), "287082");
        assert_eq!(verify(secret, "287082", 59, 0), Some(1));
        assert_eq!(verify(secret, "287 082", 59, 0), Some(1));
        // The same step again: refused.
        assert_eq!(verify(secret, "287082", 59, 1), None);
        assert_eq!(verify(secret, "000000", 59, 0), None);
        assert_eq!(verify(secret, "28708", 59, 0), None);
    }

    #[test]
    fn recovery_codes_hash_the_same_however_typed() {
        let c = &new_recovery_codes()[0];
        assert_eq!(c.len(), 9);
        assert_eq!(
            recovery_hash(b"k", c),
            recovery_hash(b"k", &c.to_uppercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(b"k", c), recovery_hash(b"other", c));
    }
}
