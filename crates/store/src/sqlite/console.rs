//! The web console and the operator plane on SQLite. Every change runs on the single
//! writer, so an invite is redeemed and a ceremony taken by exactly one request, and the
//! credential-id check cannot race.

use super::rows::{account_sid, corrupt};
use super::SqliteStore;
use crate::console::*;
use crate::error::{Error, Result};
use crate::passkeys::PasskeyCredential;
use crate::ConsoleStore;
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
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

fn user_sid(v: String) -> rusqlite::Result<ConsoleUserSid> {
    ConsoleUserSid::parse(&v).map_err(|_| corrupt("console user sid", &v))
}

fn opt_account(v: Option<String>) -> rusqlite::Result<Option<AccountSid>> {
    v.map(account_sid).transpose()
}

fn user(r: &Row<'_>) -> rusqlite::Result<ConsoleUser> {
    Ok(ConsoleUser {
        sid: user_sid(r.get(0)?)?,
        realm: r.get(1)?,
        account_sid: opt_account(r.get(2)?)?,
        role: r.get(3)?,
        name: r.get(4)?,
        user_handle: r.get(5)?,
        status: r.get(6)?,
        date_created: r.get(7)?,
        date_updated: r.get(8)?,
    })
}

fn credential(r: &Row<'_>) -> rusqlite::Result<ConsoleCredential> {
    Ok(ConsoleCredential {
        credential: PasskeyCredential {
            id: r.get(0)?,
            transports: r.get(2)?,
            static_state: r.get(3)?,
            dynamic_state: r.get(4)?,
        },
        user_sid: user_sid(r.get(1)?)?,
        backup_eligible: r.get(5)?,
        friendly_name: r.get(6)?,
        date_created: r.get(7)?,
        last_used: r.get(8)?,
    })
}

fn invite(r: &Row<'_>) -> rusqlite::Result<ConsoleInvite> {
    Ok(ConsoleInvite {
        token_hash: r.get(0)?,
        realm: r.get(1)?,
        account_sid: opt_account(r.get(2)?)?,
        role: r.get(3)?,
        name: r.get(4)?,
        created_by: r.get(5)?,
        expires_at: r.get(6)?,
        date_created: r.get(7)?,
    })
}

fn ceremony(r: &Row<'_>) -> rusqlite::Result<ConsoleCeremony> {
    Ok(ConsoleCeremony {
        challenge: r.get(0)?,
        kind: r.get(1)?,
        realm: r.get(2)?,
        user_sid: r.get::<_, Option<String>>(3)?.map(user_sid).transpose()?,
        invite_hash: r.get(4)?,
        session_hash: r.get(5)?,
        state: r.get(6)?,
        expires_at: r.get(7)?,
        date_created: r.get(8)?,
    })
}

fn session(r: &Row<'_>) -> rusqlite::Result<ConsoleSession> {
    Ok(ConsoleSession {
        id_hash: r.get(0)?,
        user_sid: user_sid(r.get(1)?)?,
        realm: r.get(2)?,
        account_sid: opt_account(r.get(3)?)?,
        role: r.get(4)?,
        csrf: r.get(5)?,
        date_created: r.get(6)?,
        expires_at: r.get(7)?,
        fresh_at: r.get(8)?,
    })
}

fn grant(r: &Row<'_>) -> rusqlite::Result<SupportGrant> {
    Ok(SupportGrant {
        id: r.get(0)?,
        account_sid: account_sid(r.get(1)?)?,
        granted_by: r.get(2)?,
        reason: r.get(3)?,
        date_created: r.get(4)?,
        expires_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

fn insert_user(c: &Connection, u: &ConsoleUser) -> Result<()> {
    c.prepare_cached(&format!(
        "INSERT INTO console_users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))?
    .execute(params![
        u.sid.as_str(),
        u.realm,
        u.account_sid.as_ref().map(|a| a.as_str()),
        u.role,
        u.name,
        u.user_handle,
        u.status,
        u.date_created,
        u.date_updated,
    ])?;
    Ok(())
}

/// Inserts the credential unless its id is taken; `false` if it is.
fn insert_credential(c: &Connection, k: &ConsoleCredential) -> Result<bool> {
    let n = c
        .prepare_cached(&format!(
            "INSERT INTO console_credentials ({CREDENTIAL_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (credential_id) DO NOTHING"
        ))?
        .execute(params![
            k.credential.id,
            k.user_sid.as_str(),
            k.credential.transports,
            k.credential.static_state,
            k.credential.dynamic_state,
            k.backup_eligible,
            k.friendly_name,
            k.date_created,
            k.last_used,
        ])?;
    Ok(n > 0)
}

fn redeem(
    c: &Connection,
    token_hash: &[u8],
    user: &ConsoleUser,
    credential: &ConsoleCredential,
    now: Millis,
) -> Result<RedeemOutcome> {
    // Checks first, then writes: an outcome other than `Created` must leave nothing changed
    // (only an error rolls the savepoint back). The single writer keeps this race-free.
    let usable: bool = c
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM console_invites WHERE token_hash = ?1 \
             AND used_at IS NULL AND expires_at > ?2)",
        )?
        .query_row(params![token_hash, now], |r| r.get(0))?;
    if !usable {
        return Ok(RedeemOutcome::InviteGone);
    }
    let taken: bool = c
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM console_credentials WHERE credential_id = ?1)",
        )?
        .query_row([&credential.credential.id], |r| r.get(0))?;
    if taken {
        return Ok(RedeemOutcome::CredentialExists);
    }
    let n = c
        .prepare_cached(
            "UPDATE console_invites SET used_at = ?2 \
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
        )?
        .execute(params![token_hash, now])?;
    if n == 0 {
        return Err(Error::Other("invite vanished while redeeming it".into()));
    }
    insert_user(c, user)?;
    if !insert_credential(c, credential)? {
        return Err(Error::Other("credential appeared while redeeming".into()));
    }
    Ok(RedeemOutcome::Created)
}

#[async_trait]
impl ConsoleStore for SqliteStore {
    async fn create_console_invite(&self, i: ConsoleInvite) -> Result<()> {
        self.write(move |c| {
            c.prepare_cached(&format!(
                "INSERT INTO console_invites ({INVITE_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ))?
            .execute(params![
                i.token_hash,
                i.realm,
                i.account_sid.as_ref().map(|a| a.as_str()),
                i.role,
                i.name,
                i.created_by,
                i.expires_at,
                i.date_created,
            ])?;
            Ok(())
        })
        .await
    }

    async fn get_console_invite(
        &self,
        token_hash: &[u8],
        now: Millis,
    ) -> Result<Option<ConsoleInvite>> {
        let hash = token_hash.to_vec();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {INVITE_COLUMNS} FROM console_invites WHERE token_hash = ?1 \
                 AND used_at IS NULL AND expires_at > ?2"
            ))?
            .query_row(params![hash, now], invite)
            .optional()?)
        })
        .await
    }

    async fn redeem_console_invite(
        &self,
        token_hash: &[u8],
        user: ConsoleUser,
        credential: ConsoleCredential,
        now: Millis,
    ) -> Result<RedeemOutcome> {
        let hash = token_hash.to_vec();
        self.write(move |c| redeem(c, &hash, &user, &credential, now))
            .await
    }

    async fn get_console_user(&self, sid: &ConsoleUserSid) -> Result<Option<ConsoleUser>> {
        let sid = sid.as_str().to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM console_users WHERE sid = ?1"
            ))?
            .query_row([sid], user)
            .optional()?)
        })
        .await
    }

    async fn get_console_user_by_handle(&self, handle: &[u8]) -> Result<Option<ConsoleUser>> {
        let handle = handle.to_vec();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM console_users WHERE user_handle = ?1"
            ))?
            .query_row([handle], user)
            .optional()?)
        })
        .await
    }

    async fn list_console_users(
        &self,
        realm: &str,
        account: Option<&AccountSid>,
    ) -> Result<Vec<ConsoleUser>> {
        let (realm, account) = (realm.to_owned(), account.map(|a| a.as_str().to_owned()));
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM console_users WHERE realm = ?1 \
                 AND (?2 IS NULL OR account_sid = ?2) ORDER BY date_created, sid"
            ))?;
            let rows = st.query_map(params![realm, account], user)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn update_console_user(
        &self,
        sid: &ConsoleUserSid,
        role: &str,
        status: &str,
        now: Millis,
    ) -> Result<bool> {
        let (sid, role, status) = (sid.as_str().to_owned(), role.to_owned(), status.to_owned());
        self.write(move |c| {
            let n = c
                .prepare_cached(
                    "UPDATE console_users SET role = ?2, status = ?3, date_updated = ?4 \
                     WHERE sid = ?1",
                )?
                .execute(params![sid, role, status, now])?;
            Ok(n > 0)
        })
        .await
    }

    async fn add_console_credential(&self, credential: ConsoleCredential) -> Result<bool> {
        self.write(move |c| insert_credential(c, &credential)).await
    }

    async fn get_console_credential(&self, id: &[u8]) -> Result<Option<ConsoleCredential>> {
        let id = id.to_vec();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM console_credentials WHERE credential_id = ?1"
            ))?
            .query_row([id], credential)
            .optional()?)
        })
        .await
    }

    async fn list_console_credentials(
        &self,
        user: &ConsoleUserSid,
    ) -> Result<Vec<ConsoleCredential>> {
        let user = user.as_str().to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM console_credentials WHERE user_sid = ?1 \
                 ORDER BY date_created, credential_id"
            ))?;
            let rows = st.query_map([user], credential)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn update_console_credential(
        &self,
        id: &[u8],
        dynamic_state: Vec<u8>,
        now: Millis,
    ) -> Result<bool> {
        let id = id.to_vec();
        self.write(move |c| {
            let n = c
                .prepare_cached(
                    "UPDATE console_credentials SET dynamic_state = ?2, last_used = ?3 \
                     WHERE credential_id = ?1",
                )?
                .execute(params![id, dynamic_state, now])?;
            Ok(n > 0)
        })
        .await
    }

    async fn put_console_ceremony(&self, e: ConsoleCeremony, now: Millis) -> Result<()> {
        self.write(move |c| {
            c.prepare_cached("DELETE FROM console_ceremonies WHERE expires_at <= ?1")?
                .execute([now])?;
            c.prepare_cached(&format!(
                "INSERT INTO console_ceremonies ({CEREMONY_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))?
            .execute(params![
                e.challenge,
                e.kind,
                e.realm,
                e.user_sid.as_ref().map(|u| u.as_str()),
                e.invite_hash,
                e.session_hash,
                e.state,
                e.expires_at,
                e.date_created,
            ])?;
            Ok(())
        })
        .await
    }

    async fn take_console_ceremony(
        &self,
        challenge: &str,
        now: Millis,
    ) -> Result<Option<ConsoleCeremony>> {
        let challenge = challenge.to_owned();
        self.write(move |c| {
            let found = c
                .prepare_cached(&format!(
                    "SELECT {CEREMONY_COLUMNS} FROM console_ceremonies WHERE challenge = ?1"
                ))?
                .query_row([&challenge], ceremony)
                .optional()?;
            if found.is_some() {
                c.prepare_cached("DELETE FROM console_ceremonies WHERE challenge = ?1")?
                    .execute([&challenge])?;
            }
            Ok(found.filter(|e| e.expires_at > now))
        })
        .await
    }

    async fn create_console_session(&self, s: ConsoleSession, now: Millis) -> Result<()> {
        self.write(move |c| {
            c.prepare_cached("DELETE FROM console_sessions WHERE expires_at <= ?1")?
                .execute([now])?;
            c.prepare_cached(&format!(
                "INSERT INTO console_sessions ({SESSION_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))?
            .execute(params![
                s.id_hash,
                s.user_sid.as_str(),
                s.realm,
                s.account_sid.as_ref().map(|a| a.as_str()),
                s.role,
                s.csrf,
                s.date_created,
                s.expires_at,
                s.fresh_at,
            ])?;
            Ok(())
        })
        .await
    }

    async fn get_console_session(
        &self,
        id_hash: &[u8],
        now: Millis,
    ) -> Result<Option<ConsoleSession>> {
        let id = id_hash.to_vec();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {SESSION_COLUMNS} FROM console_sessions WHERE id_hash = ?1 \
                 AND expires_at > ?2"
            ))?
            .query_row(params![id, now], session)
            .optional()?)
        })
        .await
    }

    async fn set_console_session_fresh(&self, id_hash: &[u8], at: Millis) -> Result<bool> {
        let id = id_hash.to_vec();
        self.write(move |c| {
            let n = c
                .prepare_cached("UPDATE console_sessions SET fresh_at = ?2 WHERE id_hash = ?1")?
                .execute(params![id, at])?;
            Ok(n > 0)
        })
        .await
    }

    async fn delete_console_session(&self, id_hash: &[u8]) -> Result<()> {
        let id = id_hash.to_vec();
        self.write(move |c| {
            c.prepare_cached("DELETE FROM console_sessions WHERE id_hash = ?1")?
                .execute([id])?;
            Ok(())
        })
        .await
    }

    async fn delete_console_sessions_of(&self, user: &ConsoleUserSid) -> Result<u64> {
        let user = user.as_str().to_owned();
        self.write(move |c| {
            let n = c
                .prepare_cached("DELETE FROM console_sessions WHERE user_sid = ?1")?
                .execute([user])?;
            Ok(n as u64)
        })
        .await
    }

    async fn create_support_grant(&self, g: SupportGrant) -> Result<SupportGrant> {
        self.write(move |c| {
            c.prepare_cached(
                "INSERT INTO support_grants (account_sid, granted_by, reason, date_created, \
                 expires_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                g.account_sid.as_str(),
                g.granted_by,
                g.reason,
                g.date_created,
                g.expires_at,
                g.revoked_at,
            ])?;
            let id = c.last_insert_rowid();
            Ok(SupportGrant { id, ..g })
        })
        .await
    }

    async fn active_support_grant(
        &self,
        account: &AccountSid,
        now: Millis,
    ) -> Result<Option<SupportGrant>> {
        let account = account.as_str().to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {GRANT_COLUMNS} FROM support_grants WHERE account_sid = ?1 \
                 AND revoked_at IS NULL AND expires_at > ?2 ORDER BY expires_at DESC, id DESC \
                 LIMIT 1"
            ))?
            .query_row(params![account, now], grant)
            .optional()?)
        })
        .await
    }

    async fn list_support_grants(&self, account: &AccountSid) -> Result<Vec<SupportGrant>> {
        let account = account.as_str().to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {GRANT_COLUMNS} FROM support_grants WHERE account_sid = ?1 \
                 ORDER BY date_created DESC, id DESC"
            ))?;
            let rows = st.query_map([account], grant)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn revoke_support_grant(
        &self,
        account: &AccountSid,
        id: i64,
        now: Millis,
    ) -> Result<bool> {
        let account = account.as_str().to_owned();
        self.write(move |c| {
            let n = c
                .prepare_cached(
                    "UPDATE support_grants SET revoked_at = ?3 \
                     WHERE account_sid = ?1 AND id = ?2 AND revoked_at IS NULL",
                )?
                .execute(params![account, id, now])?;
            Ok(n > 0)
        })
        .await
    }
}
