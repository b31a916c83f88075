//! HTTP control endpoint: `POST /mo` (form `from`, `to`, `text`) injects a
//! mobile-originated message; `GET /stats` returns the counters as JSON;
//! `GET /messages[?to=…]` the last accepted messages (oldest first), so a developer or a
//! test can read what a handset would have received (a Verify code, say).

use crate::{conn, Shared, SmscError};
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[derive(serde::Deserialize)]
struct Mo {
    from: String,
    to: String,
    text: String,
}

async fn mo(State(shared): State<Arc<Shared>>, Form(m): Form<Mo>) -> impl IntoResponse {
    if m.from.is_empty() || m.to.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "from and to are required"})),
        );
    }
    let parts = conn::inject_mo(&shared, &m.from, &m.to, &m.text);
    (StatusCode::OK, Json(serde_json::json!({"parts": parts})))
}

#[derive(serde::Deserialize)]
struct MessagesQuery {
    to: Option<String>,
}

async fn messages(
    State(shared): State<Arc<Shared>>,
    axum::extract::Query(q): axum::extract::Query<MessagesQuery>,
) -> impl IntoResponse {
    let list: Vec<crate::Submitted> = shared.inbox.lock().map_or_else(
        |_| Vec::new(),
        |inbox| {
            inbox
                .iter()
                .filter(|m| {
                    q.to.as_deref()
                        .is_none_or(|t| t.trim_start_matches('+') == m.to.trim_start_matches('+'))
                })
                .cloned()
                .collect()
        },
    );
    Json(serde_json::json!({ "messages": list }))
}

async fn stats(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(serde_json::to_value(&shared.stats).unwrap_or_default())
}

pub(crate) async fn start(
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) -> Result<SocketAddr, SmscError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SmscError::Listen { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| SmscError::Listen { addr, source })?;
    let app = Router::new()
        .route("/mo", post(mo))
        .route("/stats", get(stats))
        .route("/messages", get(messages))
        .with_state(shared);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
    });
    Ok(bound)
}
