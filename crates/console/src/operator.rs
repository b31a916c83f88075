//! The operator plane: installation health and per-account metadata and counts. Message
//! bodies, phone numbers and codes are shown only while the account's owner has granted
//! support access; every operator read of account data is recorded in that account's
//! audit log, whether it was granted or not.

use crate::auth::{error_response, page_session};
use crate::ceremony;
use crate::layout::{page, when};
use crate::ConsoleState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;
use std::collections::BTreeMap;
use switchboard_core::console::ConsoleError;
use switchboard_core::store::{realm, ConsoleSession, MessageFilter};
use switchboard_domain::ids::AccountSid;

pub async fn login_page() -> Response {
    ceremony::login_markup("Operator sign-in", "/operator")
}

pub async fn login_start(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    ceremony::start_login(&state, &headers, realm::OPERATOR).await
}

pub async fn login_finish(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ceremony::finish_login(&state, &headers, realm::OPERATOR, &body, "/operator").await
}

pub async fn logout(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ceremony::end_session(&state, &headers, &body, realm::OPERATOR).await
}

pub async fn invite_page(State(state): State<ConsoleState>, Path(token): Path<String>) -> Response {
    ceremony::invite_markup(&state, &token, realm::OPERATOR).await
}

pub async fn invite_finish(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ceremony::finish_invite(&state, &headers, &body, realm::OPERATOR, "/operator").await
}

/// Totals per status over all time.
async fn totals(
    state: &ConsoleState,
    a: &AccountSid,
) -> Result<BTreeMap<String, u64>, ConsoleError> {
    let counts = state.core.store.message_counts(a, 0, i64::MAX / 2).await?;
    let mut t = BTreeMap::new();
    for c in counts {
        *t.entry(c.status).or_insert(0) += c.count;
    }
    Ok(t)
}

pub async fn home(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    let s = match page_session(&state, &headers, realm::OPERATOR).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let health = match state.core.store.status_counts().await {
        Ok(h) => h,
        Err(e) => return error_response(e.into()),
    };
    let accounts = match state.core.store.list_accounts().await {
        Ok(a) => a,
        Err(e) => return error_response(e.into()),
    };
    page(
        "Installation",
        Some(&s),
        html! {
            h2 { "Messages by status (all accounts)" }
            table #health { tbody { @for (st, n) in &health { tr { th { (st.as_str()) } td { (n) } } } } }
            h2 { "Accounts" }
            table #accounts { thead { tr { th { "SID" } th { "Name" } th { "Status" } th { "Created" } } }
                tbody { @for a in &accounts { tr {
                    td { a href=(format!("/operator/accounts/{}", a.sid)) { (a.sid.as_str()) } }
                    td { (a.friendly_name) } td { (a.status) } td { (when(a.date_created)) }
                } } } }
        },
    )
}

pub async fn account(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(account): Path<String>,
) -> Response {
    let s = match page_session(&state, &headers, realm::OPERATOR).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(a) = AccountSid::parse(&account) else {
        return error_response(ConsoleError::NotFound("no such account".into()));
    };
    match view(&state, &s, &a).await {
        Ok(r) => r,
        Err(e) => error_response(e),
    }
}

async fn view(
    state: &ConsoleState,
    s: &ConsoleSession,
    a: &AccountSid,
) -> Result<Response, ConsoleError> {
    let Some(acct) = state.core.store.get_account(a).await? else {
        return Err(ConsoleError::NotFound("no such account".into()));
    };
    let grant = state.core.console.active_grant(a).await?;
    let totals = totals(state, a).await?;
    let numbers = state.core.store.list_numbers(a).await?;
    let messages = match &grant {
        Some(_) => {
            let (rows, _) = state
                .core
                .messages
                .list(a, MessageFilter::default(), 50)
                .await
                .map_err(ConsoleError::from)?;
            rows
        }
        None => Vec::new(),
    };
    let details = match &grant {
        Some(g) => format!("granted: grant {} until {}", g.id, when(g.expires_at)),
        None => "metadata only: no support grant".to_owned(),
    };
    crate::team::audit_operator(state, s, a, "operator.read", &details).await?;
    Ok(page(
        &format!("Account {}", a),
        Some(s),
        html! {
            table.card { tbody {
                tr { th { "Name" } td { (acct.friendly_name) } }
                tr { th { "Status" } td { (acct.status) } }
                tr { th { "Created" } td { (when(acct.date_created)) } }
                tr { th { "Phone numbers" } td { (numbers.len()) } }
                @for (st, n) in &totals { tr { th { "messages " (st) } td { (n) } } }
            } }
            @match &grant {
                None => {
                    p #no-grant { "No support access granted: message bodies, phone numbers and codes are hidden. The account's owner can grant time-boxed access from the console. This view was recorded in the account's audit log." }
                }
                Some(g) => {
                    p #grant { "Support access granted by " (g.granted_by) " until " (when(g.expires_at)) ": " (g.reason) ". Every view is recorded." }
                    table #operator-messages { thead { tr { th { "Date" } th { "SID" } th { "From" } th { "To" } th { "Status" } th { "Body" } } }
                        tbody { @for m in &messages { tr {
                            td { (when(m.date_created)) } td { (m.sid.as_str()) } td { (m.from) } td { (m.to) } td { (m.status.as_str()) } td { (m.body) }
                        } } } }
                    table #operator-numbers { tbody { @for n in &numbers { tr { td { (n.phone_number) } td { (n.friendly_name) } } } } }
                }
            }
        },
    ))
}
