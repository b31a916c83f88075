//! TEMPORARY stub: replaced by the real SqliteStore implementation (branch console-store).
use super::SqliteStore;
use crate::console::*;
use crate::error::{Error, Result};
use crate::ConsoleStore;
use async_trait::async_trait;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, ConsoleUserSid};

fn todo<T>() -> Result<T> {
    Err(Error::Other("console store not implemented yet".into()))
}

#[async_trait]
impl ConsoleStore for SqliteStore {
    async fn create_console_invite(&self, _invite: ConsoleInvite) -> Result<()> {
        todo()
    }
    async fn get_console_invite(
        &self,
        _token_hash: &[u8],
        _now: Millis,
    ) -> Result<Option<ConsoleInvite>> {
        todo()
    }
    async fn redeem_console_invite(
        &self,
        _token_hash: &[u8],
        _user: ConsoleUser,
        _credential: ConsoleCredential,
        _now: Millis,
    ) -> Result<RedeemOutcome> {
        todo()
    }
    async fn get_console_user(&self, _sid: &ConsoleUserSid) -> Result<Option<ConsoleUser>> {
        todo()
    }
    async fn get_console_user_by_handle(&self, _handle: &[u8]) -> Result<Option<ConsoleUser>> {
        todo()
    }
    async fn list_console_users(
        &self,
        _realm: &str,
        _account: Option<&AccountSid>,
    ) -> Result<Vec<ConsoleUser>> {
        todo()
    }
    async fn update_console_user(
        &self,
        _sid: &ConsoleUserSid,
        _role: &str,
        _status: &str,
        _now: Millis,
    ) -> Result<bool> {
        todo()
    }
    async fn add_console_credential(&self, _credential: ConsoleCredential) -> Result<bool> {
        todo()
    }
    async fn get_console_credential(&self, _id: &[u8]) -> Result<Option<ConsoleCredential>> {
        todo()
    }
    async fn list_console_credentials(
        &self,
        _user: &ConsoleUserSid,
    ) -> Result<Vec<ConsoleCredential>> {
        todo()
    }
    async fn update_console_credential(
        &self,
        _id: &[u8],
        _dynamic_state: Vec<u8>,
        _now: Millis,
    ) -> Result<bool> {
        todo()
    }
    async fn put_console_ceremony(&self, _ceremony: ConsoleCeremony, _now: Millis) -> Result<()> {
        todo()
    }
    async fn take_console_ceremony(
        &self,
        _challenge: &str,
        _now: Millis,
    ) -> Result<Option<ConsoleCeremony>> {
        todo()
    }
    async fn create_console_session(&self, _session: ConsoleSession, _now: Millis) -> Result<()> {
        todo()
    }
    async fn get_console_session(
        &self,
        _id_hash: &[u8],
        _now: Millis,
    ) -> Result<Option<ConsoleSession>> {
        todo()
    }
    async fn set_console_session_fresh(&self, _id_hash: &[u8], _at: Millis) -> Result<bool> {
        todo()
    }
    async fn delete_console_session(&self, _id_hash: &[u8]) -> Result<()> {
        todo()
    }
    async fn delete_console_sessions_of(&self, _user: &ConsoleUserSid) -> Result<u64> {
        todo()
    }
    async fn create_support_grant(&self, _grant: SupportGrant) -> Result<SupportGrant> {
        todo()
    }
    async fn active_support_grant(
        &self,
        _account: &AccountSid,
        _now: Millis,
    ) -> Result<Option<SupportGrant>> {
        todo()
    }
    async fn list_support_grants(&self, _account: &AccountSid) -> Result<Vec<SupportGrant>> {
        todo()
    }
    async fn revoke_support_grant(
        &self,
        _account: &AccountSid,
        _id: i64,
        _now: Millis,
    ) -> Result<bool> {
        todo()
    }
}
