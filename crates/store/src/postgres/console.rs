//! The web console and the operator plane on PostgreSQL. An invite is used up with a
//! conditional `UPDATE` (a racing second redeem waits on the row lock, then finds it used)
//! and a ceremony is taken with `DELETE … RETURNING`, so across nodes exactly one request
//! gets each; a credential id is unique by primary key.

use super::rows::{account_sid, corrupt};
use super::PgStore;
use crate::console::*;
use crate::error::Result;
use crate::passkeys::PasskeyCredential;
use crate::ConsoleStore;
use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, ConsoleUserSid};

const USER_COLUMNS: &str =
    "sid, realm, account_sid, role, name, user_handle, status, date_created, date_updated";
const CREDENTIAL_COLUMNS: &str = "credential_id, user_sid, transports, static_state, \
     dynamic_state, backup_eligible, friendly_name, date_created, last_used";
const INVITE_COLUMNS: &str =
    "token_hash, realm, account_sid, role, name, created_by, expires_at, date_created";
const CEREMONY_COLUMNS: &str = "challenge, kind, realm, user_sid, invite_hash, session_hash, \
     state, expires_at, date_created";
const SESSION_COLUMNS: &str = "id_hash, user_sid, realm, account_sid, role, csrf, date_created, \
     expires_at, fresh_at";
const GRANT_COLUMNS: &str =
    "id, account_sid, granted_by, reason, date_created, expires_at, revoked_at";

fn user_sid(v: &str) -> Result<ConsoleUserSid> {
    ConsoleUserSid::parse(v).map_err(|_| corrupt("console user sid", v))
}

fn opt_account(v: Option<&str>) -> Result<Option<AccountSid>> {
    v.map(account_sid).transpose()
}

fn user(r: &PgRow) -> Result<ConsoleUser> {
    Ok(ConsoleUser {
        sid: user_sid(r.try_get(0)?)?,
        realm: r.try_get(1)?,
        account_sid: opt_account(r.try_get(2)?)?,
        role: r.try_get(3)?,
        name: r.try_get(4)?,
        user_handle: r.try_get(5)?,
        status: r.try_get(6)?,
        date_created: r.try_get(7)?,
        date_updated: r.try_get(8)?,
    })
}

fn credential(r: &PgRow) -> Result<ConsoleCredential> {
    Ok(ConsoleCredential {
        credential: PasskeyCredential {
            id: r.try_get(0)?,
            transports: r.try_get(2)?,
            static_state: r.try_get(3)?,
            dynamic_state: r.try_get(4)?,
        },
        user_sid: user_sid(r.try_get(1)?)?,
        backup_eligible: r.try_get(5)?,
        friendly_name: r.try_get(6)?,
        date_created: r.try_get(7)?,
        last_used: r.try_get(8)?,
    })
}

fn invite(r: &PgRow) -> Result<ConsoleInvite> {
    Ok(ConsoleInvite {
        token_hash: r.try_get(0)?,
        realm: r.try_get(1)?,
        account_sid: opt_account(r.try_get(2)?)?,
        role: r.try_get(3)?,
        name: r.try_get(4)?,
        created_by: r.try_get(5)?,
        expires_at: r.try_get(6)?,
        date_created: r.try_get(7)?,
    })
}

fn ceremony(r: &PgRow) -> Result<ConsoleCeremony> {
    let user: Option<&str> = r.try_get(3)?;
    Ok(ConsoleCeremony {
        challenge: r.try_get(0)?,
        kind: r.try_get(1)?,
        realm: r.try_get(2)?,
        user_sid: user.map(user_sid).transpose()?,
        invite_hash: r.try_get(4)?,
        session_hash: r.try_get(5)?,
        state: r.try_get(6)?,
        expires_at: r.try_get(7)?,
        date_created: r.try_get(8)?,
    })
}

fn session(r: &PgRow) -> Result<ConsoleSession> {
    Ok(ConsoleSession {
        id_hash: r.try_get(0)?,
        user_sid: user_sid(r.try_get(1)?)?,
        realm: r.try_get(2)?,
        account_sid: opt_account(r.try_get(3)?)?,
        role: r.try_get(4)?,
        csrf: r.try_get(5)?,
        date_created: r.try_get(6)?,
        expires_at: r.try_get(7)?,
        fresh_at: r.try_get(8)?,
    })
}

fn grant(r: &PgRow) -> Result<SupportGrant> {
    Ok(SupportGrant {
        id: r.try_get(0)?,
        account_sid: account_sid(r.try_get(1)?)?,
        granted_by: r.try_get(2)?,
        reason: r.try_get(3)?,
        date_created: r.try_get(4)?,
        expires_at: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
    })
}

/// Inserts the credential unless its id is taken; `false` if it is.
async fn insert_credential(c: &mut PgConnection, k: &ConsoleCredential) -> Result<bool> {
    let r = sqlx::query(&format!(
        "INSERT INTO console_credentials ({CREDENTIAL_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (credential_id) DO NOTHING"
    ))
    .bind(&k.credential.id)
    .bind(k.user_sid.as_str())
    .bind(&k.credential.transports)
    .bind(&k.credential.static_state)
    .bind(&k.credential.dynamic_state)
    .bind(k.backup_eligible)
    .bind(&k.friendly_name)
    .bind(k.date_created)
    .bind(k.last_used)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

#[async_trait]
impl ConsoleStore for PgStore {
    async fn create_console_invite(&self, i: ConsoleInvite) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO console_invites ({INVITE_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(&i.token_hash)
        .bind(&i.realm)
        .bind(i.account_sid.as_ref().map(|a| a.as_str()))
        .bind(&i.role)
        .bind(&i.name)
        .bind(&i.created_by)
        .bind(i.expires_at)
        .bind(i.date_created)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn get_console_invite(
        &self,
        token_hash: &[u8],
        now: Millis,
    ) -> Result<Option<ConsoleInvite>> {
        sqlx::query(&format!(
            "SELECT {INVITE_COLUMNS} FROM console_invites WHERE token_hash = $1 \
             AND used_at IS NULL AND expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(invite)
        .transpose()
    }

    async fn redeem_console_invite(
        &self,
        token_hash: &[u8],
        u: ConsoleUser,
        credential: ConsoleCredential,
        now: Millis,
    ) -> Result<RedeemOutcome> {
        // Any early return drops `tx`, which rolls everything back.
        let mut tx = self.pool().begin().await?;
        let used = sqlx::query(
            "UPDATE console_invites SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() == 0 {
            return Ok(RedeemOutcome::InviteGone);
        }
        sqlx::query(&format!(
            "INSERT INTO console_users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(u.sid.as_str())
        .bind(&u.realm)
        .bind(u.account_sid.as_ref().map(|a| a.as_str()))
        .bind(&u.role)
        .bind(&u.name)
        .bind(&u.user_handle)
        .bind(&u.status)
        .bind(u.date_created)
        .bind(u.date_updated)
        .execute(&mut *tx)
        .await?;
        if !insert_credential(&mut tx, &credential).await? {
            tx.rollback().await?;
            return Ok(RedeemOutcome::CredentialExists);
        }
        tx.commit().await?;
        Ok(RedeemOutcome::Created)
    }

    async fn get_console_user(&self, sid: &ConsoleUserSid) -> Result<Option<ConsoleUser>> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM console_users WHERE sid = $1"
        ))
        .bind(sid.as_str())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(user)
        .transpose()
    }

    async fn get_console_user_by_handle(&self, handle: &[u8]) -> Result<Option<ConsoleUser>> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM console_users WHERE user_handle = $1"
        ))
        .bind(handle)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(user)
        .transpose()
    }

    async fn list_console_users(
        &self,
        realm: &str,
        account: Option<&AccountSid>,
    ) -> Result<Vec<ConsoleUser>> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM console_users WHERE realm = $1 \
             AND ($2::TEXT IS NULL OR account_sid = $2) ORDER BY date_created, sid"
        ))
        .bind(realm)
        .bind(account.map(|a| a.as_str()))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(user)
        .collect()
    }

    async fn update_console_user(
        &self,
        sid: &ConsoleUserSid,
        role: &str,
        status: &str,
        now: Millis,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE console_users SET role = $2, status = $3, date_updated = $4 WHERE sid = $1",
        )
        .bind(sid.as_str())
        .bind(role)
        .bind(status)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn add_console_credential(&self, credential: ConsoleCredential) -> Result<bool> {
        let mut c = self.pool().acquire().await?;
        insert_credential(&mut c, &credential).await
    }

    async fn get_console_credential(&self, id: &[u8]) -> Result<Option<ConsoleCredential>> {
        sqlx::query(&format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM console_credentials WHERE credential_id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(credential)
        .transpose()
    }

    async fn list_console_credentials(
        &self,
        user: &ConsoleUserSid,
    ) -> Result<Vec<ConsoleCredential>> {
        sqlx::query(&format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM console_credentials WHERE user_sid = $1 \
             ORDER BY date_created, credential_id"
        ))
        .bind(user.as_str())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(credential)
        .collect()
    }

    async fn update_console_credential(
        &self,
        id: &[u8],
        dynamic_state: Vec<u8>,
        now: Millis,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE console_credentials SET dynamic_state = $2, last_used = $3 \
             WHERE credential_id = $1",
        )
        .bind(id)
        .bind(dynamic_state)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn put_console_ceremony(&self, e: ConsoleCeremony, now: Millis) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM console_ceremonies WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO console_ceremonies ({CEREMONY_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&e.challenge)
        .bind(&e.kind)
        .bind(&e.realm)
        .bind(e.user_sid.as_ref().map(|u| u.as_str()))
        .bind(&e.invite_hash)
        .bind(&e.session_hash)
        .bind(&e.state)
        .bind(e.expires_at)
        .bind(e.date_created)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_console_ceremony(
        &self,
        challenge: &str,
        now: Millis,
    ) -> Result<Option<ConsoleCeremony>> {
        let row = sqlx::query(&format!(
            "DELETE FROM console_ceremonies WHERE challenge = $1 RETURNING {CEREMONY_COLUMNS}"
        ))
        .bind(challenge)
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .as_ref()
            .map(ceremony)
            .transpose()?
            .filter(|e| e.expires_at > now))
    }

    async fn create_console_session(&self, s: ConsoleSession, now: Millis) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO console_sessions ({SESSION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&s.id_hash)
        .bind(s.user_sid.as_str())
        .bind(&s.realm)
        .bind(s.account_sid.as_ref().map(|a| a.as_str()))
        .bind(&s.role)
        .bind(&s.csrf)
        .bind(s.date_created)
        .bind(s.expires_at)
        .bind(s.fresh_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_console_session(
        &self,
        id_hash: &[u8],
        now: Millis,
    ) -> Result<Option<ConsoleSession>> {
        sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM console_sessions WHERE id_hash = $1 \
             AND expires_at > $2"
        ))
        .bind(id_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(session)
        .transpose()
    }

    async fn set_console_session_fresh(&self, id_hash: &[u8], at: Millis) -> Result<bool> {
        let r = sqlx::query("UPDATE console_sessions SET fresh_at = $2 WHERE id_hash = $1")
            .bind(id_hash)
            .bind(at)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn delete_console_session(&self, id_hash: &[u8]) -> Result<()> {
        sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn delete_console_sessions_of(&self, user: &ConsoleUserSid) -> Result<u64> {
        let r = sqlx::query("DELETE FROM console_sessions WHERE user_sid = $1")
            .bind(user.as_str())
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected())
    }

    async fn create_support_grant(&self, g: SupportGrant) -> Result<SupportGrant> {
        let id: i64 = sqlx::query(
            "INSERT INTO support_grants (account_sid, granted_by, reason, date_created, \
             expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(g.account_sid.as_str())
        .bind(&g.granted_by)
        .bind(&g.reason)
        .bind(g.date_created)
        .bind(g.expires_at)
        .bind(g.revoked_at)
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        Ok(SupportGrant { id, ..g })
    }

    async fn active_support_grant(
        &self,
        account: &AccountSid,
        now: Millis,
    ) -> Result<Option<SupportGrant>> {
        sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM support_grants WHERE account_sid = $1 \
             AND revoked_at IS NULL AND expires_at > $2 ORDER BY expires_at DESC, id DESC LIMIT 1"
        ))
        .bind(account.as_str())
        .bind(now)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(grant)
        .transpose()
    }

    async fn list_support_grants(&self, account: &AccountSid) -> Result<Vec<SupportGrant>> {
        sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM support_grants WHERE account_sid = $1 \
             ORDER BY date_created DESC, id DESC"
        ))
        .bind(account.as_str())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(grant)
        .collect()
    }

    async fn revoke_support_grant(
        &self,
        account: &AccountSid,
        id: i64,
        now: Millis,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE support_grants SET revoked_at = $3 \
             WHERE account_sid = $1 AND id = $2 AND revoked_at IS NULL",
        )
        .bind(account.as_str())
        .bind(id)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() > 0)
    }
}
