//! WebAuthn ceremonies of the console: redeeming an invite with a first key, adding a
//! key, signing in, and the fresh assertion before a sensitive action.

use super::sessions::SignedIn;
use super::{random_token, Console, ConsoleError};
use crate::passkeys::webauthn;
use switchboard_domain::ids::ConsoleUserSid;
use switchboard_store::{
    console_ceremony, realm, ConsoleCeremony, ConsoleCredential, ConsoleInvite, ConsoleSession,
    ConsoleUser, RedeemOutcome,
};

/// A started ceremony: the browser's options (`{"publicKey": …}` JSON text).
#[derive(Debug, Clone)]
pub struct Started {
    pub options: String,
}

/// Whom a ceremony belongs to, besides its realm.
struct Owner {
    user_sid: Option<ConsoleUserSid>,
    invite_hash: Option<Vec<u8>>,
    session_hash: Option<Vec<u8>>,
}

fn gone(what: &str) -> ConsoleError {
    ConsoleError::NotFound(format!("{what} is unknown, used or expired; start again"))
}

impl Console {
    /// Creates a one-time invite; returns its token (shown once, part of the link).
    pub async fn create_invite(
        &self,
        realm_name: &str,
        account: Option<switchboard_domain::ids::AccountSid>,
        role: &str,
        name: &str,
        created_by: &str,
    ) -> Result<(String, ConsoleInvite), ConsoleError> {
        let operator = realm_name == realm::OPERATOR;
        if operator != account.is_none() {
            return Err(ConsoleError::Invalid(
                "a console invite needs an account; an operator invite has none".into(),
            ));
        }
        if !operator && !super::ROLES.contains(&role) {
            return Err(ConsoleError::Invalid(format!(
                "unknown role `{role}` (one of {})",
                super::ROLES.join(", ")
            )));
        }
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(ConsoleError::Invalid(
                "a name of 1 to 64 characters is required".into(),
            ));
        }
        let token = random_token();
        let now = self.now();
        let invite = ConsoleInvite {
            token_hash: self.token_hash("invite", &token),
            realm: realm_name.to_owned(),
            account_sid: account,
            role: if operator {
                "operator".into()
            } else {
                role.to_owned()
            },
            name: name.to_owned(),
            created_by: created_by.to_owned(),
            expires_at: now + self.settings.invite_ttl_ms,
            date_created: now,
        };
        self.store.create_console_invite(invite.clone()).await?;
        Ok((token, invite))
    }

    /// The invite behind a link, if it can still be redeemed.
    pub async fn invite(&self, token: &str) -> Result<ConsoleInvite, ConsoleError> {
        self.store
            .get_console_invite(&self.token_hash("invite", token), self.now())
            .await?
            .ok_or_else(|| gone("this invite"))
    }

    /// Starts registering the first key of the user an invite creates.
    pub async fn start_invite(&self, token: &str) -> Result<Started, ConsoleError> {
        let invite = self.invite(token).await?;
        let operator = invite.realm == realm::OPERATOR;
        let sid = ConsoleUserSid::generate();
        let handle = webauthn::new_user_handle();
        let started = webauthn::start_registration(
            &self.rp_config(operator),
            &self.settings.rp_id,
            sid.as_str(),
            &invite.name,
            &handle,
            &[],
        )?;
        // The user handle travels in the ceremony state (after the 64-byte handle).
        let mut state = handle;
        state.extend_from_slice(&started.state);
        let started = webauthn::Started { state, ..started };
        let owner = Owner {
            user_sid: Some(sid),
            invite_hash: Some(invite.token_hash),
            session_hash: None,
        };
        self.open(console_ceremony::INVITE, invite.realm, owner, started)
            .await
    }

    /// Finishes an invite of `realm_name`: checks the new credential, creates the user with
    /// it, uses up the invite and signs the user in. An invite of the other realm is left
    /// unused (the ceremony must be started again at the right place).
    pub async fn finish_invite(
        &self,
        realm_name: &str,
        body: &[u8],
    ) -> Result<SignedIn, ConsoleError> {
        let parsed = webauthn::parse_registration(body)?;
        let c = self
            .take(&parsed.challenge, console_ceremony::INVITE)
            .await?;
        if c.realm != realm_name {
            return Err(ConsoleError::Denied(
                "this invite is not for this place: open the link you were sent".into(),
            ));
        }
        let operator = c.realm == realm::OPERATOR;
        if c.state.len() < 64 {
            return Err(ConsoleError::Invalid("corrupt ceremony".into()));
        }
        let (handle, state) = c.state.split_at(64);
        let (credential, eligible) = webauthn::finish_registration_bound(
            &self.settings.rp_id,
            &self.origins(),
            state,
            &parsed,
            operator,
        )?;
        let (Some(sid), Some(invite_hash)) = (c.user_sid, c.invite_hash) else {
            return Err(ConsoleError::Invalid("corrupt ceremony".into()));
        };
        let now = self.now();
        let invite = self
            .store
            .get_console_invite(&invite_hash, now)
            .await?
            .ok_or_else(|| gone("this invite"))?;
        let user = ConsoleUser {
            sid: sid.clone(),
            realm: invite.realm.clone(),
            account_sid: invite.account_sid.clone(),
            role: invite.role.clone(),
            name: invite.name.clone(),
            user_handle: handle.to_vec(),
            status: "active".into(),
            date_created: now,
            date_updated: now,
        };
        let cred = ConsoleCredential {
            user_sid: sid,
            credential,
            backup_eligible: eligible,
            friendly_name: "first key".into(),
            date_created: now,
            last_used: Some(now),
        };
        match self
            .store
            .redeem_console_invite(&invite_hash, user.clone(), cred, now)
            .await?
        {
            RedeemOutcome::Created => {}
            RedeemOutcome::InviteGone => return Err(gone("this invite")),
            RedeemOutcome::CredentialExists => {
                return Err(ConsoleError::Denied(
                    "this key is already registered".into(),
                ))
            }
        }
        self.sign_in(user).await
    }

    /// Starts a sign-in with any discoverable credential of `realm_name`.
    pub async fn start_login(&self, realm_name: &str) -> Result<Started, ConsoleError> {
        let operator = realm_name == realm::OPERATOR;
        let started =
            webauthn::start_discoverable(&self.rp_config(operator), &self.settings.rp_id)?;
        let owner = Owner {
            user_sid: None,
            invite_hash: None,
            session_hash: None,
        };
        self.open(
            console_ceremony::LOGIN,
            realm_name.to_owned(),
            owner,
            started,
        )
        .await
    }

    /// Finishes a sign-in: a new session for the key's user.
    pub async fn finish_login(
        &self,
        realm_name: &str,
        body: &[u8],
    ) -> Result<SignedIn, ConsoleError> {
        let parsed = webauthn::parse_assertion(body)?;
        let c = self
            .take(&parsed.challenge, console_ceremony::LOGIN)
            .await?;
        if c.realm != realm_name {
            return Err(gone("this sign-in"));
        }
        let user = self
            .check_assertion(&c, &parsed.credential_id, body, true)
            .await?;
        if user.realm != realm_name {
            return Err(ConsoleError::Denied("this key does not belong here".into()));
        }
        self.sign_in(user).await
    }

    /// Starts a fresh assertion for the signed-in user (before a sensitive action).
    pub async fn start_fresh(&self, session: &ConsoleSession) -> Result<Started, ConsoleError> {
        let creds = self
            .store
            .list_console_credentials(&session.user_sid)
            .await?;
        let stored: Vec<_> = creds.iter().map(|c| &c.credential).collect();
        let operator = session.realm == realm::OPERATOR;
        let started = webauthn::start_authentication(
            &self.rp_config(operator),
            &self.settings.rp_id,
            &stored,
        )?;
        let owner = Owner {
            user_sid: Some(session.user_sid.clone()),
            invite_hash: None,
            session_hash: Some(session.id_hash.clone()),
        };
        self.open(
            console_ceremony::FRESH,
            session.realm.clone(),
            owner,
            started,
        )
        .await
    }

    /// Finishes a fresh assertion: the session may do sensitive actions for a while.
    pub async fn finish_fresh(
        &self,
        session: &ConsoleSession,
        body: &[u8],
    ) -> Result<(), ConsoleError> {
        let parsed = webauthn::parse_assertion(body)?;
        let c = self
            .take(&parsed.challenge, console_ceremony::FRESH)
            .await?;
        if c.session_hash.as_deref() != Some(session.id_hash.as_slice()) {
            return Err(gone("this confirmation"));
        }
        let user = self
            .check_assertion(&c, &parsed.credential_id, body, false)
            .await?;
        if user.sid != session.user_sid {
            return Err(ConsoleError::Denied(
                "this key belongs to someone else".into(),
            ));
        }
        self.store
            .set_console_session_fresh(&session.id_hash, self.now())
            .await?;
        Ok(())
    }

    /// Starts registering another key for the signed-in user (needs a fresh session).
    pub async fn start_add_key(&self, session: &ConsoleSession) -> Result<Started, ConsoleError> {
        self.require_fresh(session)?;
        let user = self.user(&session.user_sid).await?;
        let creds = self.store.list_console_credentials(&user.sid).await?;
        let exclude: Vec<_> = creds.iter().map(|c| &c.credential).collect();
        let operator = user.realm == realm::OPERATOR;
        let started = webauthn::start_registration(
            &self.rp_config(operator),
            &self.settings.rp_id,
            user.sid.as_str(),
            &user.name,
            &user.user_handle,
            &exclude,
        )?;
        let owner = Owner {
            user_sid: Some(user.sid),
            invite_hash: None,
            session_hash: Some(session.id_hash.clone()),
        };
        self.open(console_ceremony::ADD_KEY, user.realm, owner, started)
            .await
    }

    /// Finishes adding a key.
    pub async fn finish_add_key(
        &self,
        session: &ConsoleSession,
        body: &[u8],
        friendly_name: &str,
    ) -> Result<(), ConsoleError> {
        let parsed = webauthn::parse_registration(body)?;
        let c = self
            .take(&parsed.challenge, console_ceremony::ADD_KEY)
            .await?;
        if c.session_hash.as_deref() != Some(session.id_hash.as_slice()) {
            return Err(gone("this registration"));
        }
        let operator = c.realm == realm::OPERATOR;
        let (credential, eligible) = webauthn::finish_registration_bound(
            &self.settings.rp_id,
            &self.origins(),
            &c.state,
            &parsed,
            operator,
        )?;
        let name = friendly_name.trim();
        let added = self
            .store
            .add_console_credential(ConsoleCredential {
                user_sid: session.user_sid.clone(),
                credential,
                backup_eligible: eligible,
                friendly_name: if name.is_empty() {
                    "key".into()
                } else {
                    name.chars().take(64).collect()
                },
                date_created: self.now(),
                last_used: None,
            })
            .await?;
        if !added {
            return Err(ConsoleError::Denied(
                "this key is already registered".into(),
            ));
        }
        Ok(())
    }

    /// Checks an assertion against the stored credential; writes back its state.
    async fn check_assertion(
        &self,
        c: &ConsoleCeremony,
        credential_id: &[u8],
        body: &[u8],
        discoverable: bool,
    ) -> Result<ConsoleUser, ConsoleError> {
        let unknown = || ConsoleError::Denied("this key is not registered here".into());
        let stored = self
            .store
            .get_console_credential(credential_id)
            .await?
            .ok_or_else(unknown)?;
        let user = self
            .store
            .get_console_user(&stored.user_sid)
            .await?
            .filter(|u| u.status == "active")
            .ok_or_else(unknown)?;
        let changed = webauthn::finish_authentication(
            &self.settings.rp_id,
            &self.origins(),
            &c.state,
            discoverable,
            body,
            &user.user_handle,
            &stored.credential,
        )?;
        let dynamic = changed.unwrap_or(stored.credential.dynamic_state);
        self.store
            .update_console_credential(credential_id, dynamic, self.now())
            .await?;
        Ok(user)
    }

    /// Stores a started ceremony for its finish (on any node) and hands out its options.
    async fn open(
        &self,
        kind: &str,
        realm_name: String,
        owner: Owner,
        started: webauthn::Started,
    ) -> Result<Started, ConsoleError> {
        let now = self.now();
        let c = ConsoleCeremony {
            challenge: started.challenge,
            kind: kind.into(),
            realm: realm_name,
            user_sid: owner.user_sid,
            invite_hash: owner.invite_hash,
            session_hash: owner.session_hash,
            state: started.state,
            expires_at: now + webauthn::TIMEOUT_MS,
            date_created: now,
        };
        self.store.put_console_ceremony(c, now).await?;
        Ok(Started {
            options: started.options,
        })
    }

    async fn take(&self, challenge: &str, kind: &str) -> Result<ConsoleCeremony, ConsoleError> {
        self.store
            .take_console_ceremony(challenge, self.now())
            .await?
            .filter(|c| c.kind == kind)
            .ok_or_else(|| gone("this challenge"))
    }

    pub(super) async fn user(&self, sid: &ConsoleUserSid) -> Result<ConsoleUser, ConsoleError> {
        self.store
            .get_console_user(sid)
            .await?
            .ok_or_else(|| ConsoleError::NotFound("no such user".into()))
    }
}
