//! Audit-log entries for changes made through the API: each handler that changes a
//! security-relevant setting makes one [`record`] call after its change succeeded.
//!
//! If the entry cannot be written the request fails with a 500 (the change itself has
//! committed; the cause is logged), so no change is made silently without its entry.
//! Details never hold phone numbers, message bodies or secrets.

use crate::error::ApiError;
use crate::AppState;
use serde_json::Value;
use switchboard_core::accounts::Principal;
use switchboard_core::audit::{AuditError, AuditEvent};

impl From<AuditError> for ApiError {
    fn from(e: AuditError) -> Self {
        tracing::error!(error = %e, "Audit log append failed; the request fails.");
        ApiError::internal()
    }
}

/// Records `action` on `target` by `who`, in `who`'s account.
pub async fn record(
    state: &AppState,
    who: &Principal,
    action: &str,
    target: &str,
    details: Option<Value>,
) -> Result<(), ApiError> {
    let mut event = AuditEvent::new(who.actor(), action)
        .account(&who.account_sid)
        .target(target);
    if let Some(d) = details {
        event = event.details(d.to_string());
    }
    state.core.audit.record(event).await?;
    Ok(())
}
