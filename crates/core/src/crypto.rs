//! The master key and what it protects.
//!
//! Auth tokens must be available in clear later (to sign webhooks), so they are
//! sealed with XChaCha20-Poly1305 under the master key. API key secrets are only
//! ever compared, so they are stored as HMAC-SHA256(master key, secret).

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

const NONCE_LEN: usize = 24;
const VERSION: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("master key must be 64 hex digits (32 bytes)")]
    BadKey,
    #[error("sealed value is corrupt or was sealed under another master key")]
    Open,
}

/// 32 secret bytes. `Debug` never shows them.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        Self(k)
    }

    pub fn from_hex(s: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(s.trim()).map_err(|_| CryptoError::BadKey)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Self(arr))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Encrypts `plaintext`: `version || nonce || ciphertext+tag`.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and in-memory buffer cannot fail.
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != VERSION {
            return Err(CryptoError::Open);
        }
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let nonce = XNonce::from_slice(&sealed[1..1 + NONCE_LEN]);
        cipher
            .decrypt(nonce, &sealed[1 + NONCE_LEN..])
            .map_err(|_| CryptoError::Open)
    }

    /// The key ring the store encrypts customer data at rest with (see `docs/encryption.md`);
    /// with `encrypt_at_rest` false nothing new is encrypted, but encrypted rows still read.
    pub fn key_ring(&self, encrypt_at_rest: bool) -> switchboard_store::KeyRing {
        switchboard_store::KeyRing::new(&self.0, encrypt_at_rest)
    }

    /// A keyed hash for secrets that only need comparing.
    pub fn hash_secret(&self, secret: &[u8]) -> Vec<u8> {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.0) else {
            return Vec::new();
        };
        mac.update(secret);
        mac.finalize().into_bytes().to_vec()
    }
}

/// Constant-time equality for secrets.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tamper() {
        let k = MasterKey::generate();
        let sealed = k.seal(b"token");
        assert_eq!(k.open(&sealed).expect("open"), b"token");
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(k.open(&bad).is_err());
        assert!(MasterKey::generate().open(&sealed).is_err());
        assert!(k.open(&[]).is_err());
    }

    #[test]
    fn hex_round_trip_and_hash() {
        let k = MasterKey::generate();
        let k2 = MasterKey::from_hex(&k.to_hex()).expect("hex");
        assert!(ct_eq(&k.hash_secret(b"s"), &k2.hash_secret(b"s")));
        assert!(!ct_eq(&k.hash_secret(b"s"), &k.hash_secret(b"t")));
        assert!(MasterKey::from_hex("abcd").is_err());
        assert_eq!(format!("{k:?}"), "MasterKey(<redacted>)");
    }
}
