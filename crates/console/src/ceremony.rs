//! Sign-in, invites, fresh assertions and extra keys: each a start (options JSON out) and
//! a finish (the browser's credential JSON in).

use crate::auth::{self, error_response, post_session, same_origin, Form};
use crate::layout::page;
use crate::ConsoleState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use maud::html;
use std::collections::HashMap;
use switchboard_core::console::{SignedIn, Started};
use switchboard_core::store::realm;

pub(crate) fn options(s: Started) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], s.options).into_response()
}

/// The response to a finished sign-in: the session cookie and where to go.
pub(crate) fn signed_in(state: &ConsoleState, s: SignedIn, home: &str) -> Response {
    let ttl = (s.session.expires_at - state.core.clock.now_millis()) / 1000;
    (
        [(
            header::SET_COOKIE,
            auth::set_cookie(&s.session.realm, &s.token, ttl),
        )],
        Json(serde_json::json!({ "ok": true, "redirect": home, "user": s.user.sid.as_str() })),
    )
        .into_response()
}

pub async fn login_page() -> Response {
    login_markup("Sign in", "/console")
}

pub(crate) fn login_markup(title: &str, base: &str) -> Response {
    page(
        title,
        None,
        html! {
            div.card {
                p { "Sign in with your passkey or security key. There is no password, and no code by SMS." }
                button #login data-ceremony="login" data-base=(base) { "Sign in with a passkey" }
            }
            p { "No key yet? Ask an owner of your account for an invite link." }
        },
    )
}

pub async fn login_start(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    start_login(&state, &headers, realm::CONSOLE).await
}

pub(crate) async fn start_login(
    state: &ConsoleState,
    headers: &HeaderMap,
    realm_name: &str,
) -> Response {
    if let Err(r) = same_origin(state, headers) {
        return r;
    }
    match state.core.console.start_login(realm_name).await {
        Ok(s) => options(s),
        Err(e) => error_response(e),
    }
}

pub async fn login_finish(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    finish_login(&state, &headers, realm::CONSOLE, &body, "/console").await
}

pub(crate) async fn finish_login(
    state: &ConsoleState,
    headers: &HeaderMap,
    realm_name: &str,
    body: &[u8],
    home: &str,
) -> Response {
    if let Err(r) = same_origin(state, headers) {
        return r;
    }
    match state.core.console.finish_login(realm_name, body).await {
        Ok(s) => {
            if let Err(r) = crate::team::audit(
                state,
                &s.session,
                if realm_name == realm::OPERATOR {
                    "operator.login"
                } else {
                    "console.login"
                },
                None,
                None,
            )
            .await
            {
                return r;
            }
            signed_in(state, s, home)
        }
        Err(e) => {
            tracing::warn!(realm = realm_name, error = %e, "Console sign-in refused.");
            error_response(e)
        }
    }
}

pub async fn logout(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    end_session(&state, &headers, &body, realm::CONSOLE).await
}

pub(crate) async fn end_session(
    state: &ConsoleState,
    headers: &HeaderMap,
    body: &[u8],
    realm_name: &str,
) -> Response {
    let form = Form::parse(body);
    let s = match post_session(state, headers, realm_name, form.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) = state.core.console.sign_out(&s).await {
        return error_response(e);
    }
    let to = if realm_name == realm::OPERATOR {
        "/operator/login"
    } else {
        "/console/login"
    };
    (
        [(header::SET_COOKIE, auth::clear_cookie(realm_name))],
        Redirect::to(to),
    )
        .into_response()
}

pub async fn invite_page(State(state): State<ConsoleState>, Path(token): Path<String>) -> Response {
    invite_markup(&state, &token, realm::CONSOLE).await
}

pub(crate) async fn invite_markup(state: &ConsoleState, token: &str, realm_name: &str) -> Response {
    match state.core.console.invite(token).await {
        Ok(inv) if inv.realm == realm_name => page(
            "Accept your invite",
            None,
            html! {
                div.card {
                    p { "Welcome, " strong { (inv.name) } ". You are invited as " strong { (inv.role) }
                        @if let Some(a) = &inv.account_sid { " of account " code { (a.as_str()) } } "." }
                    @if realm_name == realm::OPERATOR {
                        p { "Operators sign in with a device-bound security key only: synced passkeys are refused." }
                    } @else {
                        p { "Create a passkey for this site. Register a second key later from the API keys page so that losing one does not lock you out." }
                    }
                    button #accept data-ceremony="invite" { "Create my passkey" }
                }
            },
        ),
        Ok(_) | Err(_) => (
            StatusCode::NOT_FOUND,
            page(
                "Invite not valid",
                None,
                html! { p { "This invite link is unknown, used or expired. Ask for a new one." } },
            ),
        )
            .into_response(),
    }
}

pub async fn invite_start(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    if let Err(r) = same_origin(&state, &headers) {
        return r;
    }
    match state.core.console.start_invite(&token).await {
        Ok(s) => options(s),
        Err(e) => error_response(e),
    }
}

pub async fn invite_finish(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    finish_invite(&state, &headers, &body, realm::CONSOLE, "/console").await
}

pub(crate) async fn finish_invite(
    state: &ConsoleState,
    headers: &HeaderMap,
    body: &[u8],
    realm_name: &str,
    home: &str,
) -> Response {
    if let Err(r) = same_origin(state, headers) {
        return r;
    }
    match state.core.console.finish_invite(realm_name, body).await {
        Ok(s) => {
            if let Err(r) = crate::team::audit(
                state,
                &s.session,
                "console.invite_accepted",
                Some(s.user.sid.as_str()),
                Some(&s.user.role),
            )
            .await
            {
                return r;
            }
            signed_in(state, s, home)
        }
        Err(e) => error_response(e),
    }
}

pub async fn fresh_start(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    let s = match post_session(&state, &headers, realm::CONSOLE, None).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.core.console.start_fresh(&s).await {
        Ok(st) => options(st),
        Err(e) => error_response(e),
    }
}

pub async fn fresh_finish(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let s = match post_session(&state, &headers, realm::CONSOLE, None).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.core.console.finish_fresh(&s, &body).await {
        Ok(()) => Json(serde_json::json!({ "ok": true })).into_response(),
        Err(e) => error_response(e),
    }
}

pub async fn add_key_start(State(state): State<ConsoleState>, headers: HeaderMap) -> Response {
    let s = match post_session(&state, &headers, realm::CONSOLE, None).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.core.console.start_add_key(&s).await {
        Ok(st) => options(st),
        Err(e) => error_response(e),
    }
}

pub async fn add_key_finish(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let s = match post_session(&state, &headers, realm::CONSOLE, None).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let name = q.get("name").map(String::as_str).unwrap_or("key");
    match state.core.console.finish_add_key(&s, &body, name).await {
        Ok(()) => {
            if let Err(r) = crate::team::audit(
                &state,
                &s,
                "console.key_added",
                Some(s.user_sid.as_str()),
                Some(name),
            )
            .await
            {
                return r;
            }
            Json(serde_json::json!({ "ok": true, "redirect": "/console/api-keys" })).into_response()
        }
        Err(e) => error_response(e),
    }
}
