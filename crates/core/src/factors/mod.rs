//! Twilio Verify TOTP: entities (your users, by `Identity`), TOTP factors and challenges.
//!
//! - A factor's secret is 160 random bits from the OS CSPRNG (or the caller's
//!   `Binding.Secret`), stored sealed under the master key; it is shown (base32 and as an
//!   `otpauth://` URI) only in the response that creates the factor.
//! - Codes follow RFC 6238 with the factor's step, length, hash and ±`Skew` steps. Every
//!   candidate code in the window is compared in constant time; the store then accepts the
//!   matched step only if it is later than the last step the factor accepted (atomically),
//!   so a code is never accepted twice, not even by two requests at once.
//! - Wrong codes: 5 per factor verification (then 60310) and 5 per challenge (then 60308),
//!   as Twilio documents; a locked factor must be deleted and created again, a locked
//!   challenge replaced by a new one.

use crate::crypto::MasterKey;
use crate::messages::{reject, MessageError};
use crate::verify::{invalid, not_found};
use rand::RngCore;
use std::sync::Arc;
use switchboard_domain::clock::{Clock, Millis};
use switchboard_domain::ids::{AccountSid, ChallengeSid, EntitySid, FactorSid, VerifyServiceSid};
use switchboard_domain::totp::{self, Alg};
use switchboard_store::{
    challenge_status, factor_status, Answer, Attempt, ChallengeRecord, EntityRecord, FactorRecord,
    Store, TotpConfig,
};

/// Wrong codes allowed per factor verification and per challenge.
pub const MAX_FAILURES: u32 = 5;
/// A challenge's lifetime unless `ExpirationDate` says otherwise.
pub const CHALLENGE_TTL_MS: Millis = 5 * 60 * 1000;
/// The latest `ExpirationDate` a challenge may have, after its creation.
pub const MAX_CHALLENGE_TTL_MS: Millis = 60 * 60 * 1000;
/// Secret size when the platform generates it (RFC 4226 recommends 160 bits).
pub const SECRET_BYTES: usize = 20;
/// The shortest `Binding.Secret` accepted (RFC 4226's minimum, 128 bits).
pub const MIN_SECRET_BYTES: usize = 16;
const MAX_FRIENDLY_NAME: usize = 64;

mod rules;
use rules::{check_identity, range};
pub use rules::{match_code, present};

/// `POST …/Entities/{Identity}/Factors` parameters as given.
#[derive(Debug, Clone, Default)]
pub struct FactorParams {
    pub friendly_name: Option<String>,
    pub factor_type: Option<String>,
    pub binding_secret: Option<String>,
    pub time_step: Option<u32>,
    pub code_length: Option<u32>,
    pub skew: Option<u32>,
    pub alg: Option<String>,
}

/// A new factor and its binding (shown once).
#[derive(Debug, Clone)]
pub struct NewFactor {
    pub factor: FactorRecord,
    /// The secret in base32.
    pub secret: String,
    /// `otpauth://totp/…` for authenticator apps.
    pub uri: String,
}

/// The Verify TOTP use cases.
pub struct Factors {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    key: MasterKey,
}

impl Factors {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, key: MasterKey) -> Self {
        Self { store, clock, key }
    }

    /// The account's Verify service, else 20404.
    async fn owned(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
    ) -> Result<String, MessageError> {
        self.store
            .get_verify_service(account, service)
            .await?
            .map(|s| s.config.friendly_name)
            .ok_or_else(not_found)
    }

    async fn ensure_entity(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<(EntityRecord, bool), MessageError> {
        check_identity(identity)?;
        let now = self.clock.now_millis();
        Ok(self
            .store
            .ensure_entity(EntityRecord {
                sid: EntitySid::generate_at(now),
                service_sid: service.clone(),
                account_sid: account.clone(),
                identity: identity.to_owned(),
                date_created: now,
                date_updated: now,
            })
            .await?)
    }

    /// Creates the entity for `identity` (or returns the existing one: `false`).
    pub async fn create_entity(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: Option<&str>,
    ) -> Result<(EntityRecord, bool), MessageError> {
        self.owned(account, service).await?;
        let identity = identity
            .filter(|i| !i.is_empty())
            .ok_or_else(|| invalid("Missing required parameter Identity in the post body."))?;
        self.ensure_entity(account, service, identity).await
    }

    pub async fn entity(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<EntityRecord, MessageError> {
        self.owned(account, service).await?;
        self.store
            .get_entity(service, identity)
            .await?
            .ok_or_else(not_found)
    }

    pub async fn entities(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
    ) -> Result<Vec<EntityRecord>, MessageError> {
        self.owned(account, service).await?;
        Ok(self.store.list_entities(service).await?)
    }

    pub async fn delete_entity(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<bool, MessageError> {
        self.owned(account, service).await?;
        Ok(self.store.delete_entity(service, identity).await?)
    }

    /// Creates a TOTP factor (and the entity, if new). The binding is in the result only.
    pub async fn create_factor(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
        p: FactorParams,
    ) -> Result<NewFactor, MessageError> {
        let issuer = self.owned(account, service).await?;
        let name = p
            .friendly_name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| invalid("Missing required parameter FriendlyName in the post body."))?;
        if name.chars().count() > MAX_FRIENDLY_NAME || name.chars().any(char::is_control) {
            return Err(invalid(format!(
                "Invalid parameter `FriendlyName`: 1 to {MAX_FRIENDLY_NAME} printable characters."
            )));
        }
        match p.factor_type.as_deref() {
            Some("totp") => {}
            None | Some("") => {
                return Err(invalid(
                    "Missing required parameter FactorType in the post body.",
                ))
            }
            Some(other) => {
                return Err(reject(
                    60204,
                    format!(
                        "Service does not support this feature: FactorType '{other}' (only totp)."
                    ),
                ))
            }
        }
        let defaults = TotpConfig::default();
        let alg = match p.alg.as_deref() {
            None => Alg::Sha1,
            Some(a) => Alg::parse(a).ok_or_else(|| {
                invalid("Invalid parameter `Config.Alg`: sha1, sha256 or sha512.")
            })?,
        };
        let config = TotpConfig {
            time_step: range("Config.TimeStep", p.time_step, 20, 60, defaults.time_step)?,
            code_length: range(
                "Config.CodeLength",
                p.code_length,
                3,
                8,
                defaults.code_length,
            )?,
            skew: range("Config.Skew", p.skew, 0, 2, defaults.skew)?,
            alg: alg.as_str().to_owned(),
        };
        let secret = match p.binding_secret.filter(|s| !s.is_empty()) {
            Some(b32) => totp::base32_decode(&b32)
                .filter(|s| s.len() >= MIN_SECRET_BYTES)
                .ok_or_else(|| {
                    invalid("Invalid parameter `Binding.Secret`: base32, at least 128 bits.")
                })?,
            None => {
                let mut s = vec![0u8; SECRET_BYTES];
                rand::rngs::OsRng.fill_bytes(&mut s);
                s
            }
        };
        let (entity, _) = self.ensure_entity(account, service, identity).await?;
        let now = self.clock.now_millis();
        let factor = FactorRecord {
            sid: FactorSid::generate_at(now),
            service_sid: service.clone(),
            account_sid: account.clone(),
            entity_sid: entity.sid,
            identity: entity.identity,
            friendly_name: name,
            factor_type: "totp".into(),
            status: factor_status::UNVERIFIED.into(),
            sealed_secret: self.key.seal(&secret),
            config,
            last_step: None,
            failures: 0,
            date_created: now,
            date_updated: now,
        };
        self.store.create_factor(factor.clone()).await?;
        let b32 = totp::base32_encode(&secret);
        let c = &factor.config;
        let uri = totp::key_uri(
            &issuer,
            &factor.friendly_name,
            &b32,
            alg,
            c.code_length,
            c.time_step,
        );
        Ok(NewFactor {
            factor,
            secret: b32,
            uri,
        })
    }

    pub async fn factor(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
    ) -> Result<FactorRecord, MessageError> {
        self.owned(account, service).await?;
        self.store
            .get_factor(service, identity, sid)
            .await?
            .ok_or_else(not_found)
    }

    /// The entity's factors (20404 if there is no such entity).
    pub async fn factors(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
    ) -> Result<Vec<FactorRecord>, MessageError> {
        self.entity(account, service, identity).await?;
        Ok(self.store.list_factors(service, identity).await?)
    }

    pub async fn delete_factor(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
    ) -> Result<bool, MessageError> {
        self.owned(account, service).await?;
        Ok(self.store.delete_factor(service, identity, sid).await?)
    }

    /// The code in `AuthPayload` as an answer for `factor` now.
    fn answer(&self, f: &FactorRecord, payload: &str, now: Millis) -> Result<Answer, MessageError> {
        if !(3..=8).contains(&payload.len()) || !payload.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "Invalid parameter `AuthPayload`: a TOTP code of 3 to 8 digits.",
            ));
        }
        let secret = self.key.open(&f.sealed_secret).map_err(|_| {
            MessageError::Store(switchboard_store::Error::Other(
                "a factor secret could not be opened with the master key".into(),
            ))
        })?;
        Ok(match_code(&secret, &f.config, payload, now))
    }

    /// Verifies an unverified factor with its first code (`AuthPayload`): right → verified,
    /// wrong → still unverified (200, as Twilio); 60310 after 5 wrong codes.
    pub async fn verify_factor(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &FactorSid,
        auth_payload: Option<&str>,
    ) -> Result<FactorRecord, MessageError> {
        let f = self.factor(account, service, identity, sid).await?;
        let Some(payload) = auth_payload.filter(|p| !p.is_empty()) else {
            return Ok(f);
        };
        if f.status == factor_status::VERIFIED {
            return Ok(f);
        }
        let now = self.clock.now_millis();
        let answer = self.answer(&f, payload, now)?;
        match self
            .store
            .verify_factor(service, identity, sid, answer, now, MAX_FAILURES)
            .await?
        {
            Attempt::NotFound => Err(not_found()),
            Attempt::Locked => Err(reject(
                60310,
                "Factor verification attempts reached: create a new Factor.",
            )),
            Attempt::Accepted(f)
            | Attempt::Rejected(f)
            | Attempt::Unchanged(f)
            | Attempt::Expired(f) => Ok(f),
        }
    }

    /// Creates a challenge of a verified factor; with `AuthPayload` it is decided at once
    /// (`approved`, or `pending` for a wrong or already used code).
    pub async fn create_challenge(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
        factor_sid: Option<&str>,
        auth_payload: Option<&str>,
        expiration: Option<Millis>,
    ) -> Result<ChallengeRecord, MessageError> {
        let raw = factor_sid
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("Missing required parameter FactorSid in the post body."))?;
        let sid = FactorSid::parse(raw)
            .map_err(|_| invalid(format!("Invalid parameter `FactorSid`: {raw}")))?;
        let f = self.factor(account, service, identity, &sid).await?;
        if f.status != factor_status::VERIFIED {
            return Err(reject(
                60318,
                "Factor is unverified: verify it with a code first.",
            ));
        }
        let now = self.clock.now_millis();
        let expiration_date =
            match expiration {
                None => now + CHALLENGE_TTL_MS,
                Some(t) if t > now && t <= now + MAX_CHALLENGE_TTL_MS => t,
                Some(_) => return Err(invalid(
                    "Invalid parameter `ExpirationDate`: in the future, at most 60 minutes ahead.",
                )),
            };
        let answer = match auth_payload.filter(|p| !p.is_empty()) {
            Some(p) => Some(self.answer(&f, p, now)?),
            None => None,
        };
        let c = ChallengeRecord {
            sid: ChallengeSid::generate_at(now),
            service_sid: service.clone(),
            account_sid: account.clone(),
            entity_sid: f.entity_sid.clone(),
            identity: f.identity.clone(),
            factor_sid: f.sid.clone(),
            status: challenge_status::PENDING.into(),
            failures: 0,
            expiration_date,
            date_responded: None,
            date_created: now,
            date_updated: now,
        };
        self.store
            .create_challenge(c, answer)
            .await?
            .ok_or_else(not_found)
    }

    /// A code for a pending challenge: 60323 once expired, 60308 after 5 wrong codes.
    pub async fn answer_challenge(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &ChallengeSid,
        auth_payload: Option<&str>,
    ) -> Result<ChallengeRecord, MessageError> {
        let c = self.challenge(account, service, identity, sid).await?;
        let payload = auth_payload
            .filter(|p| !p.is_empty())
            .ok_or_else(|| invalid("Missing required parameter AuthPayload in the post body."))?;
        let f = self
            .factor(account, service, identity, &c.factor_sid)
            .await?;
        let now = self.clock.now_millis();
        let answer = self.answer(&f, payload, now)?;
        match self
            .store
            .answer_challenge(service, identity, sid, answer, now, MAX_FAILURES)
            .await?
        {
            Attempt::NotFound => Err(not_found()),
            Attempt::Locked => Err(reject(
                60308,
                "Challenge verification attempts limit reached: create a new Challenge.",
            )),
            Attempt::Expired(_) => Err(reject(60323, "Challenge expired: create a new Challenge.")),
            Attempt::Accepted(c) | Attempt::Rejected(c) | Attempt::Unchanged(c) => {
                Ok(present(c, now))
            }
        }
    }

    pub async fn challenge(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
        sid: &ChallengeSid,
    ) -> Result<ChallengeRecord, MessageError> {
        self.owned(account, service).await?;
        let now = self.clock.now_millis();
        self.store
            .get_challenge(service, identity, sid)
            .await?
            .map(|c| present(c, now))
            .ok_or_else(not_found)
    }

    /// The entity's challenges, optionally of one factor and/or in one status.
    pub async fn challenges(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: &str,
        factor_sid: Option<&str>,
        status: Option<&str>,
    ) -> Result<Vec<ChallengeRecord>, MessageError> {
        self.entity(account, service, identity).await?;
        let now = self.clock.now_millis();
        Ok(self
            .store
            .list_challenges(service, identity)
            .await?
            .into_iter()
            .map(|c| present(c, now))
            .filter(|c| factor_sid.is_none_or(|f| c.factor_sid.as_str() == f))
            .filter(|c| status.is_none_or(|s| c.status == s))
            .collect())
    }
}
