//! Random tokens, their hashes, and argon2id password hashing.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use peel_core::access::audit::hex;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Something needed for security could not be done (the OS gave no
/// randomness, or hashing failed). Never shown to the user in detail.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SecretError(pub String);

/// 256 random bits from the operating system, as 64 hex digits.
pub fn random_token() -> Result<String, SecretError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| SecretError(format!("no randomness from the OS: {e}")))?;
    Ok(hex(&bytes))
}

/// Prefix of API tokens, so they are recognisable if they leak (in logs or code).
pub const API_TOKEN_PREFIX: &str = "peel_";

pub fn new_api_token() -> Result<String, SecretError> {
    Ok(format!("{API_TOKEN_PREFIX}{}", random_token()?))
}

/// What is stored for a token: its SHA-256, in hex. Tokens carry 256 random
/// bits, so a fast hash is enough.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An argon2id PHC string for `password`, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| SecretError(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the stored PHC string. A malformed stored
/// hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), phc).is_ok()
}

/// Spends the same effort as a real check, for unknown or unusable accounts,
/// so timing does not reveal which email addresses exist.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash_password("peel dummy password for timing").unwrap_or_default());
    let _ = verify_password(password, phc);
}

/// Runs password hashing off the async threads.
pub async fn hash_password_blocking(password: String) -> Result<String, SecretError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| SecretError(format!("hashing task failed: {e}")))?
}

pub async fn verify_password_blocking(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_password(&password, &phc),
        None => {
            verify_dummy(&password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_long() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(new_api_token().unwrap().starts_with("peel_"));
        assert_eq!(token_hash("x").len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery staple", &h));
        assert!(!verify_password("correct horse battery stapler", &h));
        assert!(!verify_password("anything", "not a phc string"));
        assert_ne!(h, hash_password("correct horse battery staple").unwrap(), "salted");
    }
}
