//! Console sessions: created by a sign-in, found by the cookie's value, ended by sign-out
//! or after at most 8 hours.

use super::{random_token, Console, ConsoleError};
use switchboard_domain::ids::ConsoleUserSid;
use switchboard_store::{ConsoleCredential, ConsoleSession, ConsoleUser};

/// A new session: the cookie value (shown once) and the session itself.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub session: ConsoleSession,
    pub user: ConsoleUser,
}

impl Console {
    /// Opens a session for `user` (just proved presence, so it starts fresh).
    pub(super) async fn sign_in(&self, user: ConsoleUser) -> Result<SignedIn, ConsoleError> {
        let token = random_token();
        let now = self.now();
        let session = ConsoleSession {
            id_hash: self.token_hash("session", &token),
            user_sid: user.sid.clone(),
            realm: user.realm.clone(),
            account_sid: user.account_sid.clone(),
            role: user.role.clone(),
            csrf: random_token(),
            date_created: now,
            expires_at: now + self.settings.session_ttl_ms.min(8 * 3_600_000),
            fresh_at: now,
        };
        self.store
            .create_console_session(session.clone(), now)
            .await?;
        Ok(SignedIn {
            token,
            session,
            user,
        })
    }

    /// The live session behind a cookie value, if any. A disabled user's sessions end.
    pub async fn session(&self, token: &str) -> Result<Option<ConsoleSession>, ConsoleError> {
        if token.len() != 64 {
            return Ok(None);
        }
        let s = self
            .store
            .get_console_session(&self.token_hash("session", token), self.now())
            .await?;
        Ok(s)
    }

    /// Ends a session.
    pub async fn sign_out(&self, session: &ConsoleSession) -> Result<(), ConsoleError> {
        self.store.delete_console_session(&session.id_hash).await?;
        Ok(())
    }

    /// A user's passkeys / security keys, oldest first.
    pub async fn keys(&self, sid: &ConsoleUserSid) -> Result<Vec<ConsoleCredential>, ConsoleError> {
        Ok(self.store.list_console_credentials(sid).await?)
    }

    /// The console users of the session's account (owners and admins manage them).
    pub async fn team(&self, session: &ConsoleSession) -> Result<Vec<ConsoleUser>, ConsoleError> {
        Ok(self
            .store
            .list_console_users(&session.realm, session.account_sid.as_ref())
            .await?)
    }

    /// Changes a team member's role or disables them (owner only; their sessions end).
    pub async fn set_member(
        &self,
        session: &ConsoleSession,
        member: &ConsoleUserSid,
        role: &str,
        active: bool,
    ) -> Result<ConsoleUser, ConsoleError> {
        if session.role != "owner" {
            return Err(ConsoleError::Denied(
                "only an owner can change roles".into(),
            ));
        }
        self.require_fresh(session)?;
        if !super::ROLES.contains(&role) {
            return Err(ConsoleError::Invalid(format!("unknown role `{role}`")));
        }
        let user = self.user(member).await?;
        if user.account_sid != session.account_sid || user.realm != session.realm {
            return Err(ConsoleError::NotFound("no such user".into()));
        }
        let status = if active { "active" } else { "disabled" };
        self.store
            .update_console_user(member, role, status, self.now())
            .await?;
        self.store.delete_console_sessions_of(member).await?;
        self.user(member).await
    }
}
