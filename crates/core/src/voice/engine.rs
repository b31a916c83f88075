//! The voice engine: claims queued calls from the store (with a lease, so several nodes
//! sharing PostgreSQL never dial the same call twice) and drives each one in its own task.

use super::fetch::WebFetch;
use super::trunks::Trunks;
use super::tts::Tts;
use super::VoiceSettings;
use crate::accounts::Accounts;
use crate::webhooks::WebhookClient;
use std::sync::Arc;
use std::time::Duration;
use switchboard_domain::call::CallStatus;
use switchboard_domain::clock::Clock;
use switchboard_domain::ids::CallSid;
use switchboard_sip::SipUa;
use switchboard_store::calls::{CallAction, CallPatch, CallRecord};
use switchboard_store::Store;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Shared state of the engine and its call tasks.
pub struct Engine {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) accounts: Arc<Accounts>,
    pub(crate) client: Arc<dyn WebhookClient>,
    pub(crate) tts: Arc<dyn Tts>,
    /// `None` without trunks (every call then fails: no route).
    pub(crate) ua: Option<SipUa>,
    pub(crate) trunks: Trunks,
    pub(crate) settings: VoiceSettings,
    /// Notified by the Calls service when a call is created or an action is requested.
    pub(crate) wake: Arc<Notify>,
    node: String,
    /// TwiML errors of live calls, written into their final record.
    errors: std::sync::Mutex<std::collections::HashMap<CallSid, (u32, String)>>,
}

/// A call's requested actions (cancel, hang up, redirect) as they arrive.
pub(crate) struct Actions {
    engine: Arc<Engine>,
    sid: CallSid,
}

impl Actions {
    /// The next action requested for this call (waits; checks on every wake and every
    /// second, since the request may have been made on another node).
    pub(crate) async fn next(&self) -> Option<CallAction> {
        loop {
            match self.engine.store.take_action(&self.sid).await {
                Ok(Some(a)) => return Some(a),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(call_sid = %self.sid, error = %e, "Cannot read call actions.")
                }
            }
            tokio::select! {
                () = self.engine.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }
}

impl Engine {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        accounts: Arc<Accounts>,
        client: Arc<dyn WebhookClient>,
        tts: Arc<dyn Tts>,
        ua: Option<SipUa>,
        trunks: Trunks,
        settings: VoiceSettings,
        wake: Arc<Notify>,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            clock,
            accounts,
            client,
            tts,
            ua,
            trunks,
            settings,
            wake,
            node: format!("voice-{:016x}", rand::random::<u64>()),
            errors: std::sync::Mutex::default(),
        })
    }

    /// Claims and drives calls until `stop`; then hangs up the calls in progress.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        let mut tasks = tokio::task::JoinSet::new();
        if let Some(incoming) = self.ua.as_ref().and_then(|ua| ua.take_incoming()) {
            tasks.spawn(super::inbound::serve(self.clone(), incoming, stop.clone()));
        }
        let lease = i64::try_from(self.settings.claim_lease.as_millis()).unwrap_or(i64::MAX / 4);
        while !stop.is_cancelled() {
            let now = self.clock.now_millis();
            let claimed = match self
                .store
                .claim_due_calls(&self.node, now, lease, self.settings.claim_batch)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "Cannot claim calls; will retry.");
                    Vec::new()
                }
            };
            let got = claimed.len();
            for call in claimed {
                tasks.spawn(super::call::drive(self.clone(), call, stop.clone()));
            }
            while tasks.try_join_next().is_some() {}
            if got == 0 {
                tokio::select! {
                    () = stop.cancelled() => {}
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(self.settings.poll_interval) => {}
                }
            }
        }
        while tasks.join_next().await.is_some() {}
    }

    pub(crate) fn actions(self: &Arc<Self>, sid: &CallSid) -> Actions {
        Actions {
            engine: self.clone(),
            sid: sid.clone(),
        }
    }

    /// Gives a claimed call back (no trunk capacity now): it is claimed again later.
    pub(crate) async fn release(&self, sid: &CallSid) {
        if let Err(e) = self.store.release_call(sid).await {
            tracing::warn!(call_sid = %sid, error = %e, "Cannot release a call claim.");
        }
    }

    /// Dialing starts: the `initiated` event. `false` if the call was canceled meanwhile.
    pub(crate) async fn initiated(&self, sid: &CallSid) -> bool {
        match self
            .store
            .mark_initiated(sid, self.clock.now_millis())
            .await
        {
            Ok(still_queued) => still_queued,
            Err(e) => {
                tracing::warn!(call_sid = %sid, error = %e, "Cannot record a call as initiated.");
                true
            }
        }
    }

    pub(crate) async fn transition(
        &self,
        sid: &CallSid,
        from: &[CallStatus],
        to: CallStatus,
        patch: CallPatch,
    ) {
        let now = self.clock.now_millis();
        if let Err(e) = self.store.transition(sid, from, to, patch, now).await {
            tracing::warn!(call_sid = %sid, error = %e, status = to.as_str(), "Cannot record a call status.");
        }
    }

    /// Ends the call in `to` with an optional error.
    pub(crate) async fn finish(
        &self,
        sid: &CallSid,
        from: &[CallStatus],
        to: CallStatus,
        patch: Option<CallPatch>,
        error: Option<(u32, String)>,
    ) {
        let mut patch = patch.unwrap_or_default();
        patch.end_time.get_or_insert(self.clock.now_millis());
        self.finish_with(sid, from, to, patch, error).await;
    }

    pub(crate) async fn finish_with(
        &self,
        sid: &CallSid,
        from: &[CallStatus],
        to: CallStatus,
        mut patch: CallPatch,
        error: Option<(u32, String)>,
    ) {
        if let Some((code, message)) = error {
            patch.error_code.get_or_insert(code);
            patch.error_message.get_or_insert(message);
        }
        self.transition(sid, from, to, patch).await;
    }

    /// A TwiML error: kept on the call (its status still ends `completed` when answered).
    /// A TwiML error: kept for the call's final record (the call then hangs up and still
    /// ends `completed`, as at Twilio, but the resource says why).
    pub(crate) fn record_error(&self, sid: &CallSid, code: u32, message: &str) {
        tracing::info!(call_sid = %sid, code, message, "TwiML error; hanging up.");
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sid.clone(), (code, message.to_owned()));
    }

    /// The TwiML error recorded for `sid`, if any (taken once, when the call ends).
    pub(crate) fn take_error(&self, sid: &CallSid) -> Option<(u32, String)> {
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(sid)
    }

    pub(crate) async fn warn(&self, sid: &CallSid, text: String) {
        let now = self.clock.now_millis();
        if let Err(e) = self.store.add_warning(sid, &text, now).await {
            tracing::warn!(call_sid = %sid, error = %e, "Cannot record a call warning.");
        }
    }

    /// The document fetcher for `call` (signed with its account's auth token).
    pub(crate) async fn fetcher(&self, call: &CallRecord, status: CallStatus) -> Option<WebFetch> {
        let token = match self.accounts.auth_token(&call.account_sid).await {
            Ok(Some(t)) => t,
            _ => {
                tracing::warn!(call_sid = %call.sid, "The call's account is gone; hanging up.");
                return None;
            }
        };
        let params = vec![
            ("CallSid".to_owned(), call.sid.to_string()),
            ("AccountSid".to_owned(), call.account_sid.to_string()),
            ("From".to_owned(), call.from.clone()),
            ("To".to_owned(), call.to.clone()),
            ("CallStatus".to_owned(), status.as_str().to_owned()),
            ("Direction".to_owned(), call.direction.as_str().to_owned()),
            ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
        ];
        Some(WebFetch::new(
            self.client.clone(),
            token,
            call.sid.to_string(),
            params,
        ))
    }
}
