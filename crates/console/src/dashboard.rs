//! The dashboard: messages by status over time (an SVG chart) and the delivery rate.

use crate::auth::{error_response, page_session};
use crate::ConsoleState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{html, Markup};
use std::collections::{BTreeMap, HashMap};
use switchboard_core::store::{realm, StatusCount};

/// Status groups drawn in the chart, with their colours.
const GROUPS: [(&str, &str); 4] = [
    ("delivered", "#0a7a32"),
    ("in flight", "#2355d8"),
    ("failed", "#b00020"),
    ("received", "#8a93a3"),
];

fn group(status: &str) -> usize {
    match status {
        "delivered" | "read" => 0,
        "failed" | "undelivered" | "canceled" => 2,
        "received" | "receiving" => 3,
        _ => 1,
    }
}

/// Delivered share of the outbound messages that reached a final carrier status.
pub fn delivery_rate(counts: &[StatusCount]) -> Option<f64> {
    let (mut ok, mut done) = (0u64, 0u64);
    for c in counts {
        match c.status.as_str() {
            "delivered" | "read" => {
                ok += c.count;
                done += c.count;
            }
            "undelivered" | "failed" => done += c.count,
            _ => {}
        }
    }
    (done > 0).then(|| ok as f64 / done as f64)
}

pub async fn show(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = match page_session(&state, &headers, realm::CONSOLE).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(account) = s.account_sid.clone() else {
        return error_response(switchboard_core::console::ConsoleError::Denied(
            "no account".into(),
        ));
    };
    let days = q
        .get("days")
        .and_then(|d| d.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 30);
    let bucket = if days == 1 { 3_600_000 } else { 86_400_000 };
    let now = state.core.clock.now_millis();
    let since = (now - days * 86_400_000) / bucket * bucket;
    let counts = match state
        .core
        .store
        .message_counts(&account, since, bucket)
        .await
    {
        Ok(c) => c,
        Err(e) => return error_response(e.into()),
    };
    let mut totals = [0u64; 4];
    for c in &counts {
        totals[group(&c.status)] += c.count;
    }
    let rate = delivery_rate(&counts);
    crate::layout::page(
        "Dashboard",
        Some(&s),
        html! {
            div.cards {
                @for (i, (name, _)) in GROUPS.iter().enumerate() {
                    div.card { div { (name) } div.big { (totals[i]) } }
                }
                div.card #delivery-rate {
                    div { "delivery rate" }
                    div.big { @match rate { Some(r) => { (format!("{:.1}%", r * 100.0)) }, None => { "—" } } }
                }
            }
            p {
                "Messages by status, last " (if days == 1 { "24 hours (hourly)".to_owned() } else { format!("{days} days (daily)") }) ". "
                a href="/console?days=1" { "24 h" } " · " a href="/console?days=7" { "7 days" } " · " a href="/console?days=30" { "30 days" }
            }
            div.card { (chart(&counts, since, bucket, now)) }
        },
    )
}

/// Stacked bars, one per window.
fn chart(counts: &[StatusCount], since: i64, bucket: i64, now: i64) -> Markup {
    let n = ((now - since) / bucket + 1).clamp(1, 400) as usize;
    let mut bars: BTreeMap<usize, [u64; 4]> = BTreeMap::new();
    for c in counts {
        let i = ((c.bucket - since) / bucket).clamp(0, n as i64 - 1) as usize;
        bars.entry(i).or_default()[group(&c.status)] += c.count;
    }
    let max = bars
        .values()
        .map(|b| b.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h) = (960.0, 220.0);
    let bw = w / n as f64;
    html! {
        svg #status-chart width="100%" viewBox=(format!("0 0 {w} {}", h + 20.0)) role="img" aria-label="messages by status over time" {
            @for (i, b) in &bars {
                @let mut y = h;
                @for (g, (name, colour)) in GROUPS.iter().enumerate() {
                    @if b[g] > 0 {
                        @let bh = b[g] as f64 / max as f64 * h;
                        @let top = { y -= bh; y };
                        rect x=(format!("{:.1}", *i as f64 * bw + 1.0)) y=(format!("{top:.1}")) width=(format!("{:.1}", (bw - 2.0).max(1.0))) height=(format!("{bh:.1}")) fill=(colour) {
                            title { (name) ": " (b[g]) }
                        }
                    }
                }
            }
            line x1="0" y1=(h) x2=(w) y2=(h) stroke="#8a93a3" {}
            text x="0" y=(h + 16.0) font-size="12" { (crate::layout::when(since)) " UTC" }
            text x=(w) y=(h + 16.0) font-size="12" text-anchor="end" { "now · max " (max) }
        }
        p { @for (name, colour) in GROUPS { svg width="12" height="12" { rect width="12" height="12" fill=(colour) {} } " " (name) "  " } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(status: &str, count: u64) -> StatusCount {
        StatusCount {
            bucket: 0,
            status: status.into(),
            count,
        }
    }

    #[test]
    fn delivery_rate_counts_final_outbound_statuses_only() {
        assert_eq!(delivery_rate(&[c("queued", 5)]), None);
        let r = delivery_rate(&[
            c("delivered", 3),
            c("undelivered", 1),
            c("sent", 10),
            c("received", 4),
        ]);
        assert_eq!(r, Some(0.75));
    }
}
