//! Support grants: an account owner lets operators see the account's data for a limited
//! time. Without an active grant, operator routes show metadata and counts only.

use super::{Console, ConsoleError};
use switchboard_domain::ids::AccountSid;
use switchboard_store::{ConsoleSession, SupportGrant};

/// Longest grant an owner can give.
pub const MAX_GRANT_HOURS: i64 = 72;

impl Console {
    /// Grants operators support access to the session's account for `hours` (owner only,
    /// fresh assertion required).
    pub async fn grant_support(
        &self,
        session: &ConsoleSession,
        hours: i64,
        reason: &str,
    ) -> Result<SupportGrant, ConsoleError> {
        let account = owner_account(session)?;
        self.require_fresh(session)?;
        if !(1..=MAX_GRANT_HOURS).contains(&hours) {
            return Err(ConsoleError::Invalid(format!(
                "a grant lasts 1 to {MAX_GRANT_HOURS} hours"
            )));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.len() > 200 {
            return Err(ConsoleError::Invalid(
                "say why (1 to 200 characters)".into(),
            ));
        }
        let now = self.now();
        Ok(self
            .store
            .create_support_grant(SupportGrant {
                id: 0,
                account_sid: account.clone(),
                granted_by: format!("user:{}", session.user_sid),
                reason: reason.to_owned(),
                date_created: now,
                expires_at: now + hours * 3_600_000,
                revoked_at: None,
            })
            .await?)
    }

    /// Ends a grant early (owner only).
    pub async fn revoke_support(
        &self,
        session: &ConsoleSession,
        id: i64,
    ) -> Result<(), ConsoleError> {
        let account = owner_account(session)?;
        if self
            .store
            .revoke_support_grant(account, id, self.now())
            .await?
        {
            Ok(())
        } else {
            Err(ConsoleError::NotFound("no such active grant".into()))
        }
    }

    /// The account's grant in force now, if any.
    pub async fn active_grant(
        &self,
        account: &AccountSid,
    ) -> Result<Option<SupportGrant>, ConsoleError> {
        Ok(self.store.active_support_grant(account, self.now()).await?)
    }

    /// The account's grants, newest first.
    pub async fn grants(&self, account: &AccountSid) -> Result<Vec<SupportGrant>, ConsoleError> {
        Ok(self.store.list_support_grants(account).await?)
    }
}

fn owner_account(session: &ConsoleSession) -> Result<&AccountSid, ConsoleError> {
    match (&session.account_sid, session.role.as_str()) {
        (Some(a), "owner") => Ok(a),
        _ => Err(ConsoleError::Denied(
            "only an account owner can grant support access".into(),
        )),
    }
}
