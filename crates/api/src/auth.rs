//! HTTP Basic authentication and account scoping.

use crate::access;
use crate::error::ApiError;
use crate::AppState;
use axum::http::{header, HeaderMap};
use base64::Engine;
use switchboard_core::accounts::{AuthError, Principal};
use switchboard_domain::ids::AccountSid;

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

/// Authenticates the request, checks that its credentials own the account
/// in the path and hold the route's scope. Another account's SID answers
/// 404, exactly like one that does not exist; a missing scope answers 403.
pub async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    path_account: &str,
    path: &str,
) -> Result<AccountSid, ApiError> {
    Ok(authorize_principal(state, headers, path_account, path)
        .await?
        .account_sid)
}

/// Like [`authorize`], returning the whole principal (its key and scopes).
pub async fn authorize_principal(
    state: &AppState,
    headers: &HeaderMap,
    path_account: &str,
    path: &str,
) -> Result<Principal, ApiError> {
    let principal = principal(state, headers).await?;
    if principal.account_sid.as_str() != path_account {
        return Err(ApiError::not_found(path));
    }
    check_scope(&principal)?;
    Ok(principal)
}

/// The account whose credentials the request carries (for routes without an
/// account in the path, like `/v1/Services`), once they hold the route's scope.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<AccountSid, ApiError> {
    Ok(authenticate_principal(state, headers).await?.account_sid)
}

/// Like [`authenticate`], returning the whole principal (for the audit log's actor).
pub async fn authenticate_principal(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Principal, ApiError> {
    let principal = principal(state, headers).await?;
    check_scope(&principal)?;
    Ok(principal)
}

/// Who the request's credentials are (the account and, for an API key, the key), after
/// the credential and account-rate checks; no scope check (callers check it).
async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let (user, pass) = basic_credentials(headers).ok_or_else(ApiError::unauthenticated)?;
    let principal = state
        .core
        .accounts
        .authenticate(&user, &pass)
        .await
        .map_err(|e| match e {
            AuthError::Invalid => ApiError::unauthenticated(),
            AuthError::Store(e) => {
                tracing::error!(error = %e, "Store error during authentication.");
                ApiError::internal()
            }
        })?;
    let now = state.core.clock.now_millis();
    if let Err(secs) = state.limits.check(principal.account_sid.as_str(), now) {
        metrics::counter!("switchboard_api_rate_limited_total").increment(1);
        return Err(ApiError::too_many_requests(secs));
    }
    Ok(principal)
}

/// Checks the principal's scopes against the route being served (the table
/// in [`access`]). Fails closed when the route has no requirement in scope.
fn check_scope(principal: &Principal) -> Result<(), ApiError> {
    let Some(route) = access::current() else {
        tracing::error!("authenticate called outside the scope middleware.");
        return Err(ApiError::internal());
    };
    let Some(scope) = route.scope else {
        tracing::error!(route = %route.describe(), "A public route authenticates; give it a scope.");
        return Err(ApiError::internal());
    };
    if principal.scopes.contains(scope) {
        return Ok(());
    }
    metrics::counter!("switchboard_api_scope_denied_total").increment(1);
    let who = match &principal.api_key {
        Some(sid) => format!("API key {sid}"),
        None => format!("The credential for account {}", principal.account_sid),
    };
    Err(ApiError::forbidden(format!(
        "{who} lacks the scope '{scope}' required for {}",
        route.describe()
    )))
}
