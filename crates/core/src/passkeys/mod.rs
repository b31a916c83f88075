//! The Verify passkeys factor (WebAuthn, on `webauthn_rp`): registration
//! (`Passkeys/Factors` → `Passkeys/VerifyFactor`) and sign-in (`Passkeys/Challenges` →
//! `Passkeys/ApproveChallenge`) against a service's relying party.
//!
//! Several nodes share one store: the ceremony state `webauthn_rp` keeps between start and
//! finish is encoded into the store (keyed by its challenge) and taken atomically on
//! finish, so a challenge is used at most once; credentials and their sign counters live
//! there too. WebAuthn messages (options out, credentials in) are the browser's JSON, which
//! this module produces and parses with `webauthn_rp`'s serde types; `api` passes them through.

pub mod settings;
pub(crate) mod webauthn;

use crate::messages::{reject, MessageError};
use crate::verify::{invalid, not_found};
use std::sync::Arc;
use switchboard_domain::clock::{Clock, Millis};
use switchboard_domain::ids::{AccountSid, ChallengeSid, EntitySid, FactorSid, VerifyServiceSid};
use switchboard_store::{
    ceremony_kind, factor_status, PasskeyCeremony, PasskeyFactorRecord, PasskeysConfig,
    RegisterOutcome, Store,
};

/// Longest factor `FriendlyName`.
pub const MAX_FRIENDLY_NAME: usize = 64;

/// A factor just created: its record and the browser's creation options (JSON text).
#[derive(Debug, Clone)]
pub struct NewFactor {
    pub factor: PasskeyFactorRecord,
    pub config: PasskeysConfig,
    /// `{"publicKey": PublicKeyCredentialCreationOptionsJSON}`.
    pub options: String,
}

/// A sign-in challenge (`YC…`), pending or approved.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub sid: String,
    pub service_sid: VerifyServiceSid,
    pub account_sid: AccountSid,
    pub identity: Option<String>,
    pub entity_sid: Option<EntitySid>,
    pub factor_sid: Option<FactorSid>,
    pub date_created: Millis,
    pub date_updated: Millis,
    pub expires_at: Millis,
    /// `None` while pending, else when it was approved.
    pub date_responded: Option<Millis>,
    /// `{"publicKey": PublicKeyCredentialRequestOptionsJSON}` (only when created).
    pub options: Option<String>,
}

/// The passkeys use cases.
pub struct Passkeys {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

/// An identity as Twilio takes it: 8–64 characters, letters, digits and dashes.
pub fn valid_identity(s: &str) -> bool {
    (8..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Passkeys {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// The service's passkeys settings and its relying party id (60204 when unset).
    async fn relying_party(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
    ) -> Result<(PasskeysConfig, String), MessageError> {
        let s = self
            .store
            .get_verify_service(account, service)
            .await?
            .ok_or_else(not_found)?;
        let config = s.config.passkeys;
        let rp_id = config.rp_id.clone().ok_or_else(|| {
            reject(
                60204,
                "Passkeys are not configured for this Service: set Passkeys.RelyingParty.Id.",
            )
        })?;
        Ok((config, rp_id))
    }

    /// Creates an unverified factor for `identity` and starts its registration.
    pub async fn create_factor(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: Option<&str>,
        friendly_name: Option<&str>,
    ) -> Result<NewFactor, MessageError> {
        let (config, rp_id) = self.relying_party(account, service).await?;
        let identity = identity.filter(|i| valid_identity(i)).ok_or_else(|| {
            invalid("Invalid parameter: identity must be 8 to 64 letters, digits or dashes.")
        })?;
        let name = friendly_name.map(str::trim).unwrap_or_default();
        if name.is_empty() || name.chars().count() > MAX_FRIENDLY_NAME {
            return Err(invalid(format!(
                "Invalid parameter: friendly_name must be 1 to {MAX_FRIENDLY_NAME} characters."
            )));
        }
        let existing = self.store.list_passkey_factors(service, identity).await?;
        // Every factor of an entity shares its SID and WebAuthn user handle.
        let (entity_sid, user_handle) = match existing.first() {
            Some(f) => (f.entity_sid.clone(), f.user_handle.clone()),
            None => (EntitySid::generate(), webauthn::new_user_handle()),
        };
        let exclude: Vec<_> = existing
            .iter()
            .filter_map(|f| f.credential.as_ref())
            .collect();
        let started =
            webauthn::start_registration(&config, &rp_id, identity, name, &user_handle, &exclude)?;
        let now = self.clock.now_millis();
        let factor = PasskeyFactorRecord {
            sid: FactorSid::generate_at(now),
            service_sid: service.clone(),
            account_sid: account.clone(),
            entity_sid,
            identity: identity.to_owned(),
            friendly_name: name.to_owned(),
            status: factor_status::UNVERIFIED.into(),
            user_handle,
            credential: None,
            date_created: now,
            date_updated: now,
        };
        let ceremony = PasskeyCeremony {
            challenge: started.challenge,
            service_sid: service.clone(),
            account_sid: account.clone(),
            kind: ceremony_kind::REGISTRATION.into(),
            sid: factor.sid.as_str().to_owned(),
            factor_sid: Some(factor.sid.clone()),
            identity: Some(identity.to_owned()),
            state: started.state,
            expires_at: now + webauthn::TIMEOUT_MS,
            date_created: now,
        };
        self.store
            .create_passkey_factor(factor.clone(), ceremony)
            .await?;
        Ok(NewFactor {
            factor,
            config,
            options: started.options,
        })
    }

    /// Finishes a registration with the browser's credential (`RegistrationResponseJSON`).
    pub async fn verify_factor(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        body: &[u8],
    ) -> Result<(PasskeyFactorRecord, PasskeysConfig), MessageError> {
        let (config, rp_id) = self.relying_party(account, service).await?;
        let reg = webauthn::parse_registration(body)?;
        let now = self.clock.now_millis();
        let ceremony = self
            .store
            .take_passkey_ceremony(service, &reg.challenge, now)
            .await?
            .filter(|c| c.kind == ceremony_kind::REGISTRATION)
            .ok_or_else(unknown_challenge)?;
        let factor_sid = ceremony.factor_sid.ok_or_else(unknown_challenge)?;
        let origins = settings::allowed_origins(&config, &rp_id);
        let credential = webauthn::finish_registration(&rp_id, &origins, &ceremony.state, &reg)?;
        match self
            .store
            .verify_passkey_factor(service, &factor_sid, credential, now)
            .await?
        {
            RegisterOutcome::Verified(f) => Ok((*f, config)),
            RegisterOutcome::NotFound => Err(unknown_challenge()),
            RegisterOutcome::CredentialExists => Err(invalid(
                "This passkey is already registered with this Service.",
            )),
        }
    }

    /// Starts a sign-in: for `identity` (its verified passkeys, or only `factor_sid`), or,
    /// without an identity, for any discoverable passkey of the service.
    pub async fn create_challenge(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        identity: Option<&str>,
        factor_sid: Option<&str>,
    ) -> Result<Challenge, MessageError> {
        let (config, rp_id) = self.relying_party(account, service).await?;
        let factor_sid = factor_sid
            .filter(|s| !s.is_empty())
            .map(|s| FactorSid::parse(s).map_err(|_| invalid("Invalid parameter: factor_sid.")))
            .transpose()?;
        let identity = identity.filter(|i| !i.is_empty());
        let (kind, started, entity_sid) = match identity {
            Some(identity) => {
                if !valid_identity(identity) {
                    return Err(invalid(
                        "Invalid parameter: identity must be 8 to 64 letters, digits or dashes.",
                    ));
                }
                let factors: Vec<_> = self
                    .store
                    .list_passkey_factors(service, identity)
                    .await?
                    .into_iter()
                    .filter(|f| f.status == factor_status::VERIFIED)
                    .filter(|f| factor_sid.as_ref().is_none_or(|s| *s == f.sid))
                    .collect();
                let creds: Vec<_> = factors
                    .iter()
                    .filter_map(|f| f.credential.as_ref())
                    .collect();
                if creds.is_empty() {
                    return Err(not_found());
                }
                let started = webauthn::start_authentication(&config, &rp_id, &creds)?;
                let entity = factors.first().map(|f| f.entity_sid.clone());
                (ceremony_kind::AUTHENTICATION, started, entity)
            }
            None if factor_sid.is_some() => {
                return Err(invalid("Invalid parameter: factor_sid needs identity."))
            }
            None => (
                ceremony_kind::DISCOVERABLE,
                webauthn::start_discoverable(&config, &rp_id)?,
                None,
            ),
        };
        let now = self.clock.now_millis();
        let sid = ChallengeSid::generate_at(now).as_str().to_owned();
        let ceremony = PasskeyCeremony {
            challenge: started.challenge,
            service_sid: service.clone(),
            account_sid: account.clone(),
            kind: kind.into(),
            sid: sid.clone(),
            factor_sid: factor_sid.clone(),
            identity: identity.map(str::to_owned),
            state: started.state,
            expires_at: now + webauthn::TIMEOUT_MS,
            date_created: now,
        };
        self.store
            .put_passkey_ceremony(ceremony.clone(), now)
            .await?;
        Ok(Challenge {
            sid,
            service_sid: service.clone(),
            account_sid: account.clone(),
            identity: ceremony.identity,
            entity_sid,
            factor_sid,
            date_created: now,
            date_updated: now,
            expires_at: ceremony.expires_at,
            date_responded: None,
            options: Some(started.options),
        })
    }

    /// Finishes a sign-in with the browser's assertion (`AuthenticationResponseJSON`).
    pub async fn approve_challenge(
        &self,
        account: &AccountSid,
        service: &VerifyServiceSid,
        body: &[u8],
    ) -> Result<Challenge, MessageError> {
        let (config, rp_id) = self.relying_party(account, service).await?;
        let assertion = webauthn::parse_assertion(body)?;
        let now = self.clock.now_millis();
        // Taken first: whatever happens next, this challenge cannot be answered again.
        let ceremony = self
            .store
            .take_passkey_ceremony(service, &assertion.challenge, now)
            .await?
            .filter(|c| c.kind != ceremony_kind::REGISTRATION)
            .ok_or_else(unknown_challenge)?;
        let factor = self
            .store
            .find_passkey_credential(service, &assertion.credential_id)
            .await?
            .filter(|f| ceremony.identity.as_ref().is_none_or(|i| *i == f.identity))
            .ok_or_else(|| verification_failed("UnknownCredential"))?;
        let credential = factor
            .credential
            .as_ref()
            .ok_or_else(|| verification_failed("UnknownCredential"))?;
        let origins = settings::allowed_origins(&config, &rp_id);
        let discoverable = ceremony.kind == ceremony_kind::DISCOVERABLE;
        let changed = webauthn::finish_authentication(
            &rp_id,
            &origins,
            &ceremony.state,
            discoverable,
            body,
            &factor.user_handle,
            credential,
        )?;
        if let Some(dynamic_state) = changed {
            self.store
                .update_passkey_dynamic_state(service, &factor.sid, dynamic_state, now)
                .await?;
        }
        Ok(Challenge {
            sid: ceremony.sid,
            service_sid: service.clone(),
            account_sid: account.clone(),
            identity: Some(factor.identity),
            entity_sid: Some(factor.entity_sid),
            factor_sid: Some(factor.sid),
            date_created: ceremony.date_created,
            date_updated: now,
            expires_at: ceremony.expires_at,
            date_responded: Some(now),
            options: None,
        })
    }
}

/// No open ceremony for the challenge: never issued, already used, expired, or another service's.
fn unknown_challenge() -> MessageError {
    reject(
        60391,
        "Challenge not found: unknown, expired or already used.",
    )
}

/// The ceremony failed a WebAuthn check (`reason` names which, e.g. `OriginMismatch`).
fn verification_failed(reason: &str) -> MessageError {
    reject(60324, format!("Challenge verification failed: {reason}"))
}
