//! SQL text shared by the backends (same schema, same column order).

/// The message columns both backends read into a `MessageRecord`, in order.
pub(crate) const MESSAGE_COLUMNS: &str =
    "seq, sid, account_sid, direction, status, to_addr, from_addr, body, \
     num_segments, media_urls, messaging_service_sid, status_callback, error_code, error_message, \
     price, price_unit, carrier_ref, attempts, date_created, date_updated, date_sent";

/// Webhook columns read after the message's (from index 21).
const HOOK_COLUMNS: &str = "w.id, w.kind, w.url, w.method, w.fallback_url, w.fallback_method, w.status, \
     w.error_code, w.error_message, w.created_at, w.attempts, w.state, w.last_error, w.response_code, \
     w.raw_dlr_done_date";

/// `SELECT` of webhook rows joined with their messages (message columns first).
pub(crate) fn webhook_select() -> String {
    let m: Vec<String> = MESSAGE_COLUMNS
        .split(',')
        .map(|c| format!("m.{}", c.trim()))
        .collect();
    format!(
        "SELECT {}, {HOOK_COLUMNS} FROM webhooks w JOIN messages m ON m.seq = w.message_seq",
        m.join(", ")
    )
}
