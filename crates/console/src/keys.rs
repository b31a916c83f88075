//! API keys (scoped; created and revoked only after a fresh passkey assertion; the secret
//! is shown once) and the signed-in user's own passkeys.

use crate::auth::{error_response, form_post, page_session};
use crate::layout::{page, when};
use crate::ConsoleState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use switchboard_core::console::ConsoleError;
use switchboard_core::store::{realm, ApiKeyRecord, ConsoleSession};
use switchboard_domain::ids::ApiKeySid;
use switchboard_domain::scopes::{Scope, ScopeSet};

fn add_key_card() -> Markup {
    html! {
        div.card {
            h2 { "Your passkeys" }
            p { "Register a second key (another device or a security key) so that losing one does not lock you out. Recovery is only by a new invite from an owner." }
            label { "Name " input #key-name value="second key"; } " "
            button.secondary data-ceremony="fresh" { "1. Confirm" } " "
            button #add-key data-ceremony="add-key" { "2. Add a key" }
        }
    }
}

fn create_form(s: &ConsoleSession) -> Markup {
    html! {
        form.card #create-key method="post" action="/console/api-keys" data-fresh="1" {
            h2 { "Create an API key" }
            input type="hidden" name="csrf" value=(s.csrf);
            label { "Friendly name " input name="name" #key-friendly-name required; }
            p { "Scopes (none ticked: a standard key — everything but managing keys):" }
            p { @for sc in Scope::ALL {
                label { input type="checkbox" name="scope" value=(sc.as_str()); " " code { (sc.as_str()) } } " "
            } }
            button #create-key-button { "Create (confirm with your passkey)" }
        }
    }
}

fn key_table(s: &ConsoleSession, keys: &[ApiKeyRecord], can_write: bool) -> Markup {
    html! {
        table #api-keys {
            thead { tr { th { "SID" } th { "Name" } th { "Scopes" } th { "Created" } @if can_write { th {} } } }
            tbody { @for k in keys { tr {
                td { code { (k.sid.as_str()) } } td { (k.friendly_name) }
                td { @if k.scopes == ScopeSet::standard() { "standard" } @else { (k.scopes.render()) } }
                td { (when(k.date_created)) }
                @if can_write { td { form.inline method="post" action="/console/api-keys/revoke" data-fresh="1" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    input type="hidden" name="sid" value=(k.sid.as_str());
                    button.secondary { "Revoke" }
                } } }
            } } }
        }
    }
}

async fn view(state: &ConsoleState, s: &ConsoleSession, created: Option<Markup>) -> Response {
    let Some(account) = s.account_sid.clone() else {
        return error_response(ConsoleError::Denied("no account".into()));
    };
    let passkeys = match state.core.console.keys(&s.user_sid).await {
        Ok(p) => p,
        Err(e) => return error_response(e),
    };
    let api_keys = match state.core.accounts.list_api_keys(&account).await {
        Ok(k) => k,
        Err(e) => return error_response(e.into()),
    };
    let can_write = crate::auth::allowed(&s.role, "keys:write");
    page(
        "API keys",
        Some(s),
        html! {
            @if let Some(c) = created { (c) }
            p { "Account " code { (account.as_str()) } }
            @if can_write { (create_form(s)) }
            (key_table(s, &api_keys, can_write))
            (add_key_card())
            table #passkeys {
                thead { tr { th { "Passkey" } th { "Registered" } th { "Last used" } th { "Synced (backup-eligible)" } } }
                tbody { @for k in &passkeys { tr {
                    td { (k.friendly_name) } td { (when(k.date_created)) }
                    td { (k.last_used.map(when).unwrap_or_default()) }
                    td { (if k.backup_eligible { "yes" } else { "no" }) }
                } } }
            }
        },
    )
}

pub async fn show(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    match page_session(&state, &headers, realm::CONSOLE).await {
        Ok(s) => view(&state, &s, None).await,
        Err(r) => r,
    }
}

pub async fn create(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, form) = match form_post(&state, &headers, &body, Some("keys:write"), true).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(account) = s.account_sid.clone() else {
        return error_response(ConsoleError::Denied("no account".into()));
    };
    let name = form.get("name").unwrap_or("").trim();
    if name.is_empty() || name.len() > 64 {
        return error_response(ConsoleError::Invalid(
            "a name of 1 to 64 characters is required".into(),
        ));
    }
    let picked = form.all("scope").join(",");
    let scopes = if picked.is_empty() {
        ScopeSet::standard()
    } else {
        match ScopeSet::parse(&picked) {
            Ok(set) => set,
            Err(e) => return error_response(ConsoleError::Invalid(e.to_string())),
        }
    };
    let created = match state
        .core
        .accounts
        .create_api_key(&account, name, scopes)
        .await
    {
        Ok(c) => c,
        Err(e) => return error_response(e.into()),
    };
    let details = format!("name={name} scopes={}", scopes.render());
    if let Err(r) = crate::team::audit(
        &state,
        &s,
        "api_key.create",
        Some(created.key.sid.as_str()),
        Some(&details),
    )
    .await
    {
        return r;
    }
    let shown = html! {
        div.card #new-key {
            p.ok { "Key created. Copy the secret now: it is not shown again." }
            p { "SID " code #new-key-sid { (created.key.sid.as_str()) } }
            p { "Secret " code #new-key-secret { (created.secret) } }
        }
    };
    view(&state, &s, Some(shown)).await
}

pub async fn revoke(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, form) = match form_post(&state, &headers, &body, Some("keys:write"), true).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let gone = || error_response(ConsoleError::NotFound("no such key".into()));
    let (Some(account), Ok(sid)) = (
        s.account_sid.clone(),
        ApiKeySid::parse(form.get("sid").unwrap_or("")),
    ) else {
        return gone();
    };
    match state.core.accounts.delete_api_key(&account, &sid).await {
        Ok(true) => {
            if let Err(r) =
                crate::team::audit(&state, &s, "api_key.delete", Some(sid.as_str()), None).await
            {
                return r;
            }
            Redirect::to("/console/api-keys").into_response()
        }
        Ok(false) => gone(),
        Err(e) => error_response(e.into()),
    }
}
