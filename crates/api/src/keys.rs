//! `/2010-04-01/Accounts/{AccountSid}/Keys…`: Twilio's Key resource (API keys).
//!
//! Create (`POST Keys.json`, Twilio's `new_key`: the `secret` is shown once),
//! list, fetch, rename and delete. Switchboard's extension: `Scopes` on create
//! (comma/space separated names, or `none`; absent = a standard key), echoed
//! as `scopes` in every representation. Every route needs `keys:write`, and a
//! key cannot create a key with a scope it does not hold itself.

use crate::auth::{authorize, authorize_principal};
use crate::error::ApiError;
use crate::form::{FormBody, Params};
use crate::numbers::{paging, window};
use crate::wire::{rfc2822, API_VERSION};
use crate::AppState;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use switchboard_core::store::ApiKeyRecord;
use switchboard_domain::ids::{AccountSid, ApiKeySid};
use switchboard_domain::scopes::ScopeSet;

/// `api.v2010.account.key` (+ `scopes`); `api.v2010.account.new_key` adds `secret`.
#[derive(Debug, Serialize)]
pub struct KeyResource {
    pub sid: String,
    pub friendly_name: String,
    pub date_created: Option<String>,
    pub date_updated: Option<String>,
    /// Switchboard extension: the key's scope names.
    pub scopes: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<&ApiKeyRecord> for KeyResource {
    fn from(k: &ApiKeyRecord) -> Self {
        Self {
            sid: k.sid.to_string(),
            friendly_name: k.friendly_name.clone(),
            date_created: rfc2822(k.date_created),
            date_updated: rfc2822(k.date_updated),
            scopes: k.scopes.iter().map(|s| s.as_str()).collect(),
            secret: None,
        }
    }
}

/// Twilio's list envelope for keys.
#[derive(Debug, Serialize)]
pub struct KeyPage {
    pub keys: Vec<KeyResource>,
    pub page: u32,
    pub page_size: u32,
    pub start: u64,
    pub end: u64,
    pub uri: String,
    pub first_page_uri: String,
    pub previous_page_uri: Option<String>,
    pub next_page_uri: Option<String>,
}

/// Twilio's limit on `FriendlyName`.
const MAX_NAME: usize = 64;

fn friendly_name(p: &Params) -> Result<Option<String>, ApiError> {
    match p.get("FriendlyName") {
        Some(n) if n.chars().count() > MAX_NAME => Err(ApiError::invalid(format!(
            "FriendlyName must be at most {MAX_NAME} characters."
        ))),
        other => Ok(other.map(str::to_owned)),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Path(account): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let principal = authorize_principal(&state, &headers, &account, uri.path()).await?;
    let name = friendly_name(&p)?.unwrap_or_default();
    let scopes = match p.get("Scopes") {
        None => ScopeSet::standard(),
        Some(list) => {
            ScopeSet::parse(list).map_err(|e| ApiError::invalid(format!("Scopes: {e}")))?
        }
    };
    if !principal.scopes.includes(scopes) {
        let missing = ScopeSet::from_iter(scopes.iter().filter(|s| !principal.scopes.contains(*s)));
        return Err(ApiError::forbidden(format!(
            "A key cannot grant scopes its creator lacks: {missing}"
        )));
    }
    let created = state
        .core
        .accounts
        .create_api_key(&principal.account_sid, &name, scopes)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "Cannot store a new API key.");
            ApiError::internal()
        })?;
    let mut body = KeyResource::from(&created.key);
    body.secret = Some(created.secret);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn scoped(
    state: &AppState,
    headers: &HeaderMap,
    account: &str,
    file: &str,
    path: &str,
) -> Result<(AccountSid, ApiKeySid), ApiError> {
    let account = authorize(state, headers, account, path).await?;
    let sid = crate::error::sid_file(file, path, ApiKeySid::parse)?;
    Ok((account, sid))
}

fn store_error(e: switchboard_core::store::Error) -> ApiError {
    tracing::error!(error = %e, "Store error on the Keys resource.");
    ApiError::internal()
}

pub async fn fetch(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<KeyResource>, ApiError> {
    let (account, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    state
        .core
        .accounts
        .get_api_key(&account, &sid)
        .await
        .map_err(store_error)?
        .map(|k| Json(KeyResource::from(&k)))
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

pub async fn update(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Json<KeyResource>, ApiError> {
    let (account, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    if p.get("Scopes").is_some() {
        return Err(ApiError::invalid(
            "A key's Scopes cannot change; create a new key and delete this one.",
        ));
    }
    let accounts = &state.core.accounts;
    let updated = match friendly_name(&p)? {
        Some(name) => accounts.rename_api_key(&account, &sid, &name).await,
        None => accounts.get_api_key(&account, &sid).await,
    };
    updated
        .map_err(store_error)?
        .map(|k| Json(KeyResource::from(&k)))
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let (account, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    if state
        .core
        .accounts
        .delete_api_key(&account, &sid)
        .await
        .map_err(store_error)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(uri.path()))
    }
}

pub async fn list(
    State(state): State<AppState>,
    Path(account): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<KeyPage>, ApiError> {
    let account = authorize(&state, &headers, &account, uri.path()).await?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let (size, page) = paging(&p)?;
    let all = state
        .core
        .accounts
        .list_api_keys(&account)
        .await
        .map_err(store_error)?;
    let base = format!("/{API_VERSION}/Accounts/{account}/Keys.json");
    let w = window(&base, all.len(), size, page, "");
    Ok(Json(KeyPage {
        keys: all
            .iter()
            .skip(usize::try_from(w.start).unwrap_or(usize::MAX))
            .take(size as usize)
            .map(KeyResource::from)
            .collect(),
        page,
        page_size: size,
        start: w.start,
        end: w.end,
        uri: w.uri,
        first_page_uri: w.first,
        previous_page_uri: w.previous,
        next_page_uri: w.next,
    }))
}
