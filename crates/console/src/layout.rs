//! The page shell: head, navigation, the CSRF meta tag, a strict CSP.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use switchboard_core::store::{realm, ConsoleSession};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A whole page.
pub fn page(title: &str, session: Option<&ConsoleSession>, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(s) = session { meta name="csrf" content=(s.csrf); }
                title { (title) " · Switchboard" }
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body {
                header {
                    strong { "Switchboard" }
                    @if let Some(s) = session { (nav(s)) }
                }
                main {
                    h1 { (title) }
                    (body)
                    div #status {}
                }
            }
        }
    };
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "same-origin"),
        ],
        markup.into_string(),
    )
        .into_response()
}

fn nav(s: &ConsoleSession) -> Markup {
    if s.realm == realm::OPERATOR {
        return html! {
            a href="/operator" { "Installation" }
            span.who { "operator" }
            form.inline method="post" action="/operator/logout" {
                input type="hidden" name="csrf" value=(s.csrf);
                button.secondary { "Sign out" }
            }
        };
    }
    html! {
        a href="/console" { "Dashboard" }
        a href="/console/messages" { "Messages" }
        a href="/console/numbers" { "Numbers" }
        a href="/console/services" { "Messaging services" }
        a href="/console/verify" { "Verify" }
        a href="/console/shield" { "Shield" }
        a href="/console/webhooks" { "Webhooks" }
        a href="/console/api-keys" { "API keys" }
        a href="/console/team" { "Team & audit" }
        span.who { (s.account_sid.as_ref().map(|a| a.as_str()).unwrap_or("")) " · " (s.role) }
        form.inline method="post" action="/console/logout" {
            input type="hidden" name="csrf" value=(s.csrf);
            button.secondary { "Sign out" }
        }
    }
}

/// Millis since the epoch as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}
