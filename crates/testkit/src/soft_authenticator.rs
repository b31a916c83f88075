//! A software WebAuthn authenticator for tests that need no browser.
//!
//! It reads the options our start endpoints return (`{"publicKey": {…}}`, see
//! `switchboard_core::passkeys::webauthn`) and answers with the credential JSON a browser's
//! `PublicKeyCredential.toJSON()` produces: ES256 (P-256) keys, attestation format
//! `none`, a COSE_Key in the attested credential data, and a `clientDataJSON` with the
//! type, challenge and origin. Credentials are resident (discoverable): each keeps the
//! user handle it was registered with and answers a discoverable request with it.
//!
//! Everything a phishing or misbehaving authenticator could change is a public field:
//! the origin written into `clientDataJSON` (a look-alike site), the RP id hashed into
//! the authenticator data, the flags (UP, UV, BE, BS), the signature counter and the
//! user handle of an assertion.
//!
//! ```ignore
//! let mut key = SoftAuthenticator::new("http://localhost:8080");
//! let credential = key.create(&options_from_start_endpoint);   // registration
//! let assertion = key.get(&options_from_login_start);          // sign-in
//! ```

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ciborium::Value as Cbor;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use rand::RngCore as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// The authenticator-data flags the authenticator sets (AT and ED follow from the ceremony).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    /// User present.
    pub up: bool,
    /// User verified.
    pub uv: bool,
    /// Backup eligible: a synced passkey (refused for operators).
    pub be: bool,
    /// Backed up (only meaningful with `be`).
    pub bs: bool,
}

impl Flags {
    /// A device-bound security key: UP and UV, not backup-eligible.
    pub const DEVICE_BOUND: Self = Self {
        up: true,
        uv: true,
        be: false,
        bs: false,
    };
    /// A synced passkey: UP, UV, backup-eligible and backed up.
    pub const SYNCED: Self = Self {
        up: true,
        uv: true,
        be: true,
        bs: true,
    };

    fn byte(self) -> u8 {
        u8::from(self.up) | u8::from(self.uv) << 2 | u8::from(self.be) << 3 | u8::from(self.bs) << 4
    }
}

/// A credential the authenticator holds.
#[derive(Clone)]
pub struct Credential {
    /// The credential id (16 random bytes).
    pub id: Vec<u8>,
    /// The RP id it was created for.
    pub rp_id: String,
    /// The user handle (`user.id`) it was created for.
    pub user_handle: Vec<u8>,
    /// The last signature counter it reported.
    pub sign_count: u32,
    key: SigningKey,
}

/// A software authenticator with resident ES256 credentials.
#[derive(Clone)]
pub struct SoftAuthenticator {
    /// The origin written into `clientDataJSON` (what the browser's address bar shows).
    pub origin: String,
    /// If set, the RP id hashed into the authenticator data instead of the options' one.
    pub rp_id: Option<String>,
    /// The flags of the next ceremonies.
    pub flags: Flags,
    /// `authenticatorAttachment`: `cross-platform` (default) or `platform`.
    pub attachment: String,
    /// If set, the signature counter of the next assertions instead of last + 1.
    pub sign_count: Option<u32>,
    /// If set, the user handle of the next assertions instead of the credential's own.
    pub user_handle: Option<Vec<u8>>,
    /// The credentials created so far, oldest first.
    pub credentials: Vec<Credential>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(s)
        .unwrap_or_else(|e| panic!("options field is not base64url ({e}): {s}"))
}

fn public_key(options: &str) -> Value {
    let v: Value = serde_json::from_str(options)
        .unwrap_or_else(|e| panic!("options are not JSON ({e}): {options}"));
    match v.get("publicKey") {
        Some(pk) => pk.clone(),
        None => panic!("options have no `publicKey`: {options}"),
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("options have no string at {pointer}: {v}"))
}

/// The DER SubjectPublicKeyInfo of an uncompressed P-256 point.
fn spki(point: &[u8]) -> Vec<u8> {
    const PREFIX: [u8; 26] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    let mut out = PREFIX.to_vec();
    out.extend_from_slice(point);
    out
}

fn cbor(v: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("CBOR encodes");
    out
}

impl SoftAuthenticator {
    /// A device-bound (BE=0) cross-platform authenticator used on `origin`.
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.trim_end_matches('/').to_owned(),
            rp_id: None,
            flags: Flags::DEVICE_BOUND,
            attachment: "cross-platform".into(),
            sign_count: None,
            user_handle: None,
            credentials: Vec::new(),
        }
    }

    /// The same authenticator, but synced (BE=1, BS=1) like a platform passkey manager.
    pub fn synced(origin: &str) -> Self {
        Self {
            flags: Flags::SYNCED,
            attachment: "platform".into(),
            ..Self::new(origin)
        }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        // In the browser's member order (serde_json's `json!` would sort the keys).
        let s = |v: &str| Value::from(v).to_string();
        format!(
            r#"{{"type":{},"challenge":{},"origin":{},"crossOrigin":false}}"#,
            s(kind),
            s(challenge),
            s(&self.origin)
        )
        .into_bytes()
    }

    fn auth_data_head(&self, rp_id: &str, extra_flags: u8, count: u32) -> Vec<u8> {
        let rp_id = self.rp_id.as_deref().unwrap_or(rp_id);
        let mut out = Sha256::digest(rp_id.as_bytes()).to_vec();
        out.push(self.flags.byte() | extra_flags);
        out.extend_from_slice(&count.to_be_bytes());
        out
    }

    /// `navigator.credentials.create()`: a new resident credential for the options'
    /// RP and user; returns the registration JSON for the finish endpoint.
    pub fn create(&mut self, options: &str) -> Value {
        let pk = public_key(options);
        let rp_id = text(&pk, "/rp/id").to_owned();
        let user_handle = unb64(text(&pk, "/user/id"));
        let challenge = text(&pk, "/challenge");
        let key = SigningKey::random(&mut rand::thread_rng());
        let mut id = vec![0u8; 16];
        rand::thread_rng().fill_bytes(&mut id);
        let point = key.verifying_key().to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            panic!("uncompressed point has coordinates");
        };
        let cose = cbor(&Cbor::Map(vec![
            (Cbor::from(1), Cbor::from(2)),
            (Cbor::from(3), Cbor::from(-7)),
            (Cbor::from(-1), Cbor::from(1)),
            (Cbor::from(-2), Cbor::Bytes(x.to_vec())),
            (Cbor::from(-3), Cbor::Bytes(y.to_vec())),
        ]));
        let count = self.sign_count.unwrap_or(0);
        let mut auth_data = self.auth_data_head(&rp_id, 0x40, count);
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: none
        auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose);
        let attestation = cbor(&Cbor::Map(vec![
            (Cbor::from("fmt"), Cbor::from("none")),
            (Cbor::from("attStmt"), Cbor::Map(Vec::new())),
            (Cbor::from("authData"), Cbor::Bytes(auth_data.clone())),
        ]));
        let client_data = self.client_data("webauthn.create", challenge);
        let transports = if self.attachment == "platform" {
            json!(["hybrid", "internal"])
        } else {
            json!(["usb"])
        };
        self.credentials.push(Credential {
            id: id.clone(),
            rp_id,
            user_handle,
            sign_count: count,
            key,
        });
        json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&attestation),
                "authenticatorData": b64(&auth_data),
                "transports": transports,
                "publicKey": b64(&spki(point.as_bytes())),
                "publicKeyAlgorithm": -7,
            },
            "authenticatorAttachment": self.attachment,
            "clientExtensionResults": {},
        })
    }

    /// `navigator.credentials.get()`: an assertion by the first credential the options
    /// allow (any credential of the options' RP id for a discoverable request); returns
    /// the assertion JSON for the finish endpoint. Panics if no credential fits, as a
    /// browser would show "no passkey for this site".
    pub fn get(&mut self, options: &str) -> Value {
        let pk = public_key(options);
        let rp_id = text(&pk, "/rpId").to_owned();
        let challenge = text(&pk, "/challenge").to_owned();
        let allowed: Vec<Vec<u8>> = pk
            .get("allowCredentials")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|c| c["id"].as_str())
                    .map(unb64)
                    .collect()
            })
            .unwrap_or_default();
        let Some(at) = self
            .credentials
            .iter()
            .position(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
        else {
            panic!("no credential for RP {rp_id} among {allowed:?}");
        };
        let count = self
            .sign_count
            .unwrap_or(self.credentials[at].sign_count.wrapping_add(1));
        let auth_data = self.auth_data_head(&rp_id, 0, count);
        let client_data = self.client_data("webauthn.get", &challenge);
        let handle = self
            .user_handle
            .clone()
            .unwrap_or_else(|| self.credentials[at].user_handle.clone());
        let c = &mut self.credentials[at];
        c.sign_count = count;
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = c.key.sign(&signed);
        json!({
            "id": b64(&c.id),
            "rawId": b64(&c.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&handle),
            },
            "authenticatorAttachment": self.attachment,
            "clientExtensionResults": {},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_the_spec_bits() {
        assert_eq!(Flags::DEVICE_BOUND.byte(), 0x05);
        assert_eq!(Flags::SYNCED.byte(), 0x1d);
    }

    #[test]
    fn registration_has_the_browser_shape() {
        let options = json!({"publicKey": {
            "rp": {"id": "localhost", "name": "x"},
            "user": {"id": b64(&[7u8; 64]), "name": "u", "displayName": "U"},
            "challenge": b64(&[1u8; 16]),
        }})
        .to_string();
        let mut a = SoftAuthenticator::new("http://localhost:8080/");
        let r = a.create(&options);
        assert_eq!(r["id"], r["rawId"]);
        assert_eq!(r["response"]["publicKeyAlgorithm"], -7);
        let cd: Value =
            serde_json::from_slice(&unb64(r["response"]["clientDataJSON"].as_str().unwrap()))
                .unwrap();
        assert_eq!(cd["origin"], "http://localhost:8080");
        assert_eq!(cd["type"], "webauthn.create");
        assert_eq!(a.credentials[0].user_handle, vec![7u8; 64]);
    }
}
