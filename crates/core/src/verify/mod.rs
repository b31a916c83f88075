//! Twilio Verify v2: services, verifications (SMS one-time codes) and checks, with
//! Twilio's lifecycle: a code is valid for 10 minutes; a resend inside that window sends
//! the same code; 5 sends (60203) and 5 checks (60202) at most; once approved, canceled,
//! expired or out of checks a verification is gone (404).
//!
//! Codes are never stored. Each verification has a random secret seed; its code is
//! derived from the seed under the master key (so a resend can send it again), and a
//! keyed hash of the code is what checks compare, in constant time.

pub mod fraud;
#[cfg(test)]
mod fraud_sim;
mod guard;
mod rate_limits;
mod safe_list;
#[cfg(test)]
mod timing;
mod voice;

pub use rate_limits::{MAX_BUCKETS, MAX_RATE_LIMITS};

use crate::crypto::MasterKey;
use crate::messages::{reject, MessageError, Messages};
use rand::RngCore;
use std::collections::HashMap;
use std::sync::Arc;
use switchboard_domain::address::Address;
use switchboard_domain::clock::{Clock, Millis};
use switchboard_domain::ids::{
    AccountSid, VerificationAttemptSid, VerificationSid, VerifyServiceSid,
};
use switchboard_store::verify::status;
use switchboard_store::{
    CheckSlot, NewVerification, SendAttempt, StartOutcome, Store, VerificationRecord,
    VerifyServiceConfig, VerifyServiceRecord,
};

/// How long a code is valid.
pub const VALIDITY_MS: Millis = 10 * 60 * 1000;
/// Sends per verification (the start and resends).
pub const MAX_SENDS: u32 = 5;
/// Checks per verification.
pub const MAX_CHECKS: u32 = 5;
/// Longest `FriendlyName` (it is part of every SMS).
pub const MAX_FRIENDLY_NAME: usize = 30;

/// `POST /v2/Services[/{sid}]` parameters as given (`None` = not given).
#[derive(Debug, Clone, Default)]
pub struct ServiceParams {
    pub friendly_name: Option<String>,
    pub code_length: Option<u32>,
    pub custom_code_enabled: Option<bool>,
    pub do_not_share_warning_enabled: Option<bool>,
    pub skip_sms_to_landlines: Option<bool>,
    pub lookup_enabled: Option<bool>,
    pub psd2_enabled: Option<bool>,
    pub dtmf_input_required: Option<bool>,
    /// `FraudGuard.Mode` (extension): `enforce`, `monitor`, `off`, or empty for the platform's.
    pub fraud_mode: Option<String>,
    /// `FraudGuard.AllowedCountries` (extension): ISO codes; empty for the platform's list.
    pub allowed_countries: Option<Vec<String>>,
    /// `Passkeys.*`.
    pub passkeys: crate::passkeys::settings::PasskeysParams,
}

/// A verification check: the code and either `To` or the verification's SID.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    pub code: Option<String>,
    pub to: Option<String>,
    pub verification_sid: Option<String>,
}

/// `POST …/Verifications` parameters as given.
#[derive(Debug, Clone, Default)]
pub struct StartRequest {
    pub to: Option<String>,
    pub channel: Option<String>,
    pub custom_code: Option<String>,
    /// The `RateLimits` map: `(unique_name, value)`.
    pub rate_limits: Vec<(String, String)>,
    /// `DeviceIp`: the end user's IP address, for the fraud guard.
    pub device_ip: Option<String>,
    /// `Locale`: the language of a `call` (en, it, es, fr, de, pt; default en).
    pub locale: Option<String>,
}

/// What a check found.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub verification: VerificationRecord,
    /// The code was right: the verification is approved.
    pub valid: bool,
}

/// Platform settings of Verify.
#[derive(Debug, Clone)]
pub struct VerifyPolicy {
    /// The sender of verification texts.
    pub sms_from: String,
    pub fraud: fraud::FraudPolicy,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self {
            sms_from: "+15005550006".into(),
            fraud: fraud::FraudPolicy::default(),
        }
    }
}

/// The Verify use cases.
pub struct Verify {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    key: MasterKey,
    messages: Arc<Messages>,
    /// Places the `call` channel's calls.
    calls: Arc<crate::calls::Calls>,
    policy: VerifyPolicy,
    /// The fraud guard's per-node windows.
    windows: fraud::Windows,
    /// Services read in the last [`SERVICE_TTL_MS`] (starts and checks), per node.
    services: std::sync::Mutex<HashMap<VerifyServiceSid, (Millis, Arc<VerifyServiceRecord>)>>,
}

/// How long a node reuses a service it read for starts and checks: a change made through
/// another node is seen within this time (this node's own changes at once).
pub const SERVICE_TTL_MS: Millis = 2_000;

/// 60200 (Verify's invalid parameter), for every Verify resource.
pub(crate) fn invalid(message: impl Into<String>) -> MessageError {
    reject(60200, message)
}

/// 20404 without a path (`api` names the requested one).
pub(crate) fn not_found() -> MessageError {
    reject(20404, "not found")
}

impl Verify {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        key: MasterKey,
        messages: Arc<Messages>,
        calls: Arc<crate::calls::Calls>,
        policy: VerifyPolicy,
    ) -> Self {
        Self {
            store,
            clock,
            key,
            messages,
            calls,
            policy,
            windows: fraud::Windows::default(),
            services: std::sync::Mutex::default(),
        }
    }

    fn apply(
        p: ServiceParams,
        mut c: VerifyServiceConfig,
    ) -> Result<VerifyServiceConfig, MessageError> {
        if let Some(name) = p.friendly_name {
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > MAX_FRIENDLY_NAME {
                return Err(invalid(format!(
                    "Invalid parameter: FriendlyName must be 1 to {MAX_FRIENDLY_NAME} characters."
                )));
            }
            if name.chars().any(char::is_control) {
                return Err(invalid(
                    "Invalid parameter: FriendlyName has control characters.",
                ));
            }
            c.friendly_name = name;
        }
        if let Some(len) = p.code_length {
            if !(4..=10).contains(&len) {
                return Err(invalid(
                    "Invalid parameter: CodeLength must be between 4 and 10.",
                ));
            }
            c.code_length = len;
        }
        let set = |v: Option<bool>, f: &mut bool| {
            if let Some(v) = v {
                *f = v;
            }
        };
        set(p.custom_code_enabled, &mut c.custom_code_enabled);
        set(
            p.do_not_share_warning_enabled,
            &mut c.do_not_share_warning_enabled,
        );
        set(p.skip_sms_to_landlines, &mut c.skip_sms_to_landlines);
        set(p.lookup_enabled, &mut c.lookup_enabled);
        set(p.psd2_enabled, &mut c.psd2_enabled);
        set(p.dtmf_input_required, &mut c.dtmf_input_required);
        if let Some(mode) = p.fraud_mode {
            if !mode.is_empty() && fraud::Mode::parse(&mode).is_none() {
                return Err(invalid(
                    "Invalid parameter `FraudGuard.Mode`: enforce, monitor or off.",
                ));
            }
            c.fraud_mode = mode;
        }
        if let Some(list) = p.allowed_countries {
            if let Some(bad) = list.iter().find(|c| !fraud::is_country_code(c)) {
                return Err(invalid(format!(
                    "Invalid parameter `FraudGuard.AllowedCountries`: {bad} is not an ISO 3166 alpha-2 code."
                )));
            }
            c.allowed_countries = list.iter().map(|c| c.to_ascii_uppercase()).collect();
        }
        crate::passkeys::settings::apply(p.passkeys, &mut c.passkeys)?;
        Ok(c)
    }

    pub async fn create_service(
        &self,
        account: &AccountSid,
        p: ServiceParams,
    ) -> Result<VerifyServiceRecord, MessageError> {
        if p.friendly_name.is_none() {
            return Err(invalid(
                "Missing required parameter FriendlyName in the post body.",
            ));
        }
        let now = self.clock.now_millis();
        let s = VerifyServiceRecord {
            sid: VerifyServiceSid::generate_at(now),
            account_sid: account.clone(),
            config: Self::apply(p, VerifyServiceConfig::default())?,
            date_created: now,
            date_updated: now,
        };
        self.store.create_verify_service(s.clone()).await?;
        Ok(s)
    }

    pub async fn service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
    ) -> Result<Option<VerifyServiceRecord>, MessageError> {
        Ok(self.store.get_verify_service(account, sid).await?)
    }

    pub async fn services(
        &self,
        account: &AccountSid,
    ) -> Result<Vec<VerifyServiceRecord>, MessageError> {
        Ok(self.store.list_verify_services(account).await?)
    }

    /// The account's service, as read within the last [`SERVICE_TTL_MS`].
    async fn cached_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
    ) -> Result<Option<Arc<VerifyServiceRecord>>, MessageError> {
        let now = self.clock.now_millis();
        let lock = || self.services.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, s)) = lock().get(sid) {
            if now - at < SERVICE_TTL_MS {
                return Ok(Some(s.clone()).filter(|s| &s.account_sid == account));
            }
        }
        let Some(s) = self.store.get_verify_service(account, sid).await? else {
            return Ok(None);
        };
        let s = Arc::new(s);
        let mut map = lock();
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(sid.clone(), (now, s.clone()));
        Ok(Some(s))
    }

    fn forget_service(&self, sid: &VerifyServiceSid) {
        self.services
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(sid);
    }

    pub async fn update_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
        p: ServiceParams,
    ) -> Result<Option<VerifyServiceRecord>, MessageError> {
        let Some(s) = self.store.get_verify_service(account, sid).await? else {
            return Ok(None);
        };
        let config = Self::apply(p, s.config)?;
        let now = self.clock.now_millis();
        if !self
            .store
            .update_verify_service(account, sid, config, now)
            .await?
        {
            return Ok(None);
        }
        self.forget_service(sid);
        Ok(self.store.get_verify_service(account, sid).await?)
    }

    pub async fn delete_service(
        &self,
        account: &AccountSid,
        sid: &VerifyServiceSid,
    ) -> Result<bool, MessageError> {
        let deleted = self.store.delete_verify_service(account, sid).await?;
        self.forget_service(sid);
        Ok(deleted)
    }

    /// The code a seed stands for: HMAC(master key, seed) reduced to `len` digits.
    fn code(&self, seed: &[u8], len: u32) -> String {
        let mac = self
            .key
            .hash_secret(&[b"switchboard-verify-code\0".as_slice(), seed].concat());
        let mut head = [0u8; 8];
        head.copy_from_slice(mac.get(..8).unwrap_or(&[0; 8]));
        let n = u64::from_be_bytes(head) % 10u64.pow(len.clamp(4, 10));
        format!("{n:0width$}", width = len as usize)
    }

    /// The keyed hash a check compares: HMAC(master key, sid, code).
    fn code_hash(&self, sid: &VerificationSid, code: &str) -> Vec<u8> {
        Self::keyed_hash(&self.key, sid, code)
    }

    fn keyed_hash(key: &MasterKey, sid: &VerificationSid, code: &str) -> Vec<u8> {
        key.hash_secret(
            &[
                b"switchboard-verify-check\0".as_slice(),
                sid.as_str().as_bytes(),
                b"\0",
                code.as_bytes(),
            ]
            .concat(),
        )
    }

    fn text(service: &VerifyServiceConfig, code: &str) -> String {
        let mut t = format!(
            "Your {} verification code is: {code}",
            service.friendly_name
        );
        if service.do_not_share_warning_enabled {
            t.push_str(
                ". Don't share this code with anyone; our employees will never ask for the code.",
            );
        }
        t
    }

    /// Starts a verification, or resends the pending one's code (60203 after 5 sends).
    pub async fn start(
        &self,
        account: &AccountSid,
        service_sid: &VerifyServiceSid,
        req: StartRequest,
    ) -> Result<VerificationRecord, MessageError> {
        let service = self
            .cached_service(account, service_sid)
            .await?
            .ok_or_else(not_found)?;
        let to_raw = req
            .to
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| invalid("Missing required parameter To in the post body."))?;
        let channel = req
            .channel
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| invalid("Missing required parameter Channel in the post body."))?;
        if channel != "sms" && channel != "call" {
            return Err(invalid(format!(
                "Invalid parameter: Channel '{channel}' is not supported here; use sms or call."
            )));
        }
        let locale = req.locale.clone().unwrap_or_default();
        if !voice::supported(&locale) {
            return Err(invalid(format!(
                "Invalid parameter: Locale '{locale}' (en, en-GB, it, es, fr, de, pt)."
            )));
        }
        let to = Address::parse_to(to_raw)
            .filter(|a| a.as_str().starts_with('+'))
            .ok_or_else(|| invalid(format!("Invalid parameter `To`: {to_raw}")))?;
        if req.custom_code.as_deref().is_some_and(|c| !c.is_empty()) {
            return Err(reject(
                60204,
                "Service does not support this feature: CustomCode is not available.",
            ));
        }
        self.charge_rate_limits(service_sid, &req.rate_limits)
            .await?;
        let velocity = self
            .guard(account, &service, to.as_str(), req.device_ip.as_deref())
            .await?;
        let now = self.clock.now_millis();
        let sid = VerificationSid::generate_at(now);
        let mut seed = vec![0u8; 16];
        rand::thread_rng().fill_bytes(&mut seed);
        let code = self.code(&seed, service.config.code_length);
        let new = NewVerification {
            code_hash: self.code_hash(&sid, &code),
            sid,
            service_sid: service_sid.clone(),
            account_sid: account.clone(),
            to: to.as_str().to_owned(),
            channel: channel.to_owned(),
            seed,
            attempt: SendAttempt {
                sid: VerificationAttemptSid::generate_at(now),
                channel: channel.to_owned(),
                at: now,
            },
            now,
            expires_at: now + VALIDITY_MS,
        };
        let mut outcome = self
            .store
            .start_verification(new.clone(), MAX_SENDS, velocity)
            .await?;
        if matches!(outcome, StartOutcome::Limited { .. })
            && self.is_safe(account, to.as_str()).await?
        {
            // A safe-listed number is never held back by the fraud guard's velocity buckets.
            outcome = self
                .store
                .start_verification(new, MAX_SENDS, Vec::new())
                .await?;
        }
        let v = match outcome {
            StartOutcome::Created(v) | StartOutcome::Resent(v) => v,
            StartOutcome::MaxSends(_) => {
                return Err(reject(60203, "Max send attempts reached"));
            }
            StartOutcome::Limited { bucket, .. } => {
                return Err(self
                    .over_velocity(&service, to.as_str(), req.device_ip.as_deref(), &bucket)
                    .await);
            }
        };
        // A resend derives the same code from the stored seed.
        let code = self.code(&v.seed, service.config.code_length);
        if channel == "call" {
            let twiml = voice::twiml(&service.config.friendly_name, &code, &locale);
            self.calls
                .create_platform(account, &self.policy.sms_from, &v.to, twiml)
                .await?;
        } else {
            self.messages
                .send_platform(
                    account,
                    &self.policy.sms_from,
                    &v.to,
                    Self::text(&service.config, &code),
                )
                .await?;
        }
        Ok(v)
    }

    /// A pending, unexpired verification (anything else is gone, as with Twilio).
    pub async fn fetch(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
    ) -> Result<Option<VerificationRecord>, MessageError> {
        let now = self.clock.now_millis();
        Ok(self
            .store
            .get_verification(service, sid)
            .await?
            .filter(|v| {
                &v.account_sid == account && v.status == status::PENDING && v.expires_at > now
            }))
    }

    /// Approves or cancels a pending verification (60441 for any other status).
    pub async fn update(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        sid: &VerificationSid,
        new_status: Option<&str>,
    ) -> Result<Option<VerificationRecord>, MessageError> {
        let s = new_status.unwrap_or("");
        if s != status::APPROVED && s != status::CANCELED {
            return Err(reject(
                60441,
                format!("Illegal status: '{s}' (use approved or canceled)."),
            ));
        }
        if self.fetch(account, service, sid).await?.is_none() {
            return Ok(None);
        }
        let now = self.clock.now_millis();
        let done = self.store.finish_verification(service, sid, s, now).await?;
        // An app that checks codes itself approves through this endpoint: a conversion.
        if let Some(v) = done.as_ref().filter(|v| v.status == status::APPROVED) {
            self.windows
                .approved(&self.policy.fraud, service.as_str(), &v.to);
        }
        Ok(done)
    }

    /// Checks a code: right → approved; wrong → still pending; 60202 after 5 checks;
    /// 20404 when there is no pending verification.
    pub async fn check(
        &self,
        account: &AccountSid,
        service_sid: &VerifyServiceSid,
        req: CheckRequest,
    ) -> Result<CheckResult, MessageError> {
        if self.cached_service(account, service_sid).await?.is_none() {
            return Err(not_found());
        }
        let code = req
            .code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| invalid("Missing required parameter Code in the post body."))?;
        if !(4..=10).contains(&code.chars().count()) {
            return Err(invalid(
                "Invalid parameter `Code`: it must be 4 to 10 characters.",
            ));
        }
        let found = match (
            req.verification_sid.filter(|s| !s.is_empty()),
            req.to.filter(|t| !t.is_empty()),
        ) {
            (Some(sid), _) => match VerificationSid::parse(&sid) {
                Ok(sid) => self.store.get_verification(service_sid, &sid).await?,
                Err(_) => None,
            },
            (None, Some(to)) => match Address::parse_to(&to) {
                Some(to) => {
                    self.store
                        .find_verification(service_sid, to.as_str())
                        .await?
                }
                None => return Err(invalid(format!("Invalid parameter `To`: {to}"))),
            },
            (None, None) => {
                return Err(invalid(
                    "Either a 'To' or 'VerificationSid' parameter is required.",
                ))
            }
        };
        let v = found
            .filter(|v| &v.account_sid == account)
            .ok_or_else(not_found)?;
        let now = self.clock.now_millis();
        // The keyed hash of the guess is the same work for any guess; the store counts the
        // check and compares in constant time, in one transaction.
        let candidate = self.code_hash(&v.sid, &code);
        match self
            .store
            .check_code(service_sid, &v.sid, candidate, now, MAX_CHECKS)
            .await?
        {
            CheckSlot::NotFound => Err(not_found()),
            CheckSlot::MaxAttempts => Err(reject(60202, "Max check attempts reached")),
            CheckSlot::Wrong(v) => Ok(CheckResult {
                verification: *v,
                valid: false,
            }),
            CheckSlot::Approved(v) => {
                self.windows
                    .approved(&self.policy.fraud, service_sid.as_str(), &v.to);
                Ok(CheckResult {
                    verification: *v,
                    valid: true,
                })
            }
        }
    }
}
