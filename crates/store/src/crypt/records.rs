//! The per-store key cache and the record-level helpers both backends use: sealing a
//! message before it is written, opening records after they are read, lookup values.

use super::{body_binding, is_encrypted, reasons_binding, FieldKeys, KeyRing};
use crate::error::{Error, Result};
use crate::model::{
    Claimed, IdempotencyKey, MessageRecord, NewMessage, NumberRecord, OptOutRecord,
};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The key ring and the unwrapped account keys, cached in memory.
pub(crate) struct Crypt {
    ring: KeyRing,
    cache: Mutex<HashMap<String, Arc<FieldKeys>>>,
}

/// Where a backend keeps the wrapped data keys (`account_keys`).
#[async_trait]
pub(crate) trait KeyTable: Send + Sync {
    fn crypt(&self) -> &Crypt;
    /// The account's wrapped data key, if it has one.
    async fn load_key(&self, account: &str) -> Result<Option<Vec<u8>>>;
    /// Stores `wrapped` unless the account has a key already; returns the key the account
    /// now has, or `None` if the account is closed (its key was destroyed).
    async fn create_key(&self, account: &str, wrapped: Vec<u8>) -> Result<Option<Vec<u8>>>;

    /// The account's keys: from the cache, the table or (with `create`, when encrypting)
    /// a new data key. `None` when the account has none (nothing of it is encrypted).
    async fn account_keys(&self, account: &str, create: bool) -> Result<Option<Arc<FieldKeys>>> {
        let crypt = self.crypt();
        if let Some(k) = crypt.cached(account) {
            return Ok(Some(k));
        }
        if crypt.ring.installation().is_none() {
            return Ok(None);
        }
        let wrapped = match self.load_key(account).await? {
            Some(w) => w,
            None if create && crypt.ring.encrypts() => {
                let fresh = crypt
                    .ring
                    .new_wrapped_key(account)
                    .ok_or_else(|| Error::Other("cannot create a data key".into()))?;
                self.create_key(account, fresh)
                    .await?
                    .ok_or_else(|| destroyed(account))?
            }
            None => return Ok(None),
        };
        let keys = Arc::new(crypt.ring.unwrap_key(account, &wrapped)?);
        crypt.insert(account, keys.clone());
        Ok(Some(keys))
    }

    /// Keys to write the account's new data with (`None`: write in clear).
    async fn write_keys(&self, account: &str) -> Result<Option<Arc<FieldKeys>>> {
        if !self.crypt().ring.encrypts() {
            return Ok(None);
        }
        self.account_keys(account, true).await
    }

    /// A message as it is written: numbers and body encrypted under the account's keys,
    /// and the queue's sender column (not account-scoped) under the installation's.
    async fn seal_message(&self, m: &NewMessage) -> Result<(NewMessage, String)> {
        let Some(keys) = self.write_keys(m.account_sid.as_str()).await? else {
            return Ok((m.clone(), m.from.clone()));
        };
        let mut sealed = m.clone();
        sealed.to = keys.number(&m.to);
        sealed.from = keys.number(&m.from);
        sealed.body = keys.text(
            &body_binding(m.account_sid.as_str(), m.sid.as_str()),
            &m.body,
        );
        if let Some(shield) = sealed.shield.as_mut().filter(|s| !s.reasons.is_empty()) {
            let list = crate::sql::list_to_text(&shield.reasons);
            let binding = reasons_binding(m.account_sid.as_str(), m.sid.as_str());
            shield.reasons = vec![keys.text(&binding, &list)];
        }
        let sender = self.crypt().installation_number(&m.from);
        Ok((sealed, sender))
    }

    /// An idempotency key whose request hash (a plain SHA-256 of the request, which would let
    /// a guessed body and numbers be confirmed) is stored as a keyed hash.
    async fn seal_idempotency(
        &self,
        account: &str,
        mut key: IdempotencyKey,
    ) -> Result<IdempotencyKey> {
        if let Some(k) = self.write_keys(account).await? {
            key.request_hash = k.blind("idempotency", &key.request_hash);
        }
        Ok(key)
    }

    /// Seals several messages (TwiML replies).
    async fn seal_messages(&self, ms: &[NewMessage]) -> Result<Vec<(NewMessage, String)>> {
        let mut out = Vec::with_capacity(ms.len());
        for m in ms {
            out.push(self.seal_message(m).await?);
        }
        Ok(out)
    }

    /// Decrypts a message record read from the store.
    async fn open_message(&self, m: &mut MessageRecord) -> Result<()> {
        let sealed_reasons = m
            .shield
            .as_ref()
            .is_some_and(|s| s.reasons.len() == 1 && is_encrypted(&s.reasons[0]));
        if !(is_encrypted(&m.to)
            || is_encrypted(&m.from)
            || is_encrypted(&m.body)
            || sealed_reasons)
        {
            return Ok(());
        }
        let account = m.account_sid.as_str();
        let keys = self
            .account_keys(account, false)
            .await?
            .ok_or_else(|| destroyed(account))?;
        m.to = keys.open_number(&m.to)?;
        m.from = keys.open_number(&m.from)?;
        m.body = keys.open_text(&body_binding(account, m.sid.as_str()), &m.body)?;
        if let Some(shield) = m.shield.as_mut().filter(|_| sealed_reasons) {
            let list = keys.open_text(
                &reasons_binding(account, m.sid.as_str()),
                &shield.reasons[0],
            )?;
            shield.reasons = crate::sql::list_from_text(&list);
        }
        Ok(())
    }

    async fn open_messages(&self, ms: &mut [MessageRecord]) -> Result<()> {
        for m in ms {
            self.open_message(m).await?;
        }
        Ok(())
    }

    /// Decrypts claimed queue entries.
    async fn open_claimed(&self, cs: &mut [Claimed]) -> Result<()> {
        for c in cs {
            if !(is_encrypted(&c.to) || is_encrypted(&c.from) || is_encrypted(&c.body)) {
                continue;
            }
            let account = c.account_sid.as_str();
            let keys = self
                .account_keys(account, false)
                .await?
                .ok_or_else(|| destroyed(account))?;
            c.to = keys.open_number(&c.to)?;
            c.from = keys.open_number(&c.from)?;
            c.body = keys.open_text(&body_binding(account, c.sid.as_str()), &c.body)?;
        }
        Ok(())
    }

    /// A number as it is written in an account-scoped column.
    async fn account_number(&self, account: &str, value: &str) -> Result<String> {
        Ok(match self.write_keys(account).await? {
            Some(k) => k.number(value),
            None => value.to_owned(),
        })
    }

    /// What an account-scoped number column holds for `value` if it was written encrypted
    /// (the plaintext itself when the account has no key). Lookups match this or the
    /// plaintext, so rows written before encryption still match.
    async fn account_lookup(&self, account: &str, value: &str) -> Result<String> {
        Ok(match self.account_keys(account, false).await? {
            Some(k) => k.number(value),
            None => value.to_owned(),
        })
    }

    /// The message list query for `f`: its `To`/`From` matched in both stored forms (this
    /// account's encrypted value and the plain one of rows written before encryption).
    async fn list_messages_query(
        &self,
        columns: &str,
        account: &str,
        f: &crate::MessageFilter,
        limit: u32,
    ) -> Result<(String, Vec<crate::sql::Arg>)> {
        let mut stored = [None, None];
        for (slot, plain) in stored.iter_mut().zip([&f.to, &f.from]) {
            if let Some(p) = plain {
                *slot = Some([self.account_lookup(account, p).await?, p.clone()]);
            }
        }
        let [to, from] = stored;
        Ok(crate::sql::list_messages_query(
            columns, account, to, from, f, limit,
        ))
    }

    /// A call's inline TwiML as written: encrypted under the account's key (it may speak a
    /// one-time code: Verify's `call` channel).
    async fn seal_call_twiml(
        &self,
        account: &str,
        sid: &str,
        twiml: Option<String>,
    ) -> Result<Option<String>> {
        let Some(t) = twiml else {
            return Ok(None);
        };
        Ok(Some(match self.write_keys(account).await? {
            Some(k) => k.text(&twiml_binding(account, sid), &t),
            None => t,
        }))
    }

    /// Decrypts a call's numbers and inline TwiML.
    async fn open_call_record(&self, c: &mut crate::CallRecord) -> Result<()> {
        let account = c.account_sid.as_str().to_owned();
        c.to = self.open_account_number(&account, &c.to).await?;
        c.from = self.open_account_number(&account, &c.from).await?;
        if let Some(t) = c.twiml.as_ref().filter(|t| is_encrypted(t)) {
            let keys = self
                .account_keys(&account, false)
                .await?
                .ok_or_else(|| destroyed(&account))?;
            c.twiml = Some(keys.open_text(&twiml_binding(&account, c.sid.as_str()), t)?);
        }
        Ok(())
    }

    /// [`KeyTable::open_call_record`] for each call.
    async fn open_call_records(&self, cs: &mut [crate::CallRecord]) -> Result<()> {
        for c in cs {
            self.open_call_record(c).await?;
        }
        Ok(())
    }

    /// Decrypts the calls of status-callback rows.
    async fn open_call_hooks(
        &self,
        mut hs: Vec<crate::CallWebhook>,
    ) -> Result<Vec<crate::CallWebhook>> {
        for h in &mut hs {
            self.open_call_record(&mut h.call).await?;
        }
        Ok(hs)
    }

    /// A number's friendly name as written (it defaults to the number itself).
    async fn seal_friendly_name(&self, account: &str, sid: &str, name: &str) -> Result<String> {
        Ok(match self.write_keys(account).await? {
            Some(k) => k.text(&friendly_binding(account, sid), name),
            None => name.to_owned(),
        })
    }

    /// Decrypts a number record: its number (installation-level) and friendly name.
    async fn open_number_record(&self, mut n: NumberRecord) -> Result<NumberRecord> {
        n.phone_number = self.crypt().open_installation_number(&n.phone_number)?;
        if is_encrypted(&n.friendly_name) {
            let account = n.account_sid.as_str();
            let keys = self
                .account_keys(account, false)
                .await?
                .ok_or_else(|| destroyed(account))?;
            n.friendly_name =
                keys.open_text(&friendly_binding(account, n.sid.as_str()), &n.friendly_name)?;
        }
        Ok(n)
    }

    /// The stored form of a number written in clear before encryption was turned on, when
    /// it should now be encrypted: `(phone_number, account_number, friendly_name)`. Inbound
    /// routing re-seals such a row on first use, so the inbound webhook trigger (which
    /// matches the message's encrypted `To`) keeps finding it.
    async fn reseal_number(&self, raw: &NumberRecord) -> Result<Option<(String, String, String)>> {
        if is_encrypted(&raw.phone_number) || !self.crypt().ring.encrypts() {
            return Ok(None);
        }
        let account = raw.account_sid.as_str();
        Ok(Some((
            self.crypt().installation_number(&raw.phone_number),
            self.account_number(account, &raw.phone_number).await?,
            self.seal_friendly_name(account, raw.sid.as_str(), &raw.friendly_name)
                .await?,
        )))
    }

    async fn open_number_records(&self, list: Vec<NumberRecord>) -> Result<Vec<NumberRecord>> {
        let mut out = Vec::with_capacity(list.len());
        for n in list {
            out.push(self.open_number_record(n).await?);
        }
        Ok(out)
    }

    /// Decrypts opt-outs and puts them back in their documented order.
    async fn open_opt_outs(&self, mut list: Vec<OptOutRecord>) -> Result<Vec<OptOutRecord>> {
        for o in &mut list {
            let account = o.account_sid.as_str().to_owned();
            o.sender = self.open_account_number(&account, &o.sender).await?;
            o.recipient = self.open_account_number(&account, &o.recipient).await?;
        }
        list.sort_by(|a, b| {
            (a.date_created, &a.sender, &a.recipient).cmp(&(
                b.date_created,
                &b.sender,
                &b.recipient,
            ))
        });
        Ok(list)
    }

    /// Decrypts an account-scoped number.
    async fn open_account_number(&self, account: &str, stored: &str) -> Result<String> {
        if !is_encrypted(stored) {
            return Ok(stored.to_owned());
        }
        let keys = self
            .account_keys(account, false)
            .await?
            .ok_or_else(|| destroyed(account))?;
        keys.open_number(stored)
    }
}

fn twiml_binding(account: &str, sid: &str) -> String {
    format!("calls.twiml|{account}|{sid}")
}

fn friendly_binding(account: &str, sid: &str) -> String {
    format!("phone_numbers.friendly_name|{account}|{sid}")
}

/// The error for reading data of an account whose key was destroyed.
pub(crate) fn destroyed(account: &str) -> Error {
    Error::Other(format!(
        "data destroyed: account {account} was deleted and its data key with it"
    ))
}

impl Crypt {
    pub(crate) fn new(ring: KeyRing) -> Self {
        Self {
            ring,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, account: &str) -> Option<Arc<FieldKeys>> {
        self.cache.lock().ok()?.get(account).cloned()
    }

    fn insert(&self, account: &str, keys: Arc<FieldKeys>) {
        if let Ok(mut c) = self.cache.lock() {
            c.insert(account.to_owned(), keys);
        }
    }

    /// Drops the account's unwrapped keys from memory (after its key was destroyed).
    pub(crate) fn forget(&self, account: &str) {
        if let Ok(mut c) = self.cache.lock() {
            c.remove(account);
        }
    }

    /// A number as written in a column not scoped to one account (routing, queue sender,
    /// Messaging Service pools, Verify): installation-level deterministic encryption.
    pub(crate) fn installation_number(&self, value: &str) -> String {
        match self.ring.installation() {
            Some(k) if self.ring.encrypts() => k.number(value),
            _ => value.to_owned(),
        }
    }

    /// What such a column holds for `value` if it was written encrypted.
    pub(crate) fn installation_lookup(&self, value: &str) -> String {
        match self.ring.installation() {
            Some(k) => k.number(value),
            None => value.to_owned(),
        }
    }

    /// Decrypts an installation-level number.
    pub(crate) fn open_installation_number(&self, stored: &str) -> Result<String> {
        if !is_encrypted(stored) {
            return Ok(stored.to_owned());
        }
        self.ring
            .installation()
            .ok_or_else(|| Error::Other("encrypted data but no master key configured".into()))?
            .open_number(stored)
    }
}
