//! Records of the Verify passkeys factor: per-service relying-party settings, registered
//! credentials (factors) and open WebAuthn ceremonies. Ceremony state lives here, not in
//! process memory, so any node can finish a ceremony another node started.

use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, EntitySid, FactorSid, VerifyServiceSid};

/// A service's `Passkeys.*` settings (`None`/empty = not set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasskeysConfig {
    /// The relying party id: a domain (`example.com`).
    pub rp_id: Option<String>,
    /// Shown by some authenticators.
    pub rp_name: Option<String>,
    /// Allowed origins (`https://login.example.com`), exactly as compared.
    pub origins: Vec<String>,
    /// `platform`, `cross-platform` or `any`.
    pub authenticator_attachment: Option<String>,
    /// `required`, `preferred` or `discouraged`.
    pub discoverable_credentials: Option<String>,
    /// `required`, `preferred` or `discouraged`.
    pub user_verification: Option<String>,
}

pub use crate::factors::factor_status;

/// A registered credential's parts, as `webauthn_rp` encodes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyCredential {
    /// The credential id (unique within a service).
    pub id: Vec<u8>,
    /// `AuthTransports`, encoded.
    pub transports: Vec<u8>,
    /// `StaticState`: the public key and static extension results.
    pub static_state: Vec<u8>,
    /// `DynamicState`: sign counter, UV and backup flags; rewritten after each sign-in.
    pub dynamic_state: Vec<u8>,
}

/// A passkeys factor: created `unverified` with a registration ceremony, `verified` once
/// the browser's credential was checked; only then does it hold a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyFactorRecord {
    pub sid: FactorSid,
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub entity_sid: EntitySid,
    /// The customer's id for the end user.
    pub identity: String,
    pub friendly_name: String,
    /// One of [`factor_status`].
    pub status: String,
    /// The WebAuthn user handle (the same for every factor of an entity).
    pub user_handle: Vec<u8>,
    pub credential: Option<PasskeyCredential>,
    pub date_created: Millis,
    pub date_updated: Millis,
}

/// Ceremony kinds.
pub mod ceremony_kind {
    /// A registration (`Passkeys/Factors` → `Passkeys/VerifyFactor`).
    pub const REGISTRATION: &str = "registration";
    /// A sign-in with the credentials of one identity (`allowCredentials` listed).
    pub const AUTHENTICATION: &str = "authentication";
    /// A sign-in with any discoverable credential of the service (no identity given).
    pub const DISCOVERABLE: &str = "discoverable";
}

/// An open WebAuthn ceremony, keyed by its challenge. Taken (deleted) when finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyCeremony {
    /// The challenge, as 32 lowercase hex digits.
    pub challenge: String,
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    /// One of [`ceremony_kind`].
    pub kind: String,
    /// The challenge's SID (`YC…`) for a sign-in, the factor's SID for a registration.
    pub sid: String,
    /// The factor being registered, or the one the sign-in was limited to.
    pub factor_sid: Option<FactorSid>,
    pub identity: Option<String>,
    /// The `webauthn_rp` server state, encoded.
    pub state: Vec<u8>,
    pub expires_at: Millis,
    pub date_created: Millis,
}

/// What marking a factor verified did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// The factor is now verified and holds the credential.
    Verified(Box<PasskeyFactorRecord>),
    /// No unverified factor with that SID in the service.
    NotFound,
    /// The service already has a credential with that id; nothing changed.
    CredentialExists,
}
