//! Webhooks: inbound messages to a number's `sms_url` (answered with TwiML)
//! and status callbacks, delivered from the store's durable outbox.
//!
//! The store enqueues a row in the same transaction as the change it reports;
//! the [`dispatch::Dispatcher`] claims due rows with a lease, sends them
//! through a [`WebhookClient`] (HTTP, signing and the address policy live in
//! `api`), and records the outcome: delivered, retried with backoff, given
//! up, or refused. Rows of one message go out in order.

pub mod dispatch;
mod params;
mod replies;

pub use params::{opt_out_keyword, OptKeyword};

use async_trait::async_trait;
use std::time::Duration;

/// HTTP method of a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookMethod {
    Get,
    Post,
}

impl HookMethod {
    pub fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("GET") {
            Self::Get
        } else {
            Self::Post
        }
    }
}

/// One request to make. The client signs it with `auth_token`.
#[derive(Debug, Clone)]
pub struct HookRequest {
    /// Without any `#…` fragment.
    pub url: String,
    pub method: HookMethod,
    pub params: Vec<(String, String)>,
    pub auth_token: String,
    /// Sent as `I-Twilio-Idempotency-Token`; the same on every retry of a row.
    pub idempotency_token: String,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
}

/// What came of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookResponse {
    Response {
        status: u16,
        content_type: String,
        body: String,
    },
    /// Not sent: the destination is not allowed (private, loopback, metadata …).
    Refused(String),
    /// No connection could be made (DNS, refused, connect timeout).
    ConnectFailed(String),
    /// Connected, then failed (read timeout, reset, body too large …).
    Failed(String),
}

impl HookResponse {
    /// A 2xx answer.
    pub fn ok(&self) -> bool {
        matches!(self, Self::Response { status, .. } if (200..300).contains(status))
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Response { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Why it did not succeed, for the record.
    pub fn describe(&self) -> String {
        match self {
            Self::Response { status, .. } => format!("HTTP {status}"),
            Self::Refused(e) => format!("refused: {e}"),
            Self::ConnectFailed(e) => format!("connect failed: {e}"),
            Self::Failed(e) => format!("failed: {e}"),
        }
    }
}

/// Makes webhook requests (implemented over HTTP in `api`; faked in tests).
#[async_trait]
pub trait WebhookClient: Send + Sync {
    async fn send(&self, req: HookRequest) -> HookResponse;

    /// GETs a file (a `<Play>` WAV) under the same address policy, at most `limit` bytes.
    async fn fetch_bytes(&self, url: &str, limit: usize) -> Result<Vec<u8>, String> {
        let _ = limit;
        Err(format!("{url}: this client cannot fetch files"))
    }
}

/// Twilio's per-URL connection overrides (`#ct=…&rt=…&rc=…&rp=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Overrides {
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    /// Retries after the first attempt (`rc`, 0–5).
    pub retry_count: Option<u32>,
    /// `rp=ct`: retry only connection failures; `rp=all`: any failure.
    pub retry_connect_only: Option<bool>,
}

/// Splits `url#fragment` into the URL to request and its overrides.
pub fn split_overrides(url: &str) -> (String, Overrides) {
    let Some((base, frag)) = url.split_once('#') else {
        return (url.to_owned(), Overrides::default());
    };
    let mut o = Overrides::default();
    for pair in frag.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let ms = v.parse::<u64>().ok().map(Duration::from_millis);
        match k {
            "ct" => o.connect_timeout = ms,
            "rt" => o.read_timeout = ms,
            "rc" => o.retry_count = v.parse::<u32>().ok().map(|n| n.min(5)),
            "rp" => o.retry_connect_only = Some(v != "all"),
            _ => {}
        }
    }
    (base.to_owned(), o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragment_overrides() {
        let (url, o) = split_overrides("https://h.example/cb?x=1#ct=3000&rt=1500&rc=9&rp=all&e=x");
        assert_eq!(url, "https://h.example/cb?x=1");
        assert_eq!(o.connect_timeout, Some(Duration::from_millis(3000)));
        assert_eq!(o.read_timeout, Some(Duration::from_millis(1500)));
        assert_eq!(o.retry_count, Some(5));
        assert_eq!(o.retry_connect_only, Some(false));
        let (url, o) = split_overrides("https://h.example/cb");
        assert_eq!(
            (url.as_str(), o),
            ("https://h.example/cb", Overrides::default())
        );
        assert_eq!(
            split_overrides("https://h/x#rp=ct").1.retry_connect_only,
            Some(true)
        );
    }
}
