//! Records of the web console and the operator plane: users (customers' console users and
//! installation operators), their passkeys, one-time invites, open WebAuthn ceremonies,
//! sessions and operators' time-boxed support grants.
//!
//! Secrets never reach this crate in clear: invite tokens and session ids are stored as
//! keyed hashes computed by core.

use crate::passkeys::PasskeyCredential;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, ConsoleUserSid, MessageSid};

/// Which plane a user belongs to.
pub mod realm {
    /// A customer's console user: belongs to one account, has a role.
    pub const CONSOLE: &str = "console";
    /// An installation operator: no account; device-bound security keys only.
    pub const OPERATOR: &str = "operator";
}

/// A console user or an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleUser {
    pub sid: ConsoleUserSid,
    /// One of [`realm`].
    pub realm: String,
    /// The account a console user belongs to; `None` for operators.
    pub account_sid: Option<AccountSid>,
    /// `owner`, `admin`, `developer`, `viewer` (console) or `operator`.
    pub role: String,
    /// A display name (e-mail or name), shown in the console and the audit log.
    pub name: String,
    /// The WebAuthn user handle (64 random bytes), unique.
    pub user_handle: Vec<u8>,
    /// `active` or `disabled`.
    pub status: String,
    pub date_created: Millis,
    pub date_updated: Millis,
}

/// A one-time invite, keyed by the keyed hash of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleInvite {
    pub token_hash: Vec<u8>,
    /// One of [`realm`].
    pub realm: String,
    pub account_sid: Option<AccountSid>,
    pub role: String,
    /// The invitee's display name.
    pub name: String,
    /// Who created it (`cli`, `user:US…`).
    pub created_by: String,
    pub expires_at: Millis,
    pub date_created: Millis,
}

/// A registered passkey / security key of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleCredential {
    pub user_sid: ConsoleUserSid,
    /// `id` (unique across the installation), transports, static and dynamic state.
    pub credential: PasskeyCredential,
    /// The authenticator said the credential may be synced/backed up (BE flag).
    pub backup_eligible: bool,
    pub friendly_name: String,
    pub date_created: Millis,
    pub last_used: Option<Millis>,
}

/// Ceremony kinds of the console.
pub mod console_ceremony {
    /// Registering a first key while redeeming an invite (`invite_hash` set).
    pub const INVITE: &str = "invite";
    /// A signed-in user adding another key (`user_sid` set).
    pub const ADD_KEY: &str = "add-key";
    /// Signing in (discoverable credential; no user known yet).
    pub const LOGIN: &str = "login";
    /// A fresh assertion inside a session before a sensitive action (`session_hash` set).
    pub const FRESH: &str = "fresh";
}

/// An open WebAuthn ceremony, keyed by its challenge; taken (deleted) when finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleCeremony {
    /// 32 lowercase hex digits.
    pub challenge: String,
    /// One of [`console_ceremony`].
    pub kind: String,
    /// One of [`realm`].
    pub realm: String,
    pub user_sid: Option<ConsoleUserSid>,
    pub invite_hash: Option<Vec<u8>>,
    pub session_hash: Option<Vec<u8>>,
    /// The `webauthn_rp` server state, encoded.
    pub state: Vec<u8>,
    pub expires_at: Millis,
    pub date_created: Millis,
}

/// A signed-in browser session, keyed by the keyed hash of its cookie value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    pub id_hash: Vec<u8>,
    pub user_sid: ConsoleUserSid,
    /// One of [`realm`].
    pub realm: String,
    pub account_sid: Option<AccountSid>,
    pub role: String,
    /// The CSRF token every state-changing request must echo.
    pub csrf: String,
    pub date_created: Millis,
    /// Hard end (at most 8 h after creation).
    pub expires_at: Millis,
    /// When the user last proved presence with a WebAuthn assertion.
    pub fresh_at: Millis,
}

/// An account owner's time-boxed grant of support access to operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportGrant {
    pub id: i64,
    pub account_sid: AccountSid,
    /// `user:US…` of the owner who granted it.
    pub granted_by: String,
    pub reason: String,
    pub date_created: Millis,
    pub expires_at: Millis,
    /// Set when the owner ended it early.
    pub revoked_at: Option<Millis>,
}

/// What redeeming an invite did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemOutcome {
    /// The user exists with its first credential; the invite is used up.
    Created,
    /// No unused, unexpired invite with that hash.
    InviteGone,
    /// A credential with that id is already registered; nothing changed.
    CredentialExists,
}

/// How many messages had a status in one time window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCount {
    pub bucket: Millis,
    pub status: String,
    pub count: u64,
}

/// A message the shield flagged or blocked (its text stays in the message record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedVerdict {
    pub seq: i64,
    pub sid: MessageSid,
    pub direction: String,
    pub status: String,
    pub verdict: String,
    pub score: u32,
    pub date_created: Millis,
}

/// One webhook delivery row, as the console's log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookLogEntry {
    pub id: i64,
    pub kind: String,
    pub message_sid: MessageSid,
    pub url: String,
    pub method: String,
    pub status: String,
    pub state: String,
    pub attempts: u32,
    pub response_code: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub finished_at: Option<Millis>,
}

/// An account as operators see it: metadata only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub sid: AccountSid,
    pub friendly_name: String,
    pub status: String,
    pub date_created: Millis,
}
