//! Secrets are stored by their SHA-256 only (session and API tokens).
use sha2::{Digest, Sha256};

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
