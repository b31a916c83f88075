//! Switchboard's use cases and the delivery pipeline.
//!
//! Architecture invariants:
//! - no HTTP, form or JSON types: `api` translates requests into the calls here;
//! - all storage goes through `switchboard_store::Store`, all time through `Clock`;
//! - a message is committed to the store before `send` returns, and only the
//!   pipeline moves it from `queued` onwards.
//!
//! Layout:
//! - [`crypto`]: the master key, sealing auth tokens (AEAD) and hashing API key secrets.
//! - [`accounts`]: account creation and HTTP Basic credential checks (constant time, cached).
//! - [`audit`]: the tamper-evident audit log (keyed hash chain): record, list, verify.
//! - [`messages`]: send/fetch/list/redact/cancel/delete with Twilio's validation rules.
//! - [`calls`]: the Calls resource: create/fetch/list/update/delete; the call engine's wake-up.
//! - [`carrier`]: the `Carrier` trait and the in-process simulated carrier.
//! - [`delivery`]: the pipeline: claim with a lease, submit, classify, retry, receipts.
//! - [`shield`]: the smishing shield in the outbound and inbound paths, with account settings.
//! - [`voice`]: calls over SIP trunks: the engine, RTP media, text-to-speech, voice TwiML.

pub mod accounts;
pub mod audit;
pub mod calls;
pub mod carrier;
pub mod console;
pub mod crypto;
pub mod delivery;
pub mod factors;
pub mod inbound;
pub mod messages;
pub mod numbers;
pub mod passkeys;
pub mod services;
pub mod shaping;
pub mod shield;
pub mod verify;
pub mod voice;
pub mod webhooks;

/// The shield's types `api` renders.
pub use switchboard_filter as filter;
/// The store types `api` renders (re-exported so `api` needs no direct store dependency).
pub use switchboard_store as store;

use std::sync::Arc;
use switchboard_domain::clock::Clock;
use switchboard_store::Store;

/// Shared handles for the use cases.
#[derive(Clone)]
pub struct Core {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub accounts: Arc<accounts::Accounts>,
    /// The tamper-evident audit log.
    pub audit: Arc<audit::Audit>,
    pub messages: Arc<messages::Messages>,
    /// Voice calls (the Calls resource; the engine dials them).
    pub calls: Arc<calls::Calls>,
    pub numbers: Arc<numbers::Numbers>,
    pub services: Arc<services::Services>,
    /// The smishing shield (`None` when `[shield] enabled = false`).
    pub shield: Option<Arc<shield::Screening>>,
    /// Twilio Verify.
    pub verify: Arc<verify::Verify>,
    /// Twilio Verify TOTP factors (entities, factors, challenges).
    pub factors: Arc<factors::Factors>,
    /// Verify's passkeys factor (WebAuthn).
    pub passkeys: Arc<passkeys::Passkeys>,
    /// The web console and operator plane (passkey sign-in, sessions, support grants).
    pub console: Arc<console::Console>,
}

impl Core {
    /// The use cases over `store`; `shield` screens every message when present.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        key: crypto::MasterKey,
        policy: messages::SenderPolicy,
        shield: Option<Arc<shield::Screening>>,
        verify: verify::VerifyPolicy,
    ) -> Self {
        let audit = Arc::new(audit::Audit::new(store.clone(), clock.clone(), &key));
        let accounts = Arc::new(accounts::Accounts::new(
            store.clone(),
            clock.clone(),
            key.clone(),
        ));
        let calls = Arc::new(calls::Calls::new(
            store.clone(),
            clock.clone(),
            policy.test_sender.clone(),
        ));
        let messages = Arc::new(messages::Messages::new(
            store.clone(),
            clock.clone(),
            policy,
            shield.clone(),
        ));
        let numbers = Arc::new(numbers::Numbers::new(store.clone(), clock.clone()));
        let services = Arc::new(services::Services::new(store.clone(), clock.clone()));
        let factors = Arc::new(factors::Factors::new(
            store.clone(),
            clock.clone(),
            key.clone(),
        ));
        let passkeys = Arc::new(passkeys::Passkeys::new(store.clone(), clock.clone()));
        let console = Arc::new(console::Console::new(
            store.clone(),
            clock.clone(),
            key.clone(),
            console::ConsoleSettings::default(),
        ));
        let verify = Arc::new(verify::Verify::new(
            store.clone(),
            clock.clone(),
            key,
            messages.clone(),
            calls.clone(),
            verify,
        ));
        Self {
            store,
            clock,
            accounts,
            audit,
            messages,
            calls,
            numbers,
            services,
            shield,
            verify,
            factors,
            passkeys,
            console,
        }
    }

    /// Serves the console at `settings.origin` (replaces the default `http://localhost`).
    pub fn with_console(mut self, settings: console::ConsoleSettings) -> Self {
        self.console = Arc::new(self.console.with_settings(settings));
        self
    }
}
