//! Encryption at rest: envelope encryption per account, blind indexes, crypto-shredding.
//!
//! Key hierarchy (all keys 32 bytes):
//! - the installation's master key (file or environment, never stored here) derives a
//!   key-encryption key (KEK) and the installation-level field keys;
//! - each account has a random data key, stored only wrapped (XChaCha20-Poly1305 under the
//!   KEK, bound to the account sid) in `account_keys`; the account's field keys derive from it.
//!
//! Two field formats, both text so the schema keeps its column types:
//! - `\u{1}r…` randomised (bodies): a random nonce, associated data naming the account,
//!   the table and column and the row's sid, so a ciphertext cannot be moved elsewhere;
//! - `\u{1}d…` deterministic (phone numbers): the nonce is HMAC-SHA256(index key, value)
//!   truncated to 24 bytes — a keyed blind index — so equal numbers of one account give
//!   equal stored values and `=` lookups and joins keep working, while the value can still
//!   be decrypted.
//!
//! A stored value without the `\u{1}` marker is plaintext (a row written before encryption
//! was turned on, or with `encrypt_at_rest = false`) and is returned as it is.

mod records;
mod verify;

pub(crate) use records::{Crypt, KeyTable};

use crate::error::{Error, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::sync::Arc;

const MARK: char = '\u{1}';
const RANDOM: char = 'r';
const DETERMINISTIC: char = 'd';
const NONCE_LEN: usize = 24;
const WRAP_VERSION: u8 = 1;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length: this cannot fail.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return [0; 32];
    };
    for p in parts {
        mac.update(p);
        mac.update(&[0]);
    }
    mac.finalize().into_bytes().into()
}

/// The installation's keys, derived from its master key, and whether new data is encrypted.
/// Cheap to clone. `Debug` shows no key material.
#[derive(Clone)]
pub struct KeyRing {
    inner: Option<Arc<MasterKeys>>,
    encrypt: bool,
}

struct MasterKeys {
    kek: XChaCha20Poly1305,
    installation: FieldKeys,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("master_key", &self.inner.as_ref().map(|_| "<redacted>"))
            .field("encrypt", &self.encrypt)
            .finish()
    }
}

impl KeyRing {
    /// Keys derived from the 32-byte master key. With `encrypt_at_rest` false nothing new
    /// is encrypted (benchmark comparisons only), but encrypted rows still read.
    pub fn new(master: &[u8; 32], encrypt_at_rest: bool) -> Self {
        let kek = hmac(master, &[b"switchboard kek v1"]);
        let enc = hmac(master, &[b"switchboard installation enc v1"]);
        let idx = hmac(master, &[b"switchboard installation idx v1"]);
        Self {
            inner: Some(Arc::new(MasterKeys {
                kek: XChaCha20Poly1305::new((&kek).into()),
                installation: FieldKeys::new(&enc, idx),
            })),
            encrypt: encrypt_at_rest,
        }
    }

    /// No master key: everything is written in clear, and encrypted values cannot be read.
    pub fn plaintext() -> Self {
        Self {
            inner: None,
            encrypt: false,
        }
    }

    /// Whether new data is written encrypted.
    pub fn encrypts(&self) -> bool {
        self.encrypt && self.inner.is_some()
    }

    /// Installation-level keys (lookups not scoped to one account), when there is a master key.
    pub(crate) fn installation(&self) -> Option<&FieldKeys> {
        self.inner.as_ref().map(|k| &k.installation)
    }

    /// A new random data key for `account`, wrapped; `None` without a master key.
    pub(crate) fn new_wrapped_key(&self, account: &str) -> Option<Vec<u8>> {
        let keys = self.inner.as_ref()?;
        let mut dk = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut dk);
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let aad = format!("account-key|{account}");
        let ct = keys
            .kek
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &dk,
                    aad: aad.as_bytes(),
                },
            )
            .ok()?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(WRAP_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Some(out)
    }

    /// The account's field keys from its wrapped data key.
    pub(crate) fn unwrap_key(&self, account: &str, wrapped: &[u8]) -> Result<FieldKeys> {
        let keys = self
            .inner
            .as_ref()
            .ok_or_else(|| Error::Other("encrypted data but no master key configured".into()))?;
        if wrapped.len() < 1 + NONCE_LEN + 16 || wrapped[0] != WRAP_VERSION {
            return Err(Error::Other(format!(
                "corrupt data key for account {account}"
            )));
        }
        let aad = format!("account-key|{account}");
        let dk = keys
            .kek
            .decrypt(
                XNonce::from_slice(&wrapped[1..1 + NONCE_LEN]),
                Payload {
                    msg: &wrapped[1 + NONCE_LEN..],
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| {
                Error::Other(format!(
                    "cannot unwrap the data key of account {account}: wrong master key?"
                ))
            })?;
        let enc = hmac(&dk, &[b"switchboard enc v1"]);
        let idx = hmac(&dk, &[b"switchboard idx v1"]);
        Ok(FieldKeys::new(&enc, idx))
    }
}

/// The keys for one scope (an account, or the installation): an AEAD key and a blind-index key.
pub(crate) struct FieldKeys {
    cipher: XChaCha20Poly1305,
    index: [u8; 32],
}

impl FieldKeys {
    fn new(enc: &[u8; 32], index: [u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(enc.into()),
            index,
        }
    }

    /// Deterministic encryption of a number (its own blind index); `""` stays `""`.
    pub(crate) fn number(&self, value: &str) -> String {
        if value.is_empty() {
            return String::new();
        }
        let siv = hmac(&self.index, &[b"number", value.as_bytes()]);
        self.seal(&siv[..NONCE_LEN], b"number", value, DETERMINISTIC)
    }

    /// A one-way keyed hash (hex), for values only ever compared (idempotency request hashes).
    pub(crate) fn blind(&self, domain: &str, value: &str) -> String {
        hex::encode(hmac(&self.index, &[domain.as_bytes(), value.as_bytes()]))
    }

    /// Randomised encryption bound to `binding` (account, table, column, row); `""` stays `""`.
    pub(crate) fn text(&self, binding: &str, value: &str) -> String {
        if value.is_empty() {
            return String::new();
        }
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        self.seal(&nonce, binding.as_bytes(), value, RANDOM)
    }

    fn seal(&self, nonce: &[u8], aad: &[u8], value: &str, kind: char) -> String {
        let ct = self
            .cipher
            .encrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: value.as_bytes(),
                    aad,
                },
            )
            .unwrap_or_default();
        let mut raw = Vec::with_capacity(NONCE_LEN + ct.len());
        raw.extend_from_slice(nonce);
        raw.extend_from_slice(&ct);
        let mut out = String::with_capacity(2 + raw.len() * 4 / 3 + 4);
        out.push(MARK);
        out.push(kind);
        B64.encode_string(&raw, &mut out);
        out
    }

    /// Decrypts a number written by [`FieldKeys::number`]; plaintext passes through.
    pub(crate) fn open_number(&self, stored: &str) -> Result<String> {
        self.open(b"number", stored)
    }

    /// Decrypts a text written by [`FieldKeys::text`] with the same binding.
    pub(crate) fn open_text(&self, binding: &str, stored: &str) -> Result<String> {
        self.open(binding.as_bytes(), stored)
    }

    fn open(&self, aad: &[u8], stored: &str) -> Result<String> {
        let Some(body) = encrypted_part(stored) else {
            return Ok(stored.to_owned());
        };
        let raw = B64
            .decode(body)
            .map_err(|_| Error::Other("corrupt encrypted field (not base64)".into()))?;
        if raw.len() < NONCE_LEN + 16 {
            return Err(Error::Other("corrupt encrypted field (too short)".into()));
        }
        let pt = self
            .cipher
            .decrypt(
                XNonce::from_slice(&raw[..NONCE_LEN]),
                Payload {
                    msg: &raw[NONCE_LEN..],
                    aad,
                },
            )
            .map_err(|_| {
                Error::Other("encrypted field does not open (wrong key or moved row)".into())
            })?;
        String::from_utf8(pt).map_err(|_| Error::Other("encrypted field is not UTF-8".into()))
    }
}

/// The encoded payload of an encrypted field, or `None` for plaintext.
pub(crate) fn encrypted_part(stored: &str) -> Option<&str> {
    let mut chars = stored.chars();
    (chars.next() == Some(MARK) && matches!(chars.next(), Some(RANDOM | DETERMINISTIC)))
        .then(|| &stored[2..])
}

/// Whether a stored value is encrypted.
pub(crate) fn is_encrypted(stored: &str) -> bool {
    encrypted_part(stored).is_some()
}

/// What a body column is bound to: account, table, column and row.
pub(crate) fn body_binding(account: &str, sid: &str) -> String {
    format!("messages.body|{account}|{sid}")
}

/// What a message's shield reasons (they quote its URLs and domains) are bound to.
pub(crate) fn reasons_binding(account: &str, sid: &str) -> String {
    format!("messages.shield_reasons|{account}|{sid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_binding() {
        let ring = KeyRing::new(&[7; 32], true);
        let wrapped = ring.new_wrapped_key("AC1").expect("wrap");
        let keys = ring.unwrap_key("AC1", &wrapped).expect("unwrap");
        assert!(ring.unwrap_key("AC2", &wrapped).is_err());
        let n = keys.number("+15551234567");
        assert!(is_encrypted(&n) && !n.contains("5551234567"));
        assert_eq!(n, keys.number("+15551234567"));
        assert_eq!(keys.open_number(&n).expect("open"), "+15551234567");
        let b = keys.text(&body_binding("AC1", "SM1"), "hello");
        assert_ne!(b, keys.text(&body_binding("AC1", "SM1"), "hello"));
        assert_eq!(
            keys.open_text(&body_binding("AC1", "SM1"), &b)
                .expect("open"),
            "hello"
        );
        assert!(keys.open_text(&body_binding("AC1", "SM2"), &b).is_err());
        assert_eq!(keys.open_text("x", "plain").expect("plain"), "plain");
        let other = ring
            .unwrap_key("AC1", &ring.new_wrapped_key("AC1").expect("wrap"))
            .expect("unwrap");
        assert_ne!(other.number("+15551234567"), n);
        assert!(other.open_number(&n).is_err());
        assert_eq!(keys.number(""), "");
    }

    /// What sealing one message's fields costs (two numbers, one body, the queue's sender),
    /// without the database: `cargo test --release -p switchboard-store --lib seal_cost -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn seal_cost() {
        let ring = KeyRing::new(&[7; 32], true);
        let wrapped = ring.new_wrapped_key("AC1").expect("wrap");
        let keys = ring.unwrap_key("AC1", &wrapped).expect("unwrap");
        let inst = ring.installation().expect("installation");
        let body = "Benchmark message 123456 with a typical length of text";
        let n = 100_000u32;
        let started = std::time::Instant::now();
        let mut total = 0usize;
        for i in 0..n {
            let to = format!("+1555{:07}", i);
            total += keys.number(&to).len();
            total += keys.number("+15005550006").len();
            total += keys.text(&body_binding("AC1", "SM1"), body).len();
            total += inst.number("+15005550006").len();
        }
        let per = started.elapsed() / n;
        let open_started = std::time::Instant::now();
        let sealed = keys.text(&body_binding("AC1", "SM1"), body);
        let num = keys.number("+15551234567");
        for _ in 0..n {
            total += keys
                .open_text(&body_binding("AC1", "SM1"), &sealed)
                .map_or(0, |s| s.len());
            total += keys.open_number(&num).map_or(0, |s| s.len());
            total += keys.open_number(&num).map_or(0, |s| s.len());
        }
        let open_per = open_started.elapsed() / n;
        println!("seal per message: {per:?}; open per message: {open_per:?} ({total})");
    }
}
