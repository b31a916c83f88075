//! [`TwimlFetch`] over the webhook client: TwiML documents are requested like Twilio does —
//! signed (`X-Twilio-Signature` with the account's auth token), with the call's parameters
//! (`CallSid`, `AccountSid`, `From`, `To`, `CallStatus`, `Direction`, `ApiVersion`) plus the
//! verb's own (`Digits`) — and relative URLs resolve against the current document's URL.

use super::interp::{Document, FetchError, Target, TwimlFetch};
use super::steps;
use super::tts::Pcm;
use crate::webhooks::dispatch::resolve;
use crate::webhooks::{HookMethod, HookRequest, HookResponse, WebhookClient};
use async_trait::async_trait;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_media::wav;

/// Largest `<Play>` file fetched (about 10 minutes of 8 kHz 16-bit audio).
const MAX_AUDIO_BYTES: usize = 10 * 1024 * 1024;

/// Twilio's error codes for a document that could not be had.
pub const HTTP_RETRIEVAL_FAILURE: u32 = 11200;
pub const INVALID_CONTENT_TYPE: u32 = 12300;

/// Fetches one call's documents.
pub struct WebFetch {
    client: Arc<dyn WebhookClient>,
    auth_token: String,
    call_params: Vec<(String, String)>,
    /// The URL of the document being run (relative URLs resolve against it).
    current: Mutex<Option<String>>,
    /// A counter for idempotency tokens.
    requests: AtomicU32,
    call_sid: String,
    timeout: Duration,
}

impl WebFetch {
    pub fn new(
        client: Arc<dyn WebhookClient>,
        auth_token: String,
        call_sid: String,
        call_params: Vec<(String, String)>,
    ) -> Self {
        Self {
            client,
            auth_token,
            call_params,
            current: Mutex::new(None),
            requests: AtomicU32::new(0),
            call_sid,
            timeout: Duration::from_secs(15),
        }
    }

    fn absolute(&self, url: &str) -> String {
        match &*self.current.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(base) => resolve(base, url),
            None => url.to_owned(),
        }
    }
}

fn fetch_error(code: u32, message: String) -> FetchError {
    FetchError { code, message }
}

#[async_trait]
impl TwimlFetch for WebFetch {
    async fn document(
        &self,
        target: &Target,
        extra: &[(String, String)],
    ) -> Result<Document, FetchError> {
        let url = self.absolute(&target.url);
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let mut params = self.call_params.clone();
        params.extend(extra.iter().cloned());
        let req = HookRequest {
            url: url.clone(),
            method: HookMethod::parse(&target.method),
            params,
            auth_token: self.auth_token.clone(),
            idempotency_token: format!("{}-twiml-{n}", self.call_sid),
            connect_timeout: Duration::from_secs(5),
            read_timeout: self.timeout,
        };
        let body = match self.client.send(req).await {
            HookResponse::Response {
                status,
                content_type,
                body,
            } if (200..300).contains(&status) => {
                let ct = content_type.to_ascii_lowercase();
                if !(ct.contains("xml") || ct.starts_with("text/html") || ct.is_empty()) {
                    return Err(fetch_error(
                        INVALID_CONTENT_TYPE,
                        format!("{url} answered with Content-Type {content_type}"),
                    ));
                }
                body
            }
            other => {
                return Err(fetch_error(
                    HTTP_RETRIEVAL_FAILURE,
                    format!("{url}: {}", other.describe()),
                ))
            }
        };
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(url);
        steps::parse(&body)
    }

    async fn audio(&self, url: &str) -> Result<Pcm, FetchError> {
        let url = self.absolute(url);
        let bytes = self
            .client
            .fetch_bytes(&url, MAX_AUDIO_BYTES)
            .await
            .map_err(|e| fetch_error(HTTP_RETRIEVAL_FAILURE, format!("{url}: {e}")))?;
        let audio = wav::parse(&bytes).map_err(|e| {
            fetch_error(
                HTTP_RETRIEVAL_FAILURE,
                format!("{url}: not a playable WAV file: {e}"),
            )
        })?;
        let pcm = audio.to_8k().map_err(|e| {
            fetch_error(
                HTTP_RETRIEVAL_FAILURE,
                format!("{url}: unsupported audio: {e}"),
            )
        })?;
        Ok(Arc::new(pcm))
    }
}
