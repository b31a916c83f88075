//! A webhook receiver for tests: records every request (path, query, headers,
//! form parameters) and answers each path as told (status and body).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// The full URL as requested (what a validator signs against).
    pub url: String,
    pub headers: HashMap<String, String>,
    /// Form body (POST) or query (GET) parameters, in order.
    pub params: Vec<(String, String)>,
}

impl Received {
    /// Whether it carries a valid `X-Twilio-Signature` for `auth_token`, checked the way
    /// twilio's RequestValidator checks a POST form.
    pub fn signed_with(&self, auth_token: &str) -> bool {
        self.headers.get("x-twilio-signature").map(String::as_str)
            == Some(&switchboard_api::signature::sign(
                auth_token,
                &self.url,
                &self.params,
            ))
    }

    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    answers: HashMap<String, (u16, String)>,
}

/// Listening on 127.0.0.1 (port 0) until dropped.
pub struct WebhookSink {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    stop: tokio_util::sync::CancellationToken,
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw = if method == axum::http::Method::GET {
        uri.query().unwrap_or("").as_bytes().to_vec()
    } else {
        body.to_vec()
    };
    let params = form_urlencoded::parse(&raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let rec = Received {
        method: method.to_string(),
        path: uri.path().to_owned(),
        url: format!(
            "http://{host}{}",
            uri.path_and_query().map_or("", |p| p.as_str())
        ),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        params,
    };
    let mut g = inner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (status, body) = g
        .answers
        .get(uri.path())
        .cloned()
        .unwrap_or((200, String::new()));
    g.received.push(rec);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, [("content-type", "text/xml")], body).into_response()
}

impl WebhookSink {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        Self::serve(listener)
    }

    /// Serves on an already bound listener (to come back on the same port).
    pub fn serve(listener: tokio::net::TcpListener) -> Self {
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"));
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        let stop = tokio_util::sync::CancellationToken::new();
        let s = stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { s.cancelled().await })
                .await;
        });
        Self {
            base: format!("http://{addr}"),
            inner,
            stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answers requests to `path` with `status` and `body` (default: 200, empty).
    pub fn answer(&self, path: &str, status: u16, body: &str) {
        self.lock()
            .answers
            .insert(path.to_owned(), (status, body.to_owned()));
    }

    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// Waits (up to 20 s) until at least `n` requests reached `path`; returns them.
    pub async fn wait_for(&self, path: &str, n: usize) -> Vec<Received> {
        crate::wait_until(
            std::time::Duration::from_secs(20),
            &format!("{n} requests to {path}"),
            || async {
                let got: Vec<Received> = self
                    .received()
                    .into_iter()
                    .filter(|r| r.path == path)
                    .collect();
                (got.len() >= n).then_some(got)
            },
        )
        .await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
