//! The web console and the operator plane: passkey-only sign-in (no password, no SMS or
//! TOTP fallback), one-time invites, sessions with CSRF tokens and an 8-hour ceiling,
//! fresh assertions before sensitive actions, and owners' time-boxed support grants.
//!
//! WebAuthn runs on the same relying-party code as Verify's passkeys
//! ([`crate::passkeys`] on `webauthn_rp`), with user verification required. The relying
//! party is the console's own origin (`[console] public_url`), so an assertion made on a
//! look-alike origin fails `OriginMismatch`. Operators' keys must be device-bound: a
//! credential the authenticator marks backup-eligible (a synced passkey) is refused.
//!
//! Invite tokens and session ids are random 256-bit values handed to the browser once;
//! the store keeps only their keyed hashes.

mod ceremonies;
mod grants;
mod sessions;

pub use ceremonies::Started;
pub use sessions::SignedIn;

use crate::crypto::MasterKey;
use crate::messages::MessageError;
use std::sync::Arc;
use switchboard_domain::clock::{Clock, Millis};
use switchboard_store::{ConsoleSession, PasskeysConfig, Store};

/// Console roles, most to least privileged.
pub const ROLES: [&str; 4] = ["owner", "admin", "developer", "viewer"];

/// Where the console is served and how long things last.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// The console's origin as the browser sees it (`https://sb.example.com`).
    pub origin: String,
    /// The WebAuthn relying party id: the origin's host.
    pub rp_id: String,
    /// Hard session lifetime (at most 8 h).
    pub session_ttl_ms: Millis,
    /// How long a fresh assertion counts for sensitive actions.
    pub fresh_ttl_ms: Millis,
    /// How long an invite link works.
    pub invite_ttl_ms: Millis,
}

impl Default for ConsoleSettings {
    /// A console at `http://localhost`.
    fn default() -> Self {
        Self {
            origin: "http://localhost".into(),
            rp_id: "localhost".into(),
            session_ttl_ms: 8 * 3_600_000,
            fresh_ttl_ms: 5 * 60_000,
            invite_ttl_ms: 72 * 3_600_000,
        }
    }
}

impl ConsoleSettings {
    /// Settings for a console served at `public_url` (scheme, host and optional port).
    pub fn for_origin(public_url: &str) -> Result<Self, String> {
        let (origin, rp_id) =
            crate::passkeys::settings::parse_origin(public_url.trim_end_matches('/'))?;
        Ok(Self {
            origin,
            rp_id,
            ..Self::default()
        })
    }
}

/// Why a console request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Bad input (400).
    #[error("{0}")]
    Invalid(String),
    /// Not allowed: failed ceremony, wrong role, refused key (403).
    #[error("{0}")]
    Denied(String),
    /// The action needs a fresh WebAuthn assertion first (403).
    #[error("this action needs a fresh sign-in with your passkey")]
    NeedsFresh,
    /// No such invite, ceremony, user or grant (404).
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] switchboard_store::Error),
}

impl From<crate::audit::AuditError> for ConsoleError {
    fn from(e: crate::audit::AuditError) -> Self {
        match e {
            crate::audit::AuditError::Store(e) => Self::Store(e),
        }
    }
}

impl From<MessageError> for ConsoleError {
    fn from(e: MessageError) -> Self {
        match e {
            MessageError::Rejected {
                code: 60324,
                message,
            } => Self::Denied(message),
            MessageError::Rejected { message, .. } | MessageError::Limited { message, .. } => {
                Self::Invalid(message)
            }
            MessageError::Store(e) => Self::Store(e),
        }
    }
}

/// The console and operator use cases.
pub struct Console {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    key: MasterKey,
    settings: ConsoleSettings,
}

impl Console {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        key: MasterKey,
        settings: ConsoleSettings,
    ) -> Self {
        Self {
            store,
            clock,
            key,
            settings,
        }
    }

    /// The same console (store, clock, key) served with other settings.
    pub fn with_settings(&self, settings: ConsoleSettings) -> Self {
        Self {
            store: self.store.clone(),
            clock: self.clock.clone(),
            key: self.key.clone(),
            settings,
        }
    }

    pub fn settings(&self) -> &ConsoleSettings {
        &self.settings
    }

    fn now(&self) -> Millis {
        self.clock.now_millis()
    }

    /// The keyed hash under which a token is stored.
    fn token_hash(&self, kind: &str, token: &str) -> Vec<u8> {
        self.key
            .hash_secret(format!("console-{kind}:{token}").as_bytes())
    }

    /// Relying-party settings: user verification and discoverable credentials required.
    fn rp_config(&self, operator: bool) -> PasskeysConfig {
        PasskeysConfig {
            rp_id: Some(self.settings.rp_id.clone()),
            rp_name: Some(if operator {
                "Switchboard operators".into()
            } else {
                "Switchboard console".into()
            }),
            origins: vec![self.settings.origin.clone()],
            authenticator_attachment: operator.then(|| "cross-platform".into()),
            discoverable_credentials: Some("required".into()),
            user_verification: Some("required".into()),
        }
    }

    fn origins(&self) -> Vec<String> {
        vec![self.settings.origin.clone()]
    }

    /// Fails unless the session's last assertion is recent enough for a sensitive action.
    pub fn require_fresh(&self, session: &ConsoleSession) -> Result<(), ConsoleError> {
        if self.now() - session.fresh_at <= self.settings.fresh_ttl_ms {
            Ok(())
        } else {
            Err(ConsoleError::NeedsFresh)
        }
    }
}

/// 32 random bytes as 64 hex digits.
fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}
