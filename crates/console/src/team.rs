//! Team members and invites, support grants for operators, and the account's audit log.

use crate::auth::{error_response, form_post, page_session};
use crate::layout::{page, when};
use crate::ConsoleState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use switchboard_core::audit::AuditEvent;
use switchboard_core::console::{ConsoleError, ROLES};
use switchboard_core::store::{realm, ConsoleSession};
use switchboard_domain::ids::ConsoleUserSid;

/// Who a session is, as the audit log names actors.
pub fn actor(s: &ConsoleSession) -> String {
    if s.realm == realm::OPERATOR {
        format!("operator:{}", s.user_sid)
    } else {
        format!("user:{}", s.user_sid)
    }
}

/// Records a security-relevant console event in the audit log (for the session's account).
/// An event that cannot be recorded fails the request (500): the action was done, but the
/// caller is told something is wrong rather than being shown success.
pub async fn audit(
    state: &ConsoleState,
    s: &ConsoleSession,
    action: &str,
    target: Option<&str>,
    details: Option<&str>,
) -> Result<(), Response> {
    let mut event = AuditEvent::new(actor(s), action);
    if let Some(a) = &s.account_sid {
        event = event.account(a);
    }
    if let Some(t) = target {
        event = event.target(t);
    }
    if let Some(d) = details {
        event = event.details(d);
    }
    state
        .core
        .audit
        .record(event)
        .await
        .map(|_| ())
        .map_err(|e| {
            tracing::error!(error = %e, action, "Cannot record a console event in the audit log.");
            error_response(e.into())
        })
}

/// Records an operator's read of an account's data in that account's audit log. A read
/// that cannot be recorded is not shown.
pub async fn audit_operator(
    state: &ConsoleState,
    s: &ConsoleSession,
    account: &switchboard_domain::ids::AccountSid,
    action: &str,
    details: &str,
) -> Result<(), ConsoleError> {
    let event = AuditEvent::new(actor(s), action)
        .account(account)
        .target(account.as_str())
        .details(details);
    state.core.audit.record(event).await?;
    Ok(())
}

pub async fn show(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    let s = match page_session(&state, &headers, realm::CONSOLE).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    view(&state, &s, None).await
}

async fn view(state: &ConsoleState, s: &ConsoleSession, notice: Option<maud::Markup>) -> Response {
    let Some(account) = s.account_sid.clone() else {
        return error_response(ConsoleError::Denied("no account".into()));
    };
    let team = match state.core.console.team(s).await {
        Ok(t) => t,
        Err(e) => return error_response(e),
    };
    let grants = match state.core.console.grants(&account).await {
        Ok(g) => g,
        Err(e) => return error_response(e),
    };
    let log = match state.core.audit.list_for_account(&account, None, 100).await {
        Ok(l) => l,
        Err(e) => return error_response(e.into()),
    };
    let now = state.core.clock.now_millis();
    let owner = s.role == "owner";
    page(
        "Team & audit",
        Some(s),
        html! {
            @if let Some(n) = notice { (n) }
            h2 { "Team" }
            table #team { thead { tr { th { "Name" } th { "Role" } th { "Status" } th { "Since" } @if owner { th { "Change" } } } }
                tbody { @for u in &team { tr {
                    td { (u.name) } td { (u.role) } td { (u.status) } td { (when(u.date_created)) }
                    @if owner { td { form.inline method="post" action="/console/team/member" data-fresh="1" {
                        input type="hidden" name="csrf" value=(s.csrf);
                        input type="hidden" name="user" value=(u.sid.as_str());
                        select name="role" { @for r in ROLES { option value=(r) selected[r == u.role] { (r) } } }
                        select name="active" { option value="1" selected[u.status == "active"] { "active" } option value="0" selected[u.status != "active"] { "disabled" } }
                        button { "Save" }
                    } } }
                } } }
            }
            @if crate::auth::allowed(&s.role, "team:write") {
                form.card #invite method="post" action="/console/team/invite" data-fresh="1" {
                    h2 { "Invite someone" }
                    input type="hidden" name="csrf" value=(s.csrf);
                    label { "Name or e-mail " input name="name" required; } " "
                    label { "Role " select name="role" { @for r in ROLES { @if r != "owner" || owner { option value=(r) { (r) } } } } } " "
                    button { "Create invite link" }
                    p { "The link works once, for 72 hours. A lost key is recovered only by a new invite." }
                }
            }
            h2 { "Support access for operators" }
            p { "Operators of this installation see your account's counts and settings, never message text or phone numbers, unless an owner grants time-boxed access here. Every operator read is in the audit log." }
            table #grants { thead { tr { th { "Granted" } th { "By" } th { "Until" } th { "Reason" } th { "State" } } }
                tbody { @for g in &grants { tr {
                    td { (when(g.date_created)) } td { (g.granted_by) } td { (when(g.expires_at)) } td { (g.reason) }
                    td { @if g.revoked_at.is_some() { "revoked" } @else if g.expires_at <= now { "expired" } @else {
                        "active "
                        @if owner { form.inline method="post" action="/console/support/revoke" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            input type="hidden" name="id" value=(g.id);
                            button.secondary { "Revoke" }
                        } }
                    } }
                } } }
            }
            @if owner {
                form.card #grant method="post" action="/console/support" data-fresh="1" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    label { "Hours " input name="hours" type="number" min="1" max="72" value="4"; } " "
                    label { "Reason " input name="reason" size="40" required; } " "
                    button { "Grant support access" }
                }
            }
            h2 { "Audit log" }
            p { "Security-relevant events of this account, newest first (the last 100): sign-ins, invites, keys, roles, settings, support grants and every operator view. The log is a keyed hash chain; " code { "switchboard audit verify" } " detects any edited, removed or reordered entry." }
            table #audit-log { thead { tr { th { "#" } th { "When" } th { "Who" } th { "What" } th { "Target" } th { "Details" } } }
                tbody { @for e in &log { tr {
                    td { (e.seq) } td { (when(e.at)) } td { code { (e.actor) } } td { (e.action) }
                    td { (e.target.clone().unwrap_or_default()) } td { (e.details.clone().unwrap_or_default()) }
                } } }
            }
        },
    )
}

pub async fn invite(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, form) = match form_post(&state, &headers, &body, Some("team:write"), true).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let role = form.get("role").unwrap_or("viewer");
    if role == "owner" && s.role != "owner" {
        return error_response(ConsoleError::Denied(
            "only an owner can invite an owner".into(),
        ));
    }
    let by = format!("user:{}", s.user_sid);
    match state
        .core
        .console
        .create_invite(
            realm::CONSOLE,
            s.account_sid.clone(),
            role,
            form.get("name").unwrap_or(""),
            &by,
        )
        .await
    {
        Ok((token, inv)) => {
            if let Err(r) = audit(&state, &s, "console.invite", Some(&inv.name), Some(role)).await {
                return r;
            }
            let link = format!(
                "{}/console/invite/{token}",
                state.core.console.settings().origin
            );
            view(&state, &s, Some(html! { div.card #invite-link { p.ok { "Send this link to " (inv.name) " (it works once):" } code { (link) } } })).await
        }
        Err(e) => error_response(e),
    }
}

pub async fn member(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, form) = match form_post(&state, &headers, &body, None, false).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Ok(user) = ConsoleUserSid::parse(form.get("user").unwrap_or("")) else {
        return error_response(ConsoleError::Invalid("no such user".into()));
    };
    let role = form.get("role").unwrap_or("viewer");
    let active = form.get("active") != Some("0");
    match state.core.console.set_member(&s, &user, role, active).await {
        Ok(u) => {
            let details = format!("role={} status={}", u.role, u.status);
            if let Err(r) = audit(
                &state,
                &s,
                "console.role_change",
                Some(u.sid.as_str()),
                Some(&details),
            )
            .await
            {
                return r;
            }
            Redirect::to("/console/team").into_response()
        }
        Err(e) => error_response(e),
    }
}

pub async fn grant(State(state): State<ConsoleState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, form) = match form_post(&state, &headers, &body, None, false).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let hours = form.get("hours").and_then(|h| h.parse().ok()).unwrap_or(0);
    match state
        .core
        .console
        .grant_support(&s, hours, form.get("reason").unwrap_or(""))
        .await
    {
        Ok(g) => {
            let details = format!("until={} reason={}", when(g.expires_at), g.reason);
            if let Err(r) = audit(
                &state,
                &s,
                "support.grant",
                Some(&g.id.to_string()),
                Some(&details),
            )
            .await
            {
                return r;
            }
            Redirect::to("/console/team").into_response()
        }
        Err(e) => error_response(e),
    }
}

pub async fn revoke(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, form) = match form_post(&state, &headers, &body, None, false).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let id = form.get("id").and_then(|h| h.parse().ok()).unwrap_or(0);
    match state.core.console.revoke_support(&s, id).await {
        Ok(()) => {
            if let Err(r) = audit(&state, &s, "support.revoke", Some(&id.to_string()), None).await {
                return r;
            }
            Redirect::to("/console/team").into_response()
        }
        Err(e) => error_response(e),
    }
}
