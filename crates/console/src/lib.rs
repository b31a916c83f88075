//! The web console (`/console`) and the operator plane (`/operator`): server-rendered pages
//! (maud) with a little JavaScript for WebAuthn. Sign-in is with passkeys only; every
//! state-changing request needs the session's CSRF token and a same-origin `Origin`;
//! sensitive actions need a fresh assertion.
//!
//! Like `api`, this crate knows HTTP; it calls `core` for every use case.

// Handlers' helpers return the ready refusal (`Result<_, Response>`); it is built once per
// request, so its size does not matter.
#![allow(clippy::result_large_err)]

mod assets;
mod auth;
mod ceremony;
mod dashboard;
mod keys;
mod layout;
mod messages;
mod operator;
mod pages;
mod team;

use axum::routing::{get, post};
use axum::Router;
use switchboard_core::Core;

/// State shared by console handlers.
#[derive(Clone)]
pub struct ConsoleState {
    pub core: Core,
}

/// The console and operator routes (mounted at the root of the HTTP server).
pub fn router(core: Core) -> Router {
    let state = ConsoleState { core };
    Router::new()
        .route("/console/assets/console.js", get(assets::script))
        .route("/console/assets/console.css", get(assets::style))
        .route("/console/login", get(ceremony::login_page))
        .route("/console/login/start", post(ceremony::login_start))
        .route("/console/login/finish", post(ceremony::login_finish))
        .route("/console/logout", post(ceremony::logout))
        .route("/console/invite/{token}", get(ceremony::invite_page))
        .route(
            "/console/invite/{token}/start",
            post(ceremony::invite_start),
        )
        .route(
            "/console/invite/{token}/finish",
            post(ceremony::invite_finish),
        )
        .route("/console/fresh/start", post(ceremony::fresh_start))
        .route("/console/fresh/finish", post(ceremony::fresh_finish))
        .route("/console/keys/add/start", post(ceremony::add_key_start))
        .route("/console/keys/add/finish", post(ceremony::add_key_finish))
        .route("/console", get(dashboard::show))
        .route("/console/", get(dashboard::show))
        .route(
            "/console/messages",
            get(messages::list).post(messages::send),
        )
        .route("/console/messages/{sid}", get(messages::detail))
        .route(
            "/console/numbers",
            get(pages::numbers).post(pages::number_update),
        )
        .route("/console/services", get(pages::services))
        .route("/console/verify", get(pages::verify))
        .route(
            "/console/shield",
            get(pages::shield).post(pages::shield_update),
        )
        .route("/console/webhooks", get(pages::webhooks))
        .route("/console/webhooks/retry", post(pages::webhook_retry))
        .route("/console/api-keys", get(keys::show).post(keys::create))
        .route("/console/api-keys/revoke", post(keys::revoke))
        .route("/console/team", get(team::show))
        .route("/console/team/invite", post(team::invite))
        .route("/console/team/member", post(team::member))
        .route("/console/support", post(team::grant))
        .route("/console/support/revoke", post(team::revoke))
        .route("/operator/login", get(operator::login_page))
        .route("/operator/login/start", post(operator::login_start))
        .route("/operator/login/finish", post(operator::login_finish))
        .route("/operator/logout", post(operator::logout))
        .route("/operator/invite/{token}", get(operator::invite_page))
        .route(
            "/operator/invite/{token}/start",
            post(ceremony::invite_start),
        )
        .route(
            "/operator/invite/{token}/finish",
            post(operator::invite_finish),
        )
        .route("/operator", get(operator::home))
        .route("/operator/accounts/{account}", get(operator::account))
        .with_state(state)
}
