//! The `webauthn_rp` side of the passkeys factor: options out, ceremony state encoded for
//! the store, responses in, checks done by the crate. No I/O here.
//!
//! Note: `webauthn_rp` stamps each ceremony state with its own expiry from the system
//! clock (and checks it on finish); the store's `expires_at` (from our `Clock`) is what
//! decides whether a stored ceremony is handed out at all.

use crate::messages::{reject, MessageError};
use serde_json::json;
use switchboard_store::{PasskeyCredential, PasskeysConfig};
use webauthn_rp::bin::{Decode as _, Encode as _};
use webauthn_rp::request::auth::{
    AllowedCredentials, AuthenticationVerificationOptions, DiscoverableCredentialRequestOptions,
    NonDiscoverableCredentialRequestOptions,
};
use webauthn_rp::request::register::{
    AuthenticatorAttachmentReq, CredProtect, CrossPlatformHint, PlatformHint,
    PublicKeyCredentialUserEntity, RegistrationVerificationOptions, ResidentKeyRequirement,
    UserHandle64,
};
use webauthn_rp::request::{
    AsciiDomain, BackupReq, Credentials as _, ExtensionInfo, Hint, PublicKeyCredentialDescriptor,
    RpId, TimedCeremony as _, UserVerificationRequirement,
};
use webauthn_rp::response::register::{CompressedPubKey, DynamicState, StaticState};
use webauthn_rp::response::{AuthTransports, Backup, CredentialId};
use webauthn_rp::{
    AuthenticatedCredential, DiscoverableAuthentication64, DiscoverableAuthenticationServerState,
    NonDiscoverableAuthentication64, NonDiscoverableAuthenticationServerState,
    PublicKeyCredentialCreationOptions, Registration, RegistrationServerState,
};

/// How long a ceremony stays open (`webauthn_rp`'s default `timeout`, 5 minutes).
pub const TIMEOUT_MS: i64 = 300_000;

/// A public key as stored (owned, compressed): Ed25519, P-256, P-384 or RSA.
type StoredPubKey = CompressedPubKey<[u8; 32], [u8; 32], [u8; 48], Vec<u8>>;

/// A started ceremony: its challenge (hex), encoded server state and the browser's options.
pub struct Started {
    pub challenge: String,
    pub state: Vec<u8>,
    pub options: String,
}

/// A registration response, parsed.
pub struct ParsedRegistration {
    pub challenge: String,
    reg: Registration,
}

/// What an assertion says before it is checked: which ceremony and which credential.
pub struct ParsedAssertion {
    pub challenge: String,
    pub credential_id: Vec<u8>,
}

fn internal(what: &str, e: impl std::fmt::Debug) -> MessageError {
    MessageError::Store(switchboard_store::Error::Other(format!(
        "passkeys: {what}: {e:?}"
    )))
}

fn bad_json(e: impl std::fmt::Display) -> MessageError {
    reject(
        60200,
        format!("Invalid parameter: not a WebAuthn credential: {e}"),
    )
}

/// The `Debug` name of a `webauthn_rp` error (`OriginMismatch`, `ChallengeMismatch`, …).
fn reason(e: impl std::fmt::Debug) -> String {
    let s = format!("{e:?}");
    s.split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn failed(e: impl std::fmt::Debug) -> MessageError {
    reject(
        60324,
        format!("Challenge verification failed: {}", reason(e)),
    )
}

fn challenge_hex(c: u128) -> String {
    format!("{c:032x}")
}

fn rp(rp_id: &str) -> Result<RpId, MessageError> {
    AsciiDomain::try_from(rp_id.to_owned())
        .map(RpId::Domain)
        .map_err(|e| reject(60200, format!("Invalid Passkeys.RelyingParty.Id: {e:?}")))
}

fn uv(level: Option<&str>) -> UserVerificationRequirement {
    match level {
        Some("preferred") => UserVerificationRequirement::Preferred,
        Some("discouraged") => UserVerificationRequirement::Discouraged,
        _ => UserVerificationRequirement::Required,
    }
}

fn descriptor(
    c: &PasskeyCredential,
) -> Result<PublicKeyCredentialDescriptor<Vec<u8>>, MessageError> {
    Ok(PublicKeyCredentialDescriptor {
        id: CredentialId::decode(c.id.clone()).map_err(|e| internal("credential id", e))?,
        transports: AuthTransports::decode(c.transports.first().copied().unwrap_or(0))
            .map_err(|e| internal("transports", e))?,
    })
}

fn user_handle(bytes: &[u8]) -> Result<UserHandle64, MessageError> {
    let raw: [u8; 64] = bytes.try_into().map_err(|e| internal("user handle", e))?;
    let Ok(h) = UserHandle64::decode(raw);
    Ok(h)
}

/// 64 random bytes, as the WebAuthn spec recommends for `user.id`.
pub fn new_user_handle() -> Vec<u8> {
    let Ok(raw) = UserHandle64::new().encode();
    raw.to_vec()
}

pub fn start_registration(
    config: &PasskeysConfig,
    rp_id: &str,
    identity: &str,
    friendly_name: &str,
    handle: &[u8],
    exclude: &[&PasskeyCredential],
) -> Result<Started, MessageError> {
    let rp_id = rp(rp_id)?;
    let handle = user_handle(handle)?;
    let user = PublicKeyCredentialUserEntity {
        name: identity
            .try_into()
            .map_err(|e| reject(60200, format!("Invalid parameter: identity: {e:?}")))?,
        id: &handle,
        display_name: Some(
            friendly_name
                .try_into()
                .map_err(|e| reject(60200, format!("Invalid parameter: friendly_name: {e:?}")))?,
        ),
    };
    let exclude = exclude
        .iter()
        .map(|c| descriptor(c))
        .collect::<Result<_, _>>()?;
    let mut opts = PublicKeyCredentialCreationOptions::passkey(&rp_id, user, exclude);
    let sel = &mut opts.authenticator_selection;
    sel.authenticator_attachment = match config.authenticator_attachment.as_deref() {
        Some("platform") => AuthenticatorAttachmentReq::Platform(PlatformHint::None),
        Some("cross-platform") => {
            AuthenticatorAttachmentReq::CrossPlatform(CrossPlatformHint::None)
        }
        _ => AuthenticatorAttachmentReq::None(Hint::None),
    };
    sel.resident_key = match config.discoverable_credentials.as_deref() {
        Some("preferred") => ResidentKeyRequirement::Preferred,
        Some("discouraged") => ResidentKeyRequirement::Discouraged,
        _ => ResidentKeyRequirement::Required,
    };
    sel.user_verification = uv(config.user_verification.as_deref());
    // Ask for credProtect but do not make the browser enforce it (authenticators without
    // the extension, Chromium's virtual one among them, would fail `create()`); with UV
    // not required the extension is not asked for at all.
    opts.extensions.cred_protect =
        if matches!(sel.user_verification, UserVerificationRequirement::Required) {
            CredProtect::UserVerificationRequired(ExtensionInfo::AllowDontEnforceValue)
        } else {
            CredProtect::None
        };
    let (server, client) = opts
        .start_ceremony()
        .map_err(|e| reject(60200, format!("Invalid passkeys settings: {e}")))?;
    let state = server
        .encode()
        .map_err(|e| internal("encode registration", e))?;
    Ok(Started {
        challenge: challenge_hex(server.sent_challenge().0),
        state,
        options: json!({ "publicKey": client }).to_string(),
    })
}

pub fn parse_registration(body: &[u8]) -> Result<ParsedRegistration, MessageError> {
    let reg: Registration = serde_json::from_slice(body).map_err(bad_json)?;
    let challenge = reg.challenge().map_err(bad_json)?;
    Ok(ParsedRegistration {
        challenge: challenge_hex(challenge.0),
        reg,
    })
}

pub fn finish_registration(
    rp_id: &str,
    origins: &[String],
    state: &[u8],
    p: &ParsedRegistration,
) -> Result<PasskeyCredential, MessageError> {
    finish_registration_bound(rp_id, origins, state, p, false).map(|(c, _)| c)
}

/// As [`finish_registration`]; with `device_bound`, a credential the authenticator marks
/// backup-eligible (a synced passkey) is refused. Also says whether it was eligible.
pub fn finish_registration_bound(
    rp_id: &str,
    origins: &[String],
    state: &[u8],
    p: &ParsedRegistration,
    device_bound: bool,
) -> Result<(PasskeyCredential, bool), MessageError> {
    let rp_id = rp(rp_id)?;
    let server = RegistrationServerState::<64>::decode(state)
        .map_err(|e| internal("decode registration", e))?;
    let opts = RegistrationVerificationOptions::<String, String> {
        allowed_origins: origins,
        // Checked by `webauthn_rp` before its other checks (e.g. the attachment), so a
        // synced passkey is always told why it is refused.
        backup_requirement: if device_bound {
            BackupReq::NotEligible
        } else {
            BackupReq::None
        },
        ..RegistrationVerificationOptions::default()
    };
    let cred = server.verify(&rp_id, &p.reg, &opts).map_err(|e| {
        if device_bound && format!("{e:?}").contains("BackupEligible") {
            reject(
                60324,
                "Challenge verification failed: BackupEligible: a device-bound security key \
                 is required; this credential is a synced (backup-eligible) passkey",
            )
        } else {
            failed(e)
        }
    })?;
    let eligible = !matches!(cred.dynamic_state().backup, Backup::NotEligible);
    let id = cred.id();
    let Ok(id) = id.encode();
    let Ok(transports) = cred.transports().encode();
    let Ok(static_state) = cred.static_state().encode();
    let Ok(dynamic_state) = cred.dynamic_state().encode();
    Ok((
        PasskeyCredential {
            id: id.to_vec(),
            transports: vec![transports],
            static_state,
            dynamic_state: dynamic_state.to_vec(),
        },
        eligible,
    ))
}

pub fn start_authentication(
    config: &PasskeysConfig,
    rp_id: &str,
    creds: &[&PasskeyCredential],
) -> Result<Started, MessageError> {
    let rp_id = rp(rp_id)?;
    let mut allowed = AllowedCredentials::with_capacity(creds.len());
    for c in creds {
        allowed.push(descriptor(c)?.into());
    }
    let mut opts = NonDiscoverableCredentialRequestOptions::second_factor(&rp_id, allowed)
        .map_err(|e| internal("allowed credentials", e))?;
    opts.options().user_verification = uv(config.user_verification.as_deref());
    let (server, client) = opts
        .start_ceremony()
        .map_err(|e| reject(60200, format!("Invalid passkeys settings: {e}")))?;
    let state = server
        .encode()
        .map_err(|e| internal("encode authentication", e))?;
    Ok(Started {
        challenge: challenge_hex(server.sent_challenge().0),
        state,
        options: json!({ "publicKey": client }).to_string(),
    })
}

pub fn start_discoverable(config: &PasskeysConfig, rp_id: &str) -> Result<Started, MessageError> {
    let rp_id = rp(rp_id)?;
    let mut opts = DiscoverableCredentialRequestOptions::passkey(&rp_id);
    opts.0.user_verification = uv(config.user_verification.as_deref());
    let (server, client) = opts
        .start_ceremony()
        .map_err(|e| reject(60200, format!("Invalid passkeys settings: {e}")))?;
    let state = server
        .encode()
        .map_err(|e| internal("encode authentication", e))?;
    Ok(Started {
        challenge: challenge_hex(server.sent_challenge().0),
        state,
        options: json!({ "publicKey": client }).to_string(),
    })
}

/// Reads the challenge and credential id (the user handle may be absent here).
pub fn parse_assertion(body: &[u8]) -> Result<ParsedAssertion, MessageError> {
    let a: NonDiscoverableAuthentication64 = serde_json::from_slice(body).map_err(bad_json)?;
    let challenge = a.challenge().map_err(bad_json)?;
    let id = a.raw_id();
    let Ok(id) = id.encode();
    Ok(ParsedAssertion {
        challenge: challenge_hex(challenge.0),
        credential_id: id.to_vec(),
    })
}

/// Checks an assertion against its ceremony and the stored credential. `Some(state)` is
/// the new dynamic state (sign counter, flags) to write back.
pub fn finish_authentication(
    rp_id: &str,
    origins: &[String],
    state: &[u8],
    discoverable: bool,
    body: &[u8],
    handle: &[u8],
    stored: &PasskeyCredential,
) -> Result<Option<Vec<u8>>, MessageError> {
    let rp_id = rp(rp_id)?;
    let handle = user_handle(handle)?;
    let id = CredentialId::decode(stored.id.clone()).map_err(|e| internal("credential id", e))?;
    let static_state = StaticState::<StoredPubKey>::decode(&stored.static_state)
        .map_err(|e| internal("static state", e))?;
    let raw: [u8; 7] = stored
        .dynamic_state
        .as_slice()
        .try_into()
        .map_err(|e| internal("dynamic state", e))?;
    let dynamic = DynamicState::decode(raw).map_err(|e| internal("dynamic state", e))?;
    let mut cred = AuthenticatedCredential::new((&id).into(), &handle, static_state, dynamic)
        .map_err(|e| internal("credential", e))?;
    let opts = AuthenticationVerificationOptions::<String, String> {
        allowed_origins: origins,
        ..AuthenticationVerificationOptions::default()
    };
    let changed = if discoverable {
        let a: DiscoverableAuthentication64 = serde_json::from_slice(body).map_err(bad_json)?;
        DiscoverableAuthenticationServerState::decode(state)
            .map_err(|e| internal("decode authentication", e))?
            .verify(&rp_id, &a, &mut cred, &opts)
    } else {
        let a: NonDiscoverableAuthentication64 = serde_json::from_slice(body).map_err(bad_json)?;
        NonDiscoverableAuthenticationServerState::decode(state)
            .map_err(|e| internal("decode authentication", e))?
            .verify(&rp_id, &a, &mut cred, &opts)
    }
    .map_err(failed)?;
    let Ok(now) = cred.dynamic_state().encode();
    Ok(changed.then(|| now.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_are_the_variant() {
        #[derive(Debug)]
        #[allow(dead_code)]
        enum E {
            OriginMismatch,
            CollectedClientData(u8),
        }
        assert_eq!(reason(E::OriginMismatch), "OriginMismatch");
        assert_eq!(reason(E::CollectedClientData(3)), "CollectedClientData");
    }

    #[test]
    fn registration_state_round_trips_and_options_are_browser_json() {
        let config = PasskeysConfig {
            rp_id: Some("example.com".into()),
            authenticator_attachment: Some("cross-platform".into()),
            discoverable_credentials: Some("preferred".into()),
            ..Default::default()
        };
        let s = start_registration(
            &config,
            "example.com",
            "user-0001",
            "Ann's key",
            &new_user_handle(),
            &[],
        )
        .expect("start");
        assert_eq!(s.challenge.len(), 32);
        assert!(RegistrationServerState::<64>::decode(s.state.as_slice()).is_ok());
        let v: serde_json::Value = serde_json::from_str(&s.options).expect("json");
        let pk = &v["publicKey"];
        assert_eq!(pk["rp"]["id"], "example.com");
        assert_eq!(pk["user"]["name"], "user-0001");
        assert_eq!(
            pk["authenticatorSelection"]["authenticatorAttachment"],
            "cross-platform"
        );
        assert_eq!(pk["authenticatorSelection"]["residentKey"], "preferred");
        assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
        assert_eq!(pk["attestation"], "none");
    }

    #[test]
    fn garbage_is_refused_as_invalid_json() {
        assert!(matches!(
            parse_registration(b"{\"id\":1}"),
            Err(MessageError::Rejected { code: 60200, .. })
        ));
        assert!(matches!(
            parse_assertion(b"not json"),
            Err(MessageError::Rejected { code: 60200, .. })
        ));
    }
}
