//! The account's safe list (numbers the fraud guard never blocks) and the guard's record.

use super::{invalid, Verify};
use crate::messages::MessageError;
use rand::RngCore;
use switchboard_domain::address::Address;
use switchboard_domain::ids::{AccountSid, VerifyServiceSid};
use switchboard_store::{FraudEvent, SafeNumber};

fn e164(raw: Option<&str>) -> Result<String, MessageError> {
    let raw = raw
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("Missing required parameter PhoneNumber."))?;
    Address::parse_to(raw)
        .map(|a| a.as_str().to_owned())
        .filter(|n| n.starts_with('+'))
        .ok_or_else(|| {
            invalid(format!(
                "Invalid parameter `PhoneNumber`: {raw} is not an E.164 number."
            ))
        })
}

impl Verify {
    pub async fn add_safe_number(
        &self,
        account: &AccountSid,
        number: Option<&str>,
    ) -> Result<SafeNumber, MessageError> {
        let phone_number = e164(number)?;
        let mut tail = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut tail);
        let entry = SafeNumber {
            sid: format!("GN{}", hex::encode(tail)),
            account_sid: account.clone(),
            phone_number,
            date_created: self.clock.now_millis(),
        };
        Ok(self.store.add_safe_number(entry).await?)
    }

    pub async fn safe_number(
        &self,
        account: &AccountSid,
        number: &str,
    ) -> Result<Option<SafeNumber>, MessageError> {
        let Ok(n) = e164(Some(number)) else {
            return Ok(None);
        };
        Ok(self.store.get_safe_number(account, &n).await?)
    }

    pub async fn remove_safe_number(
        &self,
        account: &AccountSid,
        number: &str,
    ) -> Result<bool, MessageError> {
        let Ok(n) = e164(Some(number)) else {
            return Ok(false);
        };
        Ok(self.store.remove_safe_number(account, &n).await?)
    }

    /// What the fraud guard flagged for a service, newest first.
    pub async fn fraud_events(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        limit: u32,
    ) -> Result<Vec<FraudEvent>, MessageError> {
        self.own_service(account, service).await?;
        Ok(self.store.list_fraud_events(service, limit).await?)
    }
}
