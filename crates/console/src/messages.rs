//! The message log (filters, keyset paging), a message's detail (status timeline,
//! carrier receipt, shield verdict, callback attempts) and sending from the console.

use crate::auth::{error_response, form_post, page_session};
use crate::layout::{page, when};
use crate::ConsoleState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::collections::HashMap;
use switchboard_core::console::ConsoleError;
use switchboard_core::messages::SendRequest;
use switchboard_core::store::{realm, MessageFilter};
use switchboard_domain::ids::{AccountSid, MessageSid};
use switchboard_domain::message::MessageStatus;

const PAGE: u32 = 50;

fn account(s: &switchboard_core::store::ConsoleSession) -> Result<AccountSid, Response> {
    s.account_sid
        .clone()
        .ok_or_else(|| error_response(ConsoleError::Denied("no account".into())))
}

fn day_start(d: &str) -> Option<i64> {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
}

pub async fn list(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = match page_session(&state, &headers, realm::CONSOLE).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let acct = match account(&s) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let filter = MessageFilter {
        to: get("to").map(str::to_owned),
        from: get("from").map(str::to_owned),
        sent_from: get("since").and_then(day_start),
        sent_until: get("until").and_then(day_start).map(|d| d + 86_400_000),
        before_seq: get("before").and_then(|b| b.parse().ok()),
        status: get("status").and_then(MessageStatus::parse),
    };
    let status = get("status").map(str::to_owned);
    let (rows, more) = match state.core.messages.list(&acct, filter.clone(), PAGE).await {
        Ok(r) => r,
        Err(e) => return error_response(e.into()),
    };
    let next = rows.last().map(|m| m.seq);
    let keep = |k: &str| get(k).unwrap_or("").to_owned();
    let can_send = crate::auth::allowed(&s.role, "messages:send");
    page(
        "Messages",
        Some(&s),
        html! {
            @if can_send {
                details.card #send open[q.contains_key("compose")] {
                    summary { "Send a message" }
                    form method="post" action="/console/messages" {
                        input type="hidden" name="csrf" value=(s.csrf);
                        label { "From " input name="from" #send-from placeholder="+15005550006 or MG…" required; } " "
                        label { "To " input name="to" #send-to placeholder="+14155550100" required; } " "
                        label { "Body " input name="body" #send-body size="50" required; } " "
                        button #send-button { "Send" }
                    }
                }
            }
            form.card method="get" action="/console/messages" #filters {
                label { "To " input name="to" value=(keep("to")); } " "
                label { "From " input name="from" value=(keep("from")); } " "
                label { "Status " select name="status" {
                    option value="" { "any" }
                    @for st in ["queued", "sending", "sent", "delivered", "undelivered", "failed", "received", "canceled", "scheduled"] {
                        option value=(st) selected[status.as_deref() == Some(st)] { (st) }
                    }
                } } " "
                label { "Sent from " input type="date" name="since" value=(keep("since")); } " "
                label { "until " input type="date" name="until" value=(keep("until")); } " "
                button { "Filter" }
            }
            table #message-log {
                thead { tr { th { "Date" } th { "SID" } th { "Direction" } th { "From" } th { "To" } th { "Status" } th { "Shield" } th { "Body" } } }
                tbody {
                    @for m in &rows {
                        tr data-sid=(m.sid.as_str()) {
                            td { (when(m.date_created)) }
                            td { a href=(format!("/console/messages/{}", m.sid)) { (m.sid.as_str()) } }
                            td { (m.direction.as_str()) }
                            td { (m.from) } td { (m.to) }
                            td.status { (m.status.as_str()) }
                            td { @if let Some(v) = &m.shield { (v.verdict) " " (v.score) } }
                            td { (m.body.chars().take(80).collect::<String>()) }
                        }
                    }
                }
            }
            @if more { @if let Some(n) = next {
                p { a href=(format!("/console/messages?before={n}&to={}&from={}&status={}&since={}&until={}", enc(&keep("to")), enc(&keep("from")), enc(status.as_deref().unwrap_or("")), keep("since"), keep("until"))) { "Older →" } }
            } }
        },
    )
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn send(State(state): State<ConsoleState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, form) = match form_post(&state, &headers, &body, Some("messages:send"), false).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let acct = match account(&s) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let from = form.get("from").unwrap_or("").trim().to_owned();
    let (from, service) = if from.starts_with("MG") {
        (None, Some(from))
    } else {
        (Some(from), None)
    };
    let req = SendRequest {
        to: form.get("to").map(|t| t.trim().to_owned()),
        from,
        messaging_service_sid: service,
        body: form.get("body").map(str::to_owned),
        ..Default::default()
    };
    match state.core.messages.send(&acct, req).await {
        Ok(m) => Redirect::to(&format!("/console/messages/{}", m.sid)).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            page("Message not sent", Some(&s), html! { p.bad { (e.to_string()) } p { a href="/console/messages?compose=1" { "Back" } } }),
        )
            .into_response(),
    }
}

pub async fn detail(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(sid): Path<String>,
) -> Response {
    let s = match page_session(&state, &headers, realm::CONSOLE).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let acct = match account(&s) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let missing = || error_response(ConsoleError::NotFound("no such message".into()));
    let Ok(sid) = MessageSid::parse(&sid) else {
        return missing();
    };
    let m = match state.core.messages.get(&acct, &sid).await {
        Ok(Some(m)) => m,
        Ok(None) => return missing(),
        Err(e) => return error_response(e.into()),
    };
    let hooks = match state.core.store.list_webhooks(&acct, &sid).await {
        Ok(h) => h,
        Err(e) => return error_response(e.into()),
    };
    page(
        &format!("Message {}", m.sid),
        Some(&s),
        html! {
            table.card #message-detail {
                tr { th { "Status" } td #detail-status { (m.status.as_str()) } }
                tr { th { "Direction" } td { (m.direction.as_str()) } }
                tr { th { "From" } td { (m.from) } }
                tr { th { "To" } td { (m.to) } }
                tr { th { "Body" } td { (m.body) } }
                tr { th { "Segments" } td { (m.num_segments) } }
                tr { th { "Created" } td { (when(m.date_created)) } }
                tr { th { "Sent" } td { (m.date_sent.map(when).unwrap_or_default()) } }
                tr { th { "Updated" } td { (when(m.date_updated)) } }
                tr { th { "Carrier reference" } td { (m.carrier_ref.clone().unwrap_or_default()) } }
                tr { th { "Attempts" } td { (m.attempts) } }
                tr { th { "Error" } td { @if let Some(c) = m.error_code { (c) " " (m.error_message.clone().unwrap_or_default()) } } }
                tr { th { "Shield" } td #detail-shield {
                    @if let Some(v) = &m.shield {
                        strong { (v.verdict) } " (score " (v.score) ")"
                        ul { @for r in &v.reasons { li { (r) } } }
                    } @else { "not screened" }
                } }
            }
            h2 { "Status timeline" }
            ol #status-timeline {
                li { (when(m.date_created)) " — " @if m.direction.as_str() == "inbound" { "received from the carrier" } @else { "accepted by the API (queued)" } }
                @if let Some(sent) = m.date_sent { li { (when(sent)) " — handed to the carrier (sent)" @if let Some(r) = &m.carrier_ref { ", reference " code { (r) } } } }
                @for h in hooks.iter().filter(|h| h.raw_dlr_done_date.is_some()) {
                    li { "carrier receipt: " (h.status.as_str()) ", done " (h.raw_dlr_done_date.clone().unwrap_or_default()) }
                }
                @if m.date_updated > m.date_sent.unwrap_or(m.date_created) || m.status.is_final() {
                    li { (when(m.date_updated)) " — " strong { (m.status.as_str()) }
                        @if let Some(c) = m.error_code { " (error " (c) ")" } }
                }
            }
            h2 { "Callbacks" }
            @if hooks.is_empty() {
                p { "No status callbacks or webhooks for this message (set a StatusCallback to get them)." }
            } @else {
                table #timeline {
                    thead { tr { th { "When" } th { "Kind" } th { "Status" } th { "Carrier receipt" } th { "URL" } th { "Delivery" } th { "Attempts" } th { "Response" } } }
                    tbody { @for h in &hooks {
                        tr {
                            td { (when(h.created_at)) } td { (format!("{:?}", h.kind).to_lowercase()) }
                            td { (h.status.as_str()) @if let Some(c) = h.error_code { " (" (c) ")" } }
                            td { (h.raw_dlr_done_date.clone().unwrap_or_default()) }
                            td { code { (h.method) " " (h.url) } }
                            td { (h.state.as_str()) } td { (h.attempts) }
                            td { (h.response_code.map(|c| c.to_string()).unwrap_or_default()) " " (h.last_error.clone().unwrap_or_default()) }
                        }
                    } }
                }
            }
            p { a href="/console/messages" { "← All messages" } }
        },
    )
}
