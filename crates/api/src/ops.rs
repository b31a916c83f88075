//! `/healthz`, `/metrics` and the request-latency middleware.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use switchboard_domain::message::MessageStatus;

const LATENCY: &str = "switchboard_http_request_duration_seconds";
/// Counting messages by status scans the table, so it is refreshed at most this often.
const STATUS_COUNT_TTL: Duration = Duration::from_secs(5);

/// The process-wide Prometheus recorder (installed once, shared by every router).
pub fn prometheus() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(LATENCY.into()), &buckets)
                .ok()?
                .install_recorder()
                .map_err(|e| tracing::warn!(error = %e, "Prometheus recorder not installed."))
                .ok()
        })
        .clone()
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.ready.load(std::sync::atomic::Ordering::Acquire) {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting\n").into_response()
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let store = &state.core.store;
    match store.queue_depth().await {
        Ok(d) => metrics::gauge!("switchboard_queue_depth").set(d as f64),
        Err(e) => tracing::warn!(error = %e, "Cannot read queue depth."),
    }
    let stale = state
        .status_counted
        .lock()
        .map(|t| t.is_none_or(|at| at.elapsed() > STATUS_COUNT_TTL))
        .unwrap_or(true);
    if stale {
        if let Ok(counts) = store.status_counts().await {
            for s in MessageStatus::ALL {
                let n = counts
                    .iter()
                    .find(|(st, _)| *st == s)
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("switchboard_messages", "status" => s.as_str()).set(n as f64);
            }
            if let Ok(mut t) = state.status_counted.lock() {
                *t = Some(Instant::now());
            }
        }
    }
    match prometheus() {
        Some(h) => ([("content-type", "text/plain; version=0.0.4")], h.render()).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics unavailable\n").into_response(),
    }
}

/// Records every request's latency by method, route template and status.
pub async fn track_latency(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    metrics::histogram!(LATENCY, "method" => method, "route" => route, "status" => resp.status().as_u16().to_string())
        .record(start.elapsed().as_secs_f64());
    resp
}
