//! API keys: created only after a fresh passkey assertion; the secret is shown once.

use crate::auth::{error_response, page_session, post_session, require, Form};
use crate::layout::page;
use crate::ConsoleState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{html, Markup};
use switchboard_core::console::ConsoleError;
use switchboard_core::store::{realm, ConsoleSession};

fn add_key_card(s: &ConsoleSession) -> Markup {
    html! {
        div.card {
            h2 { "Your passkeys" }
            p { "Register a second key (another device or a security key) so that losing one does not lock you out. Recovery is only by a new invite from an owner." }
            label { "Name " input #key-name value="second key"; } " "
            button #add-key data-ceremony="add-key" { "Add a key" }
            " (needs a fresh confirmation first: " button.secondary data-ceremony="fresh" { "confirm" } ")"
            @let _ = s;
        }
    }
}

fn create_form(s: &ConsoleSession) -> Markup {
    html! {
        form.card #create-key method="post" action="/console/api-keys" data-fresh="1" {
            h2 { "Create an API key" }
            input type="hidden" name="csrf" value=(s.csrf);
            label { "Friendly name " input name="name" #key-friendly-name required; } " "
            button #create-key-button { "Create (confirm with your passkey)" }
        }
    }
}

pub async fn page_view(
    state: &ConsoleState,
    s: &ConsoleSession,
    created: Option<Markup>,
) -> Response {
    let Some(account) = s.account_sid.clone() else {
        return error_response(ConsoleError::Denied("no account".into()));
    };
    let (_, keys) = match state.core.console.profile(&s.user_sid).await {
        Ok(p) => p,
        Err(e) => return error_response(e),
    };
    page(
        "API keys",
        Some(s),
        html! {
            @if let Some(c) = created { (c) }
            p { "Account " code { (account.as_str()) } }
            @if crate::auth::allowed(&s.role, "keys:write") { (create_form(s)) }
            (add_key_card(s))
            table #passkeys {
                thead { tr { th { "Key" } th { "Registered" } th { "Last used" } th { "Synced (backup-eligible)" } } }
                tbody { @for k in &keys { tr {
                    td { (k.friendly_name) } td { (crate::layout::when(k.date_created)) }
                    td { (k.last_used.map(crate::layout::when).unwrap_or_default()) }
                    td { (if k.backup_eligible { "yes" } else { "no" }) }
                } } }
            }
        },
    )
}

pub async fn show(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    match page_session(&state, &headers, realm::CONSOLE).await {
        Ok(s) => page_view(&state, &s, None).await,
        Err(r) => r,
    }
}

pub async fn create(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    let s = match post_session(&state, &headers, realm::CONSOLE, form.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = require(&s, "keys:write") {
        return r;
    }
    if let Err(e) = state.core.console.require_fresh(&s) {
        return error_response(e);
    }
    let Some(account) = s.account_sid.clone() else {
        return error_response(ConsoleError::Denied("no account".into()));
    };
    let name = form.get("name").unwrap_or("").trim();
    if name.is_empty() || name.len() > 64 {
        return error_response(ConsoleError::Invalid(
            "a name of 1 to 64 characters is required".into(),
        ));
    }
    let created = match state.core.accounts.create_api_key(&account, name).await {
        Ok(c) => c,
        Err(e) => return error_response(e.into()),
    };
    crate::team::audit(
        &state,
        &s,
        "api_key.create",
        Some(created.sid.as_str()),
        Some(name),
    )
    .await;
    let shown = html! {
        div.card #new-key {
            p.ok { "Key created. Copy the secret now: it is not shown again." }
            p { "SID " code #new-key-sid { (created.sid.as_str()) } }
            p { "Secret " code #new-key-secret { (created.secret) } }
        }
    };
    page_view(&state, &s, Some(shown)).await
}
