//! HTTP Basic authentication and account scoping.

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

/// Authenticates the request and checks that its credentials own the account
/// in the path. Another account's SID answers 404, exactly like one that does
/// not exist.
pub async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    path_account: &str,
    path: &str,
) -> Result<AccountSid, ApiError> {
    let account = authenticate(state, headers).await?;
    if account.as_str() != path_account {
        return Err(ApiError::not_found(path));
    }
    Ok(account)
}

/// Like [`authorize`], returning who authenticated (for the audit log's actor).
pub async fn authorize_principal(
    state: &AppState,
    headers: &HeaderMap,
    path_account: &str,
    path: &str,
) -> Result<Principal, ApiError> {
    let who = principal(state, headers).await?;
    if who.account_sid.as_str() != path_account {
        return Err(ApiError::not_found(path));
    }
    Ok(who)
}

/// The account whose credentials the request carries (for routes without an
/// account in the path, like `/v1/Services`).
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<AccountSid, ApiError> {
    Ok(principal(state, headers).await?.account_sid)
}

/// Who the request's credentials are: the account and, for an API key, the key.
pub async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Principal, ApiError> {
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
