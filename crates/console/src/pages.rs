//! Read-mostly pages: phone numbers, messaging services, Verify services with fraud-guard
//! events, shield settings with the flagged/blocked queue, and the webhook delivery log.

use crate::auth::{error_response, form_post, page_session};
use crate::layout::{page, when};
use crate::ConsoleState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use switchboard_core::console::ConsoleError;
use switchboard_core::numbers::NumberParams;
use switchboard_core::shield::SettingsUpdate;
use switchboard_core::store::{realm, ConsoleSession};
use switchboard_domain::ids::{AccountSid, PhoneNumberSid};

async fn signed(
    state: &ConsoleState,
    headers: &HeaderMap,
) -> Result<(ConsoleSession, AccountSid), Response> {
    let s = page_session(state, headers, realm::CONSOLE).await?;
    let a = s
        .account_sid
        .clone()
        .ok_or_else(|| error_response(ConsoleError::Denied("no account".into())))?;
    Ok((s, a))
}

macro_rules! try_page {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return error_response(e.into()),
        }
    };
}

pub async fn numbers(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    let (s, a) = match signed(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let nums = try_page!(state.core.numbers.list(&a, None, None).await);
    let can_write = crate::auth::allowed(&s.role, "numbers:write");
    page(
        "Phone numbers",
        Some(&s),
        html! {
            table #numbers { thead { tr { th { "Number" } th { "Name" } th { "Webhooks (SMS URL, status callback)" } th { "Voice URL" } th { "Added" } } }
                tbody { @for n in &nums { tr {
                    td { (n.phone_number) } td { (n.friendly_name) }
                    td {
                        @if can_write {
                            form.inline method="post" action="/console/numbers" data-fresh="1" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                input type="hidden" name="sid" value=(n.sid.as_str());
                                input name="sms_url" size="30" value=(n.config.sms_url) placeholder="https://…/sms";
                                " " input name="status_callback" size="30" value=(n.config.status_callback) placeholder="https://…/status";
                                " " button { "Save (confirm with your passkey)" }
                            }
                        } @else {
                            code { (n.config.sms_method) " " (n.config.sms_url) } br; code { (n.config.status_callback) }
                        }
                    }
                    td { code { (n.config.voice_url) } }
                    td { (when(n.date_created)) }
                } } } }
            p { "Numbers are added with the API (" code { "IncomingPhoneNumbers" } ") or " code { "switchboard numbers add" } ". Changing a webhook needs a fresh passkey confirmation." }
        },
    )
}

/// Changes a number's SMS webhook and status callback (a sensitive action: fresh assertion).
pub async fn number_update(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, form) = match form_post(&state, &headers, &body, Some("numbers:write"), true).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (Some(a), Ok(sid)) = (
        s.account_sid.clone(),
        PhoneNumberSid::parse(form.get("sid").unwrap_or("")),
    ) else {
        return error_response(ConsoleError::NotFound("no such number".into()));
    };
    let params = NumberParams {
        sms_url: form.get("sms_url").map(|v| v.trim().to_owned()),
        status_callback: form.get("status_callback").map(|v| v.trim().to_owned()),
        ..Default::default()
    };
    match state.core.numbers.update(&a, &sid, params).await {
        Ok(Some(n)) => {
            let details = format!(
                "sms_url={} status_callback={}",
                n.config.sms_url, n.config.status_callback
            );
            if let Err(r) = crate::team::audit(
                &state,
                &s,
                "number.update",
                Some(sid.as_str()),
                Some(&details),
            )
            .await
            {
                return r;
            }
            Redirect::to("/console/numbers").into_response()
        }
        Ok(None) => error_response(ConsoleError::NotFound("no such number".into())),
        Err(e) => error_response(e.into()),
    }
}

pub async fn services(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    let (s, a) = match signed(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let list = try_page!(state.core.services.list(&a).await);
    page(
        "Messaging services",
        Some(&s),
        html! {
            table #services { thead { tr { th { "SID" } th { "Name" } th { "Inbound URL" } th { "Status callback" } th { "Sticky sender" } th { "Created" } } }
                tbody { @for m in &list { tr {
                    td { code { (m.sid.as_str()) } } td { (m.config.friendly_name) }
                    td { code { (m.config.inbound_method) " " (m.config.inbound_request_url) } }
                    td { code { (m.config.status_callback) } } td { (m.config.sticky_sender) }
                    td { (when(m.date_created)) }
                } } } }
        },
    )
}

pub async fn verify(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    let (s, a) = match signed(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let list = try_page!(state.core.verify.services(&a).await);
    let mut events = Vec::new();
    for v in &list {
        events.extend(try_page!(
            state.core.verify.fraud_events(&a, &v.sid, 50).await
        ));
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    page(
        "Verify",
        Some(&s),
        html! {
            table #verify-services { thead { tr { th { "SID" } th { "Name" } th { "Code length" } th { "Created" } } }
                tbody { @for v in &list { tr {
                    td { code { (v.sid.as_str()) } } td { (v.config.friendly_name) } td { (v.config.code_length) } td { (when(v.date_created)) }
                } } } }
            h2 { "Fraud-guard events" }
            table #fraud-events { thead { tr { th { "When" } th { "Service" } th { "Kind" } th { "To" } th { "Enforced" } th { "Reason" } } }
                tbody { @for e in events.iter().take(100) { tr {
                    td { (when(e.at)) } td { code { (e.service_sid.as_str()) } } td { (e.kind) } td { (e.to) }
                    td { (if e.enforced { "blocked" } else { "monitored" }) } td { (e.reason) }
                } } } }
        },
    )
}

pub async fn shield(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    let (s, a) = match signed(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(screening) = state.core.shield.clone() else {
        return page(
            "Shield",
            Some(&s),
            html! { p { "The smishing shield is off on this installation (" code { "[shield] enabled = false" } ")." } },
        );
    };
    let settings = try_page!(screening.settings(&a).await);
    let queue = try_page!(state.core.store.shield_queue(&a, None, 100).await);
    let can_write = crate::auth::allowed(&s.role, "shield:write");
    page(
        "Shield",
        Some(&s),
        html! {
            form.card #shield-settings method="post" action="/console/shield" {
                h2 { "Protected names and domains" }
                p { "Look-alikes of these names are flagged or blocked; your genuine domains are never flagged." }
                input type="hidden" name="csrf" value=(s.csrf);
                label { "Names (comma separated) " input name="names" size="40" value=(settings.protected_names.join(", ")) disabled[!can_write]; } br;
                label { "Domains " input name="domains" size="40" value=(settings.protected_domains.join(", ")) disabled[!can_write]; } br;
                label { "Alert URL " input name="alert_url" size="40" value=(settings.alert_url) disabled[!can_write]; } br;
                @if can_write { button { "Save" } }
            }
            h2 { "Flagged and blocked messages" }
            table #shield-queue { thead { tr { th { "When" } th { "Message" } th { "Direction" } th { "Verdict" } th { "Score" } th { "Status" } } }
                tbody { @for q in &queue { tr {
                    td { (when(q.date_created)) } td { a href=(format!("/console/messages/{}", q.sid)) { (q.sid.as_str()) } }
                    td { (q.direction) } td { (q.verdict) } td { (q.score) } td { (q.status) }
                } } } }
        },
    )
}

fn list(v: Option<&str>) -> Vec<String> {
    v.unwrap_or("")
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub async fn shield_update(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, form) = match form_post(&state, &headers, &body, Some("shield:write"), false).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (Some(a), Some(screening)) = (s.account_sid.clone(), state.core.shield.clone()) else {
        return error_response(ConsoleError::Denied("the shield is off".into()));
    };
    let update = SettingsUpdate {
        protected_names: Some(list(form.get("names"))),
        protected_domains: Some(list(form.get("domains"))),
        alert_url: form.get("alert_url").map(str::to_owned),
        flag_threshold: None,
        block_threshold: None,
    };
    match screening.update_settings(&a, update).await {
        Ok(_) => {
            if let Err(r) = crate::team::audit(&state, &s, "config.shield", None, None).await {
                return r;
            }
            Redirect::to("/console/shield").into_response()
        }
        Err(e) => error_response(e.into()),
    }
}

pub async fn webhooks(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    let (s, a) = match signed(&state, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let log = try_page!(state.core.store.webhook_log(&a, None, 100).await);
    let can_retry = crate::auth::allowed(&s.role, "messages:write");
    page(
        "Webhook deliveries",
        Some(&s),
        html! {
            table #webhook-log { thead { tr { th { "Created" } th { "Kind" } th { "Message" } th { "URL" } th { "Status" } th { "State" } th { "Attempts" } th { "Response" } th {} } }
                tbody { @for w in &log { tr {
                    td { (when(w.created_at)) } td { (w.kind) }
                    td { a href=(format!("/console/messages/{}", w.message_sid)) { (w.message_sid.as_str()) } }
                    td { code { (w.method) " " (w.url) } } td { (w.status) } td { (w.state) } td { (w.attempts) }
                    td { (w.response_code.map(|c| c.to_string()).unwrap_or_default()) " " (w.last_error.clone().unwrap_or_default()) }
                    td { @if can_retry && w.state != "pending" && w.state != "delivered" {
                        form.inline method="post" action="/console/webhooks/retry" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            input type="hidden" name="id" value=(w.id);
                            button.secondary { "Retry" }
                        }
                    } }
                } } } }
        },
    )
}

pub async fn webhook_retry(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, form) = match form_post(&state, &headers, &body, Some("messages:write"), false).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(a) = s.account_sid.clone() else {
        return error_response(ConsoleError::Denied("no account".into()));
    };
    let id = form.get("id").and_then(|i| i.parse().ok()).unwrap_or(0);
    let now = state.core.clock.now_millis();
    match state.core.store.retry_webhook(&a, id, now).await {
        Ok(true) => {
            if let Err(r) =
                crate::team::audit(&state, &s, "webhook.retry", Some(&id.to_string()), None).await
            {
                return r;
            }
            Redirect::to("/console/webhooks").into_response()
        }
        Ok(false) => error_response(ConsoleError::NotFound("no such finished delivery".into())),
        Err(e) => error_response(e.into()),
    }
}
