//! The webhook dispatcher: claims due outbox rows, sends them, records how it went.

use super::params::{build, build_call};
use super::replies::reply;
use super::{split_overrides, HookMethod, HookRequest, HookResponse, Overrides, WebhookClient};
use crate::accounts::Accounts;
use crate::delivery::Wakes;
use std::sync::Arc;
use std::time::Duration;
use switchboard_domain::clock::Clock;
use switchboard_domain::retry::{next_attempt, RetryPolicy};
use switchboard_store::{
    CallWebhook, NewMessage, Store, WebhookKind, WebhookOutcome, WebhookRecord, WebhookState,
};
use switchboard_twiml::{parse_messaging, Limits, Verb};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// How webhooks are sent and retried.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub batch_size: u32,
    /// Most requests in flight at once.
    pub concurrency: usize,
    pub lease: Duration,
    pub poll_interval: Duration,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// Attempts per row (the first included) and their spacing.
    pub retry: RetryPolicy,
    /// Most `<Redirect>`s followed for one inbound message.
    pub max_redirects: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            batch_size: 256,
            concurrency: 64,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(250),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(15),
            retry: RetryPolicy {
                base: Duration::from_secs(60),
                max: Duration::from_secs(1800),
                max_attempts: 8,
            },
            max_redirects: 5,
        }
    }
}

pub struct Dispatcher {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    accounts: Arc<Accounts>,
    client: Arc<dyn WebhookClient>,
    config: WebhookConfig,
    /// `queued` is notified when replies were queued (delivery need not wait for its poll);
    /// `webhooks` wakes this dispatcher (inbound messages were stored).
    wakes: Wakes,
    /// Screens TwiML replies like any outbound message (`None`: shield disabled).
    shield: Option<Arc<crate::shield::Screening>>,
}

/// `rel` resolved against `base` (absolute URLs and `/paths`; other forms are kept).
pub(crate) fn resolve(base: &str, rel: &str) -> String {
    if rel.starts_with("http://") || rel.starts_with("https://") {
        return rel.to_owned();
    }
    let origin_end = base
        .find("://")
        .and_then(|s| base[s + 3..].find('/').map(|p| s + 3 + p))
        .unwrap_or(base.len());
    if rel.starts_with('/') {
        return format!("{}{rel}", &base[..origin_end]);
    }
    let dir_end = base[..base.find(['?', '#']).unwrap_or(base.len())]
        .rfind('/')
        .filter(|p| *p >= origin_end)
        .map_or(base.len(), |p| p + 1);
    format!(
        "{}{}{rel}",
        &base[..dir_end],
        if dir_end == base.len() { "/" } else { "" }
    )
}

impl Dispatcher {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        accounts: Arc<Accounts>,
        client: Arc<dyn WebhookClient>,
        config: WebhookConfig,
        wakes: Wakes,
        shield: Option<Arc<crate::shield::Screening>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            clock,
            accounts,
            client,
            config,
            wakes,
            shield,
        })
    }

    /// Runs until `stop` is cancelled, then waits for the requests in flight.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        let slots = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        while !stop.is_cancelled() {
            let now = self.clock.now_millis();
            let lease = i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX / 4);
            let free = u32::try_from(slots.available_permits()).unwrap_or(u32::MAX);
            let limit = self.config.batch_size.min(free);
            let claimed = if limit == 0 {
                Vec::new()
            } else {
                match self.store.claim_webhooks(now, limit, now + lease).await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "Cannot claim webhooks; will retry.");
                        Vec::new()
                    }
                }
            };
            // Call status callbacks share the outbox and the slots.
            let room = limit.saturating_sub(u32::try_from(claimed.len()).unwrap_or(u32::MAX));
            let calls = if room == 0 {
                Vec::new()
            } else {
                match self.store.claim_call_webhooks(now, room, now + lease).await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "Cannot claim call status callbacks; will retry.");
                        Vec::new()
                    }
                }
            };
            let got = claimed.len() + calls.len();
            for hook in calls {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    break;
                };
                let me = self.clone();
                tasks.spawn(async move {
                    me.deliver_call(hook).await;
                    drop(permit);
                });
            }
            for hook in claimed {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    break;
                };
                let me = self.clone();
                tasks.spawn(async move {
                    me.deliver(hook).await;
                    drop(permit);
                });
            }
            while tasks.try_join_next().is_some() {}
            if got == 0 || got < limit as usize {
                tokio::select! {
                    () = stop.cancelled() => {}
                    () = tokio::time::sleep(self.config.poll_interval) => {}
                    () = self.wakes.webhooks.notified() => {}
                }
            }
        }
        while tasks.join_next().await.is_some() {}
    }

    async fn deliver(&self, hook: WebhookRecord) {
        let outcome = self.attempt(&hook).await;
        let now = self.clock.now_millis();
        let replies =
            matches!(&outcome, WebhookOutcome::Finish { replies, .. } if !replies.is_empty());
        if let WebhookOutcome::Finish { state, error, .. } = &outcome {
            metrics::counter!("switchboard_webhooks_total", "kind" => hook.kind.as_str(), "state" => state.as_str()).increment(1);
            if *state != WebhookState::Delivered {
                tracing::warn!(message_sid = %hook.message.sid, kind = hook.kind.as_str(), state = state.as_str(), error = error.as_deref().unwrap_or(""), "Webhook not delivered.");
            }
        }
        if let Err(e) = self.store.record_webhook(hook.id, now, outcome).await {
            tracing::warn!(error = %e, id = hook.id, "Cannot record a webhook outcome; it will be sent again after its lease.");
        } else if replies {
            self.wakes.queued.notify_one();
        }
    }

    /// Sends a call status callback (no answer is expected beyond a 2xx) and records it.
    async fn deliver_call(&self, hook: CallWebhook) {
        let outcome = self.attempt_call(&hook).await;
        if let WebhookOutcome::Finish { state, error, .. } = &outcome {
            metrics::counter!("switchboard_webhooks_total", "kind" => "call", "state" => state.as_str()).increment(1);
            if *state != WebhookState::Delivered {
                tracing::warn!(call_sid = %hook.call.sid, state = state.as_str(), error = error.as_deref().unwrap_or(""), "Call status callback not delivered.");
            }
        }
        let now = self.clock.now_millis();
        if let Err(e) = self.store.record_webhook(hook.id, now, outcome).await {
            tracing::warn!(error = %e, id = hook.id, "Cannot record a webhook outcome; it will be sent again after its lease.");
        }
    }

    async fn attempt_call(&self, hook: &CallWebhook) -> WebhookOutcome {
        let token = match self
            .signing_token(&hook.call.account_sid, hook.attempts)
            .await
        {
            Ok(t) => t,
            Err(outcome) => return outcome,
        };
        let (url, o) = split_overrides(&hook.url);
        let idem = format!("{}-{}", hook.call.sid, hook.id);
        let req = self.request(
            &url,
            HookMethod::parse(&hook.method),
            build_call(hook),
            &token,
            &o,
            &idem,
        );
        match self.client.send(req).await {
            HookResponse::Refused(e) => finish(WebhookState::Refused, None, Some(e), vec![]),
            r if r.ok() => finish(WebhookState::Delivered, r.status(), None, vec![]),
            r if o.retry_connect_only == Some(true)
                && !matches!(r, HookResponse::ConnectFailed(_)) =>
            {
                finish(WebhookState::Failed, r.status(), Some(r.describe()), vec![])
            }
            r => self.retry(hook.attempts, &o, r.status(), r.describe()),
        }
    }

    fn request(
        &self,
        url: &str,
        method: HookMethod,
        params: Vec<(String, String)>,
        token: &str,
        o: &Overrides,
        idem: &str,
    ) -> HookRequest {
        HookRequest {
            url: url.to_owned(),
            method,
            params,
            auth_token: token.to_owned(),
            idempotency_token: idem.to_owned(),
            connect_timeout: o.connect_timeout.unwrap_or(self.config.connect_timeout),
            read_timeout: o.read_timeout.unwrap_or(self.config.read_timeout),
        }
    }

    /// The account's auth token to sign with, or the outcome when there is none (the
    /// account is gone: failed) or it cannot be read now (retried).
    async fn signing_token(
        &self,
        account: &switchboard_domain::ids::AccountSid,
        attempts: u32,
    ) -> Result<String, WebhookOutcome> {
        match self.accounts.auth_token(account).await {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Err(finish(
                WebhookState::Failed,
                None,
                Some("account not found".into()),
                vec![],
            )),
            Err(e) => Err(self.retry(
                attempts,
                &Overrides::default(),
                None,
                format!("cannot read the auth token: {e}"),
            )),
        }
    }

    async fn attempt(&self, hook: &WebhookRecord) -> WebhookOutcome {
        let token = match self
            .signing_token(&hook.message.account_sid, hook.attempts)
            .await
        {
            Ok(t) => t,
            Err(outcome) => return outcome,
        };
        let (url, o) = split_overrides(&hook.url);
        let idem = format!("{}-{}", hook.message.sid, hook.id);
        let params = build(hook);
        let req = self.request(
            &url,
            HookMethod::parse(&hook.method),
            params.clone(),
            &token,
            &o,
            &idem,
        );
        let mut resp = self.client.send(req).await;
        let mut answered_url = url.clone();
        if hook.kind == WebhookKind::Incoming
            && !resp.ok()
            && !hook.fallback_url.is_empty()
            && fallback_worthy(&resp)
        {
            let (fb, fo) = split_overrides(&hook.fallback_url);
            tracing::info!(message_sid = %hook.message.sid, error = %resp.describe(), "sms_url failed; trying sms_fallback_url.");
            let req = self.request(
                &fb,
                HookMethod::parse(&hook.fallback_method),
                params.clone(),
                &token,
                &fo,
                &idem,
            );
            resp = self.client.send(req).await;
            answered_url = fb;
        }
        match (&resp, hook.kind) {
            (HookResponse::Refused(e), _) => {
                finish(WebhookState::Refused, None, Some(e.clone()), vec![])
            }
            (r, WebhookKind::Status | WebhookKind::Alert) if r.ok() => {
                finish(WebhookState::Delivered, r.status(), None, vec![])
            }
            (HookResponse::Response { status, body, .. }, WebhookKind::Incoming) if resp.ok() => {
                let (replies, error) = self
                    .twiml(hook, &answered_url, body, &params, &token, &idem)
                    .await;
                // Recorded on the webhook row and on the inbound message.
                WebhookOutcome::Finish {
                    state: WebhookState::Delivered,
                    response_code: Some(*status),
                    error: error.as_ref().map(|(code, why)| format!("{code}: {why}")),
                    replies,
                    message_error: error,
                }
            }
            (r, _) => {
                if o.retry_connect_only == Some(true)
                    && !matches!(r, HookResponse::ConnectFailed(_))
                {
                    return finish(WebhookState::Failed, r.status(), Some(r.describe()), vec![]);
                }
                self.retry(hook.attempts, &o, r.status(), r.describe())
            }
        }
    }

    fn retry(
        &self,
        attempts: u32,
        o: &Overrides,
        status: Option<u16>,
        error: String,
    ) -> WebhookOutcome {
        let mut policy = self.config.retry;
        if let Some(rc) = o.retry_count {
            policy.max_attempts = rc + 1;
        }
        match next_attempt(attempts, &policy, rand::random::<f64>()) {
            Some(delay) => WebhookOutcome::Retry {
                due_at: self.clock.now_millis()
                    + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 4),
                response_code: status,
                error,
            },
            None => finish(
                WebhookState::Failed,
                status,
                Some(format!("gave up after {attempts} attempts: {error}")),
                vec![],
            ),
        }
    }

    /// Follows the TwiML answer (and its redirects) and returns the replies it
    /// asks for; a broken document is recorded, never retried.
    async fn twiml(
        &self,
        hook: &WebhookRecord,
        url: &str,
        body: &str,
        params: &[(String, String)],
        token: &str,
        idem: &str,
    ) -> (Vec<NewMessage>, Option<(u32, String)>) {
        let mut replies = Vec::new();
        let mut doc = body.to_owned();
        let mut base = url.to_owned();
        let now = self.clock.now_millis();
        for _ in 0..=self.config.max_redirects {
            if doc.trim().is_empty() {
                return (replies, None);
            }
            let parsed = match parse_messaging(&doc, &Limits::default()) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(message_sid = %hook.message.sid, code = e.code(), error = %e, "Invalid TwiML from the sms_url.");
                    return (replies, Some((e.code(), e.to_string())));
                }
            };
            let mut redirect = None;
            for verb in parsed.verbs {
                match verb {
                    Verb::Message(mut m) => {
                        m.status_callback = m.status_callback.map(|u| resolve(&base, &u));
                        m.action = m.action.map(|u| resolve(&base, &u));
                        match reply(&m, &hook.message, now) {
                            Ok(r) if self.opted_out(&r).await => {
                                tracing::info!(message_sid = %hook.message.sid, "TwiML reply not sent: the recipient opted out (21610).");
                            }
                            Ok(r) => replies.push(self.screen(r).await),
                            Err(e) => return (replies, Some((12200, e))),
                        }
                    }
                    Verb::Redirect(r) => {
                        redirect = Some(r);
                        break;
                    }
                }
            }
            let Some(r) = redirect else {
                return (replies, None);
            };
            let next = resolve(&base, &r.url);
            let (next, o) = split_overrides(&next);
            let method = if r.method == switchboard_twiml::Method::Get {
                HookMethod::Get
            } else {
                HookMethod::Post
            };
            let req = self.request(&next, method, params.to_vec(), token, &o, idem);
            match self.client.send(req).await {
                HookResponse::Response { status, body, .. } if (200..300).contains(&status) => {
                    doc = body;
                    base = next;
                }
                other => {
                    return (
                        replies,
                        Some((
                            11200,
                            format!("<Redirect> to {next} failed: {}", other.describe()),
                        )),
                    )
                }
            }
        }
        (
            replies,
            Some((
                12200,
                format!("more than {} <Redirect>s", self.config.max_redirects),
            )),
        )
    }
}

impl Dispatcher {
    /// A TwiML reply through the shield. If the account's settings cannot be read, the reply
    /// goes unscreened (as the opt-out check does), rather than being lost.
    async fn screen(&self, mut m: NewMessage) -> NewMessage {
        if let Some(shield) = &self.shield {
            if let Err(e) = shield.outbound(&mut m).await {
                tracing::warn!(account_sid = %m.account_sid, message_sid = %m.sid, error = %e, "TwiML reply not screened: the shield settings could not be read.");
            }
        }
        m
    }

    async fn opted_out(&self, m: &NewMessage) -> bool {
        self.store
            .is_opted_out(&m.account_sid, &m.from, &m.to)
            .await
            .unwrap_or(false)
    }
}

fn finish(
    state: WebhookState,
    response_code: Option<u16>,
    error: Option<String>,
    replies: Vec<NewMessage>,
) -> WebhookOutcome {
    WebhookOutcome::Finish {
        state,
        response_code,
        error,
        replies,
        message_error: None,
    }
}

/// Twilio tries the fallback URL on a connection error, a timeout or a 5xx.
fn fallback_worthy(r: &HookResponse) -> bool {
    match r {
        HookResponse::Response { status, .. } => *status >= 500,
        HookResponse::ConnectFailed(_) | HookResponse::Failed(_) => true,
        HookResponse::Refused(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn relative_urls() {
        assert_eq!(
            resolve("https://a.example/x/sms?q=1", "/next"),
            "https://a.example/next"
        );
        assert_eq!(
            resolve("https://a.example/x/sms", "next"),
            "https://a.example/x/next"
        );
        assert_eq!(
            resolve("https://a.example", "next"),
            "https://a.example/next"
        );
        assert_eq!(
            resolve("https://a.example/x", "https://b.example/y"),
            "https://b.example/y"
        );
    }
}
