//! Passwords (argon2id) and random tokens (stored only as SHA-256 hashes).

use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

const M_COST: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    buf
}

/// A fresh secret for a cookie, a CSRF token or an API token.
pub fn random_token(prefix: &str) -> String {
    format!("{prefix}{}", hex(&random_bytes::<32>()))
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

fn argon(m: u32, t: u32, p: u32) -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(m, t, p, Some(32)).expect("valid argon2 parameters"),
    )
}

/// `argon2id$v=19$m=…,t=…,p=…$SALT$HASH` (hex), verifiable with `verify_password`.
pub fn hash_password(password: &str) -> String {
    let salt = random_bytes::<16>();
    let mut out = [0u8; 32];
    argon(M_COST, T_COST, P_COST)
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .expect("argon2 accepts any password and a 16-byte salt");
    format!(
        "argon2id$v=19$m={M_COST},t={T_COST},p={P_COST}${}${}",
        hex(&salt),
        hex(&out)
    )
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [alg, "v=19", params, salt, hash] = parts.as_slice() else {
        return false;
    };
    if *alg != "argon2id" {
        return false;
    }
    let mut m = 0;
    let mut t = 0;
    let mut p = 0;
    for kv in params.split(',') {
        match kv.split_once('=') {
            Some(("m", v)) => m = v.parse().unwrap_or(0),
            Some(("t", v)) => t = v.parse().unwrap_or(0),
            Some(("p", v)) => p = v.parse().unwrap_or(0),
            _ => return false,
        }
    }
    let (Some(salt), Some(expected)) = (unhex(salt), unhex(hash)) else {
        return false;
    };
    let Ok(params) = Params::new(m, t, p, Some(expected.len())) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .is_err()
    {
        return false;
    }
    // Constant-time comparison.
    out.iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip_and_wrong_password() {
        let h = hash_password("correct horse battery");
        assert!(h.starts_with("argon2id$v=19$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batter", &h));
        assert!(!verify_password("x", "garbage"));
        assert_ne!(hash_password("same"), hash_password("same"), "salted");
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token("pst_");
        assert!(a.starts_with("pst_") && a.len() == 68);
        assert_ne!(a, random_token("pst_"));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
