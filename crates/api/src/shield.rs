//! `/v1/Shield/…`: the smishing shield's analysis (a dry run) and each account's settings.

use crate::audit;
use crate::auth::{authenticate, authenticate_principal};
use crate::error::ApiError;
use crate::form::{FormOrJson, Params};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::filter::{Analysis, Direction};
use switchboard_core::shield::{Screening, SettingsUpdate};
use switchboard_core::store::ShieldSettings;

fn screening(state: &AppState) -> Result<&Screening, ApiError> {
    state.core.shield.as_deref().ok_or_else(|| {
        ApiError::new(
            20001,
            "The smishing shield is disabled on this server ([shield] enabled = false).",
        )
    })
}

/// The JSON of an analysis, as `POST /v1/Shield/Analyze` and `switchboard shield check` print it.
pub fn analysis_json(a: &Analysis) -> Value {
    json!({
        "verdict": a.verdict,
        "score": a.score,
        "tags": a.tags,
        "reasons": a.reasons,
        "urls": a.urls,
        "classifier_probability": (f64::from(a.classifier) * 1000.0).round() / 1000.0,
    })
}

/// `POST /v1/Shield/Analyze`: `Body`, optional `From`, `To`, `Direction`, `AccountSid`.
pub async fn analyze(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormOrJson(p): FormOrJson,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let screening = screening(&state)?;
    let body = p
        .get("Body")
        .ok_or_else(|| ApiError::new(21602, "Message body is required."))?;
    switchboard_core::messages::check_body_len(body)?;
    if let Some(sid) = p.get("AccountSid").filter(|s| !s.is_empty()) {
        // Context is the caller's own account; another account's is not visible.
        if sid != account.as_str() {
            return Err(ApiError::not_found(&format!("/Accounts/{sid}")));
        }
    }
    let direction = match p.get("Direction").filter(|d| !d.is_empty()) {
        None => Direction::Outbound,
        Some(d) => Direction::parse(d).ok_or_else(|| {
            ApiError::invalid(format!(
                "Direction must be 'outbound' or 'inbound', not '{d}'."
            ))
        })?,
    };
    let analysis = screening
        .analyze(&account, body, p.get("From"), p.get("To"), direction)
        .await?;
    Ok(Json(analysis_json(&analysis)))
}

fn settings_json(
    state: &AppState,
    screening: &Screening,
    account: &str,
    s: &ShieldSettings,
) -> Value {
    let t = screening.thresholds(s);
    json!({
        "account_sid": account,
        "protected_names": s.protected_names,
        "protected_domains": s.protected_domains,
        "alert_url": Some(&s.alert_url).filter(|u| !u.is_empty()),
        "flag_threshold": t.flag,
        "block_threshold": t.block,
        "url": format!("{}/v1/Shield/Settings", state.public_url),
    })
}

/// `GET /v1/Shield/Settings`.
pub async fn get_settings(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let screening = screening(&state)?;
    let s = screening.settings(&account).await?;
    Ok(Json(settings_json(&state, screening, account.as_str(), &s)))
}

/// A list parameter: repeated keys and/or comma-separated values; `""` empties it.
fn list(p: &Params, key: &str) -> Option<Vec<String>> {
    let values = p.get_all(key);
    (!values.is_empty()).then(|| {
        values
            .iter()
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    })
}

fn threshold(p: &Params, key: &str) -> Result<Option<Option<u32>>, ApiError> {
    match p.get(key) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(v) => v
            .parse::<u32>()
            .map(|n| Some(Some(n)))
            .map_err(|_| ApiError::invalid(format!("{key} must be a whole number from 1 to 100."))),
    }
}

/// `POST /v1/Shield/Settings`: `ProtectedNames`, `ProtectedDomains`, `AlertUrl`,
/// `FlagThreshold`, `BlockThreshold` (each optional; omitted ones are kept).
pub async fn update_settings(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormOrJson(p): FormOrJson,
) -> Result<Json<Value>, ApiError> {
    let who = authenticate_principal(&state, &headers).await?;
    let account = who.account_sid.clone();
    let screening = screening(&state)?;
    let update = SettingsUpdate {
        protected_names: list(&p, "ProtectedNames"),
        protected_domains: list(&p, "ProtectedDomains"),
        alert_url: p.get("AlertUrl").map(str::to_owned),
        flag_threshold: threshold(&p, "FlagThreshold")?,
        block_threshold: threshold(&p, "BlockThreshold")?,
    };
    let s = screening.update_settings(&account, update).await?;
    let body = settings_json(&state, screening, account.as_str(), &s);
    audit::record(
        &state,
        &who,
        "config.shield",
        account.as_str(),
        Some(body.clone()),
    )
    .await?;
    Ok(Json(body))
}
