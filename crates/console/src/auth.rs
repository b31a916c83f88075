//! Session cookies, CSRF and origin checks, role checks.

use crate::ConsoleState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use switchboard_core::console::ConsoleError;
use switchboard_core::store::{realm, ConsoleSession};
use switchboard_domain::scopes::{Role, Scope};

/// The session cookie of a realm.
pub fn cookie_name(realm_name: &str) -> &'static str {
    if realm_name == realm::OPERATOR {
        "sb_operator"
    } else {
        "sb_console"
    }
}

fn cookie_path(realm_name: &str) -> &'static str {
    if realm_name == realm::OPERATOR {
        "/operator"
    } else {
        "/console"
    }
}

/// `Set-Cookie` for a session cookie: Secure, HttpOnly, SameSite=Strict, scoped to its
/// plane's path, for `max_age_secs` (a new session: at most 8 hours; 0 removes it).
fn session_cookie(realm_name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let v = format!(
        "{}={value}; Path={}; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=Strict",
        cookie_name(realm_name),
        cookie_path(realm_name)
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` for a new session.
pub fn set_cookie(realm_name: &str, token: &str, max_age_secs: i64) -> HeaderValue {
    session_cookie(realm_name, token, max_age_secs)
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(realm_name: &str) -> HeaderValue {
    session_cookie(realm_name, "", 0)
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A refusal as the browser should see it.
pub fn error_response(e: ConsoleError) -> Response {
    let (status, msg) = match &e {
        ConsoleError::Invalid(m) => (StatusCode::BAD_REQUEST, m.clone()),
        ConsoleError::Denied(m) => (StatusCode::FORBIDDEN, m.clone()),
        ConsoleError::NeedsFresh => (StatusCode::FORBIDDEN, e.to_string()),
        ConsoleError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
        ConsoleError::Store(err) => {
            tracing::error!(error = %err, "Console store error.");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error".to_owned(),
            )
        }
    };
    let fresh = matches!(e, ConsoleError::NeedsFresh);
    (
        status,
        axum::Json(serde_json::json!({ "error": msg, "needs_fresh": fresh })),
    )
        .into_response()
}

/// Refuses a cross-origin request: a browser always sends `Origin` on a POST, and it must be
/// the console's own.
pub fn same_origin(state: &ConsoleState, headers: &HeaderMap) -> Result<(), Response> {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(o) if o != state.core.console.settings().origin => Err(error_response(
            ConsoleError::Denied(format!("cross-origin request from {o} refused")),
        )),
        _ => Ok(()),
    }
}

async fn find(
    state: &ConsoleState,
    headers: &HeaderMap,
    realm_name: &str,
) -> Result<Option<ConsoleSession>, Response> {
    let Some(token) = cookie(headers, cookie_name(realm_name)) else {
        return Ok(None);
    };
    let s = state
        .core
        .console
        .session(&token)
        .await
        .map_err(error_response)?;
    Ok(s.filter(|s| s.realm == realm_name))
}

/// The session of a page request, or a redirect to the sign-in page.
pub async fn page_session(
    state: &ConsoleState,
    headers: &HeaderMap,
    realm_name: &str,
) -> Result<ConsoleSession, Response> {
    match find(state, headers, realm_name).await? {
        Some(s) => Ok(s),
        None => Err(Redirect::to(&format!("{}/login", cookie_path(realm_name))).into_response()),
    }
}

/// The session of a state-changing request: same origin, signed in and the CSRF token
/// (header `X-CSRF-Token` or form field `csrf`) matching the session's.
pub async fn post_session(
    state: &ConsoleState,
    headers: &HeaderMap,
    realm_name: &str,
    form_csrf: Option<&str>,
) -> Result<ConsoleSession, Response> {
    same_origin(state, headers)?;
    let Some(s) = find(state, headers, realm_name).await? else {
        return Err(error_response(ConsoleError::Denied(
            "not signed in (or the session ended)".into(),
        )));
    };
    let presented = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .or(form_csrf)
        .unwrap_or_default();
    if !switchboard_core::crypto::ct_eq(presented.as_bytes(), s.csrf.as_bytes()) {
        return Err(error_response(ConsoleError::Denied(
            "missing or wrong CSRF token".into(),
        )));
    }
    Ok(s)
}

/// A state-changing console form: the session (same origin, CSRF token from the form or
/// header), the role check for `scope` when given, and with `fresh` a recent passkey
/// assertion; and the parsed form.
pub async fn form_post(
    state: &ConsoleState,
    headers: &HeaderMap,
    body: &[u8],
    scope: Option<&str>,
    fresh: bool,
) -> Result<(ConsoleSession, Form), Response> {
    let form = Form::parse(body);
    let s = post_session(state, headers, realm::CONSOLE, form.get("csrf")).await?;
    if let Some(scope) = scope {
        require(&s, scope)?;
    }
    if fresh {
        state
            .core
            .console
            .require_fresh(&s)
            .map_err(error_response)?;
    }
    Ok((s, form))
}

/// What each console role may do: the API scopes of the role (`domain::scopes::Role`),
/// plus two console-only permissions: `team:write` (invite; owners and admins) and
/// `team:owner` (roles, support grants; owners).
pub fn allowed(role: &str, scope: &str) -> bool {
    let Ok(role) = Role::parse(role) else {
        return false;
    };
    match scope {
        "team:owner" => role == Role::Owner,
        "team:write" => matches!(role, Role::Owner | Role::Admin),
        _ => Scope::parse(scope).is_ok_and(|sc| role.scopes().contains(sc)),
    }
}

/// Fails with 403 unless the session's role allows `scope`.
pub fn require(session: &ConsoleSession, scope: &str) -> Result<(), Response> {
    if allowed(&session.role, scope) {
        Ok(())
    } else {
        Err(error_response(ConsoleError::Denied(format!(
            "your role ({}) does not allow {scope}",
            session.role
        ))))
    }
}

/// Form fields of an `application/x-www-form-urlencoded` body.
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn roles_map_to_scopes() {
        assert!(allowed("owner", "team:owner") && allowed("owner", "keys:write"));
        assert!(allowed("admin", "keys:write") && allowed("admin", "team:write"));
        assert!(!allowed("admin", "team:owner"));
        assert!(allowed("developer", "messages:send") && !allowed("developer", "keys:write"));
        assert!(!allowed("developer", "team:write"));
        assert!(allowed("viewer", "messages:read") && !allowed("viewer", "messages:send"));
        assert!(!allowed("viewer", "shield:write") && !allowed("nobody", "messages:read"));
        assert!(!allowed("owner", "no:such"));
    }
}
