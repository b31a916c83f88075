//! Accounts and credential checks.
//!
//! `authenticate` accepts `AccountSid:AuthToken` or `SKsid:secret`. Secrets are
//! compared in constant time. Credentials are cached for a short time so the hot
//! path does not hit the store; a cache entry holds the sealed token's clear
//! value only in memory. A key deleted through [`Accounts::delete_api_key`]
//! leaves this node's cache at once; other nodes stop accepting it within
//! the cache lifetime (30 s).

use crate::crypto::{ct_eq, MasterKey};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use switchboard_domain::clock::{Clock, Millis};
use switchboard_domain::ids::{new_secret, AccountSid, ApiKeySid};
use switchboard_domain::scopes::ScopeSet;
use switchboard_store::{ApiKeyRecord, NewAccount, NewApiKey, Store};

const CACHE_TTL_MS: Millis = 30_000;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid credentials")]
    Invalid,
    #[error(transparent)]
    Store(#[from] switchboard_store::Error),
}

/// Who the request is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_sid: AccountSid,
    /// The API key used, or `None` for the account's auth token.
    pub api_key: Option<ApiKeySid>,
    /// What the credential may do (all scopes for the auth token).
    pub scopes: ScopeSet,
}

/// A freshly created API key: the stored record and the secret, shown once.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub key: ApiKeyRecord,
    pub secret: String,
}

impl Principal {
    /// The audit log's name for it: `key:SK…` for an API key, `account:AC…` for the
    /// account's own credentials.
    pub fn actor(&self) -> String {
        match &self.api_key {
            Some(k) => format!("key:{k}"),
            None => format!("account:{}", self.account_sid),
        }
    }
}

/// A freshly created credential, shown once.
#[derive(Debug, Clone)]
pub struct Created<S> {
    pub sid: S,
    pub secret: String,
}

#[derive(Clone)]
struct Cached {
    account_sid: AccountSid,
    scopes: ScopeSet,
    /// The clear auth token, or the keyed hash of an API key secret.
    check: Vec<u8>,
    hashed: bool,
    at: Millis,
}

pub struct Accounts {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    key: MasterKey,
    cache: RwLock<HashMap<String, Cached>>,
    /// Bumped by every revocation: a credential loaded before a revocation
    /// finished is not cached (it may be the revoked one, read just before).
    revocations: AtomicU64,
}

impl Accounts {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, key: MasterKey) -> Self {
        Self {
            store,
            clock,
            key,
            cache: RwLock::new(HashMap::new()),
            revocations: AtomicU64::new(0),
        }
    }

    pub async fn create_account(
        &self,
        friendly_name: &str,
    ) -> Result<Created<AccountSid>, switchboard_store::Error> {
        let sid = AccountSid::generate();
        let token = new_secret();
        self.store
            .create_account(NewAccount {
                sid: sid.clone(),
                friendly_name: friendly_name.to_owned(),
                auth_token_sealed: self.key.seal(token.as_bytes()),
                now: self.clock.now_millis(),
            })
            .await?;
        Ok(Created { sid, secret: token })
    }

    /// Creates an API key with `scopes` (the one place keys are created: the
    /// CLI and the Keys resource both come here). A standard key is
    /// `ScopeSet::standard()`.
    pub async fn create_api_key(
        &self,
        account_sid: &AccountSid,
        friendly_name: &str,
        scopes: ScopeSet,
    ) -> Result<NewKey, switchboard_store::Error> {
        let sid = ApiKeySid::generate();
        let secret = new_secret();
        let now = self.clock.now_millis();
        let secret_hash = self.key.hash_secret(secret.as_bytes());
        self.store
            .create_api_key(NewApiKey {
                sid: sid.clone(),
                account_sid: account_sid.clone(),
                friendly_name: friendly_name.to_owned(),
                secret_hash: secret_hash.clone(),
                scopes,
                now,
            })
            .await?;
        let key = ApiKeyRecord {
            sid,
            account_sid: account_sid.clone(),
            friendly_name: friendly_name.to_owned(),
            secret_hash,
            scopes,
            date_created: now,
            date_updated: now,
        };
        Ok(NewKey { key, secret })
    }

    /// One of the account's keys.
    pub async fn get_api_key(
        &self,
        account_sid: &AccountSid,
        sid: &ApiKeySid,
    ) -> Result<Option<ApiKeyRecord>, switchboard_store::Error> {
        Ok(self
            .store
            .get_api_key(sid)
            .await?
            .filter(|k| &k.account_sid == account_sid))
    }

    /// The account's keys, newest first.
    pub async fn list_api_keys(
        &self,
        account_sid: &AccountSid,
    ) -> Result<Vec<ApiKeyRecord>, switchboard_store::Error> {
        self.store.list_api_keys(account_sid).await
    }

    /// Renames one of the account's keys (its scopes never change).
    pub async fn rename_api_key(
        &self,
        account_sid: &AccountSid,
        sid: &ApiKeySid,
        friendly_name: &str,
    ) -> Result<Option<ApiKeyRecord>, switchboard_store::Error> {
        let now = self.clock.now_millis();
        self.store
            .update_api_key(account_sid, sid, friendly_name, now)
            .await
    }

    /// Deletes (revokes) one of the account's keys: the one place keys are
    /// deleted. It stops working on this node at once (its cache entry is
    /// dropped) and on other nodes within the 30 s cache lifetime.
    pub async fn delete_api_key(
        &self,
        account_sid: &AccountSid,
        sid: &ApiKeySid,
    ) -> Result<bool, switchboard_store::Error> {
        let deleted = self.store.delete_api_key(account_sid, sid).await?;
        self.forget(sid.as_str());
        Ok(deleted)
    }

    /// Drops a credential from this node's cache.
    fn forget(&self, user: &str) {
        self.revocations.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut c) = self.cache.write() {
            c.remove(user);
        }
    }

    /// Deletes (closes) an account: its data key is destroyed, so its stored message
    /// numbers and bodies can no longer be decrypted (crypto-shredding); its credentials
    /// stop working at once on this node. `false` if there is no such account.
    pub async fn delete_account(&self, sid: &AccountSid) -> Result<bool, switchboard_store::Error> {
        let closed = self
            .store
            .close_account(sid, self.clock.now_millis())
            .await?;
        if let Ok(mut c) = self.cache.write() {
            c.retain(|_, entry| &entry.account_sid != sid);
        }
        Ok(closed)
    }

    /// The account's auth token in clear (to sign webhooks).
    pub async fn auth_token(&self, sid: &AccountSid) -> Result<Option<String>, AuthError> {
        let Some(rec) = self.store.get_account(sid).await? else {
            return Ok(None);
        };
        let clear = self.key.open(&rec.auth_token_sealed).map_err(|e| {
            tracing::error!(error = %e, account_sid = %sid, "Cannot open a sealed auth token.");
            AuthError::Invalid
        })?;
        Ok(String::from_utf8(clear).ok())
    }

    /// Checks HTTP Basic credentials.
    pub async fn authenticate(&self, user: &str, password: &str) -> Result<Principal, AuthError> {
        let now = self.clock.now_millis();
        let cached = self
            .cache
            .read()
            .ok()
            .and_then(|c| c.get(user).cloned())
            .filter(|c| now - c.at < CACHE_TTL_MS);
        let entry = match cached {
            Some(c) => c,
            None => {
                let epoch = self.revocations.load(Ordering::SeqCst);
                let fresh = self.load(user, now).await?.ok_or(AuthError::Invalid)?;
                if let Ok(mut c) = self.cache.write() {
                    if c.len() > 100_000 {
                        c.clear();
                    }
                    // Under the write lock, so a revocation either ran before
                    // (epoch moved: skip) or will remove this entry after.
                    if self.revocations.load(Ordering::SeqCst) == epoch {
                        c.insert(user.to_owned(), fresh.clone());
                    }
                }
                fresh
            }
        };
        let presented = if entry.hashed {
            self.key.hash_secret(password.as_bytes())
        } else {
            password.as_bytes().to_vec()
        };
        if !ct_eq(&presented, &entry.check) {
            return Err(AuthError::Invalid);
        }
        Ok(Principal {
            account_sid: entry.account_sid,
            api_key: ApiKeySid::parse(user).ok(),
            scopes: entry.scopes,
        })
    }

    async fn load(&self, user: &str, now: Millis) -> Result<Option<Cached>, AuthError> {
        if let Ok(sid) = AccountSid::parse(user) {
            let Some(rec) = self.store.get_account(&sid).await? else {
                return Ok(None);
            };
            if rec.status != "active" {
                return Ok(None);
            }
            let Ok(token) = self.key.open(&rec.auth_token_sealed) else {
                tracing::error!(account_sid = %sid, "Cannot open a sealed auth token; wrong master key?");
                return Ok(None);
            };
            return Ok(Some(Cached {
                account_sid: sid,
                scopes: ScopeSet::all(),
                check: token,
                hashed: false,
                at: now,
            }));
        }
        if let Ok(sid) = ApiKeySid::parse(user) {
            let Some(rec) = self.store.get_api_key(&sid).await? else {
                return Ok(None);
            };
            let active = self
                .store
                .get_account(&rec.account_sid)
                .await?
                .is_some_and(|a| a.status == "active");
            if !active {
                return Ok(None);
            }
            return Ok(Some(Cached {
                account_sid: rec.account_sid,
                scopes: rec.scopes,
                check: rec.secret_hash,
                hashed: true,
                at: now,
            }));
        }
        Ok(None)
    }
}
