//! IncomingPhoneNumbers: the numbers an account holds on its carriers, with
//! the webhooks their inbound messages go to.

use crate::messages::{reject, valid_url, MessageError};
use std::sync::Arc;
use switchboard_domain::address::parse_e164;
use switchboard_domain::clock::Clock;
use switchboard_domain::ids::{AccountSid, PhoneNumberSid};
use switchboard_store::{NewNumber, NumberConfig, NumberRecord, OptOutRecord, Store};

/// Settings given on create or update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct NumberParams {
    pub friendly_name: Option<String>,
    pub sms_url: Option<String>,
    pub sms_method: Option<String>,
    pub sms_fallback_url: Option<String>,
    pub sms_fallback_method: Option<String>,
    pub status_callback: Option<String>,
    pub status_callback_method: Option<String>,
    pub voice_url: Option<String>,
    pub voice_method: Option<String>,
    pub voice_fallback_url: Option<String>,
    pub voice_fallback_method: Option<String>,
    pub stop_reply: Option<String>,
    pub start_reply: Option<String>,
    pub help_reply: Option<String>,
}

/// Sets `into` to a given URL (`""` unsets), refusing anything but http(s).
pub(crate) fn url(name: &str, v: Option<String>, into: &mut String) -> Result<(), MessageError> {
    if let Some(v) = v {
        if !v.is_empty() && !valid_url(&v) {
            return Err(reject(
                20001,
                format!("{name} is not a valid http(s) URL: {v}"),
            ));
        }
        *into = v;
    }
    Ok(())
}

/// Sets `into` to a given HTTP method, GET or POST (any case).
pub(crate) fn method(name: &str, v: Option<String>, into: &mut String) -> Result<(), MessageError> {
    if let Some(v) = v {
        let up = v.to_ascii_uppercase();
        if up != "GET" && up != "POST" {
            return Err(reject(
                20001,
                format!("{name} must be GET or POST, not '{v}'."),
            ));
        }
        *into = up;
    }
    Ok(())
}

impl NumberParams {
    fn apply(self, c: &mut NumberConfig) -> Result<(), MessageError> {
        url("SmsUrl", self.sms_url, &mut c.sms_url)?;
        method("SmsMethod", self.sms_method, &mut c.sms_method)?;
        url(
            "SmsFallbackUrl",
            self.sms_fallback_url,
            &mut c.sms_fallback_url,
        )?;
        method(
            "SmsFallbackMethod",
            self.sms_fallback_method,
            &mut c.sms_fallback_method,
        )?;
        url(
            "StatusCallback",
            self.status_callback,
            &mut c.status_callback,
        )?;
        method(
            "StatusCallbackMethod",
            self.status_callback_method,
            &mut c.status_callback_method,
        )?;
        url("VoiceUrl", self.voice_url, &mut c.voice_url)?;
        method("VoiceMethod", self.voice_method, &mut c.voice_method)?;
        url(
            "VoiceFallbackUrl",
            self.voice_fallback_url,
            &mut c.voice_fallback_url,
        )?;
        method(
            "VoiceFallbackMethod",
            self.voice_fallback_method,
            &mut c.voice_fallback_method,
        )?;
        for (v, into) in [
            (self.stop_reply, &mut c.stop_reply),
            (self.start_reply, &mut c.start_reply),
            (self.help_reply, &mut c.help_reply),
        ] {
            if let Some(v) = v {
                if v.chars().count() > crate::messages::MAX_BODY_CHARS {
                    return Err(reject(21617, "An auto-reply exceeds 1600 characters."));
                }
                *into = Some(v);
            }
        }
        Ok(())
    }
}

fn friendly(name: Option<String>) -> Result<Option<String>, MessageError> {
    match name {
        Some(n) if n.chars().count() > 64 => {
            Err(reject(20001, "FriendlyName must be at most 64 characters."))
        }
        other => Ok(other),
    }
}

pub struct Numbers {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Numbers {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Registers a number the account holds on its carriers (no purchasing).
    pub async fn create(
        &self,
        account: &AccountSid,
        phone_number: Option<String>,
        params: NumberParams,
    ) -> Result<NumberRecord, MessageError> {
        let raw = phone_number.filter(|p| !p.is_empty()).ok_or_else(|| {
            reject(
                21451,
                "PhoneNumber is required (AreaCode purchasing is not offered).",
            )
        })?;
        let e164 = parse_e164(&raw).ok_or_else(|| {
            reject(
                21421,
                format!("PhoneNumber {raw} is not a valid E.164 number."),
            )
        })?;
        let friendly_name = friendly(params.friendly_name.clone())?.unwrap_or_else(|| e164.clone());
        let mut config = NumberConfig::default();
        params.apply(&mut config)?;
        let now = self.clock.now_millis();
        let sid = PhoneNumberSid::generate();
        let new = NewNumber {
            sid: sid.clone(),
            account_sid: account.clone(),
            phone_number: e164.clone(),
            friendly_name,
            config,
            now,
        };
        match self.store.add_number(new).await {
            Ok(()) => {}
            Err(switchboard_store::Error::Conflict(_)) => {
                return Err(reject(
                    21422,
                    format!("PhoneNumber {e164} is already registered to an account."),
                ))
            }
            Err(e) => return Err(e.into()),
        }
        self.store
            .get_number(account, &sid)
            .await?
            .ok_or_else(|| switchboard_store::Error::NotFound.into())
    }

    pub async fn get(
        &self,
        account: &AccountSid,
        sid: &PhoneNumberSid,
    ) -> Result<Option<NumberRecord>, MessageError> {
        Ok(self.store.get_number(account, sid).await?)
    }

    /// Numbers of the account, optionally filtered by `PhoneNumber` (`*` matches any digits)
    /// and `FriendlyName` (exact).
    pub async fn list(
        &self,
        account: &AccountSid,
        phone_number: Option<&str>,
        friendly_name: Option<&str>,
    ) -> Result<Vec<NumberRecord>, MessageError> {
        let all = self.store.list_numbers(account).await?;
        Ok(all
            .into_iter()
            .filter(|n| phone_number.is_none_or(|p| wildcard(p, &n.phone_number)))
            .filter(|n| friendly_name.is_none_or(|f| f == n.friendly_name))
            .collect())
    }

    pub async fn update(
        &self,
        account: &AccountSid,
        sid: &PhoneNumberSid,
        params: NumberParams,
    ) -> Result<Option<NumberRecord>, MessageError> {
        let Some(current) = self.store.get_number(account, sid).await? else {
            return Ok(None);
        };
        let friendly_name =
            friendly(params.friendly_name.clone())?.unwrap_or(current.friendly_name);
        let mut config = current.config;
        params.apply(&mut config)?;
        let now = self.clock.now_millis();
        if !self
            .store
            .update_number(account, sid, friendly_name, config, now)
            .await?
        {
            return Ok(None);
        }
        Ok(self.store.get_number(account, sid).await?)
    }

    /// The account's opt-outs (recipients who replied STOP to a sender).
    pub async fn opt_outs(&self, account: &AccountSid) -> Result<Vec<OptOutRecord>, MessageError> {
        Ok(self.store.list_opt_outs(account).await?)
    }

    pub async fn delete(
        &self,
        account: &AccountSid,
        sid: &PhoneNumberSid,
    ) -> Result<bool, MessageError> {
        Ok(self.store.delete_number(account, sid).await?)
    }
}

/// Twilio's `PhoneNumber` filter: `*` stands for any run of characters;
/// without one, the filter matches anywhere in the number.
fn wildcard(pattern: &str, number: &str) -> bool {
    if !pattern.contains('*') {
        return number.contains(pattern.trim());
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = number;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn phone_number_filter() {
        assert!(wildcard("+1555*", "+15550001111"));
        assert!(wildcard("*1111", "+15550001111"));
        assert!(wildcard("+1*0001*", "+15550001111"));
        assert!(!wildcard("+1666*", "+15550001111"));
        assert!(wildcard("0001", "+15550001111"));
        assert!(!wildcard("9999", "+15550001111"));
    }
}
