//! SQL text shared by the backends (same schema, same column order).

/// The message columns both backends read into a `MessageRecord`, in order.
pub(crate) const MESSAGE_COLUMNS: &str =
    "seq, sid, account_sid, direction, status, to_addr, from_addr, body, \
     num_segments, media_urls, messaging_service_sid, status_callback, error_code, error_message, \
     price, price_unit, carrier_ref, attempts, date_created, date_updated, date_sent, \
     shield_verdict, shield_score, shield_reasons";

/// How many columns [`MESSAGE_COLUMNS`] has (webhook columns are read after them).
pub(crate) const MESSAGE_COLUMN_COUNT: usize = 24;

/// A list of strings as stored (a JSON array): shield reasons, protected names and domains.
pub(crate) fn list_to_text(list: &[String]) -> String {
    serde_json::Value::from(list.to_vec()).to_string()
}

/// A stored JSON array of strings (empty when unreadable).
pub(crate) fn list_from_text(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// A list stored in a nullable column (media URLs): a JSON array, NULL when empty.
pub(crate) fn list_to_text_or_null(urls: &[String]) -> Option<String> {
    (!urls.is_empty()).then(|| list_to_text(urls))
}

/// A nullable stored list back into a list (empty for NULL).
pub(crate) fn list_from_nullable(text: Option<String>) -> Vec<String> {
    text.as_deref().map(list_from_text).unwrap_or_default()
}

/// The stored shield columns back into a record (`None` when the message was not screened).
pub(crate) fn shield_record(
    verdict: Option<String>,
    score: Option<i64>,
    reasons: Option<String>,
) -> Option<crate::model::ShieldRecord> {
    verdict.map(|verdict| crate::model::ShieldRecord {
        verdict,
        score: u32::try_from(score.unwrap_or(0)).unwrap_or(0),
        reasons: list_from_nullable(reasons),
    })
}

/// Webhook columns read after the message's.
const HOOK_COLUMNS: &str = "w.id, w.kind, w.url, w.method, w.fallback_url, w.fallback_method, w.status, \
     w.error_code, w.error_message, w.created_at, w.attempts, w.state, w.last_error, w.response_code, \
     w.raw_dlr_done_date";

/// A pending webhook row `w` that may be sent now: no older pending row of its message is
/// waiting (a message's callbacks go strictly in order), alert rows being ordered only among
/// themselves (a down alert receiver never holds up the message's own webhooks).
pub(crate) const CLAIMABLE_WEBHOOK: &str = "w.state = 'pending' \
     AND NOT EXISTS (SELECT 1 FROM webhooks e WHERE e.message_seq = w.message_seq \
                     AND e.state = 'pending' AND e.id < w.id \
                     AND (e.kind = 'alert') = (w.kind = 'alert'))";

/// When the next claimable webhook row is due (both dialects).
pub(crate) fn next_webhook_due() -> String {
    format!("SELECT MIN(w.due_at) FROM webhooks w WHERE {CLAIMABLE_WEBHOOK}")
}

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

/// The verify-service columns both backends read, in order.
pub(crate) const VERIFY_SERVICE_COLUMNS: &str = "sid, account_sid, friendly_name, code_length, \
     custom_code_enabled, do_not_share_warning_enabled, skip_sms_to_landlines, lookup_enabled, \
     psd2_enabled, dtmf_input_required, date_created, date_updated, fraud_mode, allowed_countries, \
     passkeys_rp_id, passkeys_rp_name, passkeys_origins, passkeys_attachment, passkeys_discoverable, \
     passkeys_user_verification";

/// The verification columns both backends read, in order.
pub(crate) const VERIFICATION_COLUMNS: &str = "sid, service_sid, account_sid, to_addr, channel, \
     status, seed, code_hash, sends, checks, expires_at, date_created, date_updated";

/// A verification's send attempts as stored: a JSON array of `"sid channel millis"`.
pub(crate) fn sends_to_text(sends: &[crate::verify::SendAttempt]) -> String {
    let list: Vec<String> = sends
        .iter()
        .map(|a| format!("{} {} {}", a.sid, a.channel, a.at))
        .collect();
    list_to_text(&list)
}

/// Stored send attempts back into records (unreadable entries are skipped).
pub(crate) fn sends_from_text(text: &str) -> Vec<crate::verify::SendAttempt> {
    list_from_text(text)
        .iter()
        .filter_map(|e| {
            let mut it = e.split(' ');
            let sid = switchboard_domain::ids::VerificationAttemptSid::parse(it.next()?).ok()?;
            let channel = it.next()?.to_owned();
            let at = it.next()?.parse().ok()?;
            Some(crate::verify::SendAttempt { sid, channel, at })
        })
        .collect()
}

/// The rate-limit columns both backends read, in order.
pub(crate) const RATE_LIMIT_COLUMNS: &str =
    "sid, service_sid, account_sid, unique_name, description, date_created, date_updated";

/// The bucket columns both backends read, in order.
pub(crate) const BUCKET_COLUMNS: &str = "sid, rate_limit_sid, service_sid, account_sid, \
     max_requests, interval_secs, date_created, date_updated";

/// GCRA for one bucket: with the stored theoretical arrival time `tat` (none = idle), a
/// request at `now` is allowed if the bucket has room; returns the new `tat`, or the
/// milliseconds until there is room.
pub(crate) fn gcra(
    bucket: &crate::verify::BucketRecord,
    tat: Option<i64>,
    now: i64,
) -> std::result::Result<i64, i64> {
    let interval = i64::from(bucket.interval_secs) * 1000;
    let step = interval / i64::from(bucket.max.max(1));
    let next = tat.unwrap_or(now).max(now) + step;
    if next - now <= interval {
        Ok(next)
    } else {
        Err(next - now - interval)
    }
}

/// The Verify entity columns both backends read, in order.
pub(crate) const ENTITY_COLUMNS: &str =
    "sid, service_sid, account_sid, identity, date_created, date_updated";

/// The Verify factor columns both backends read, in order.
pub(crate) const FACTOR_COLUMNS: &str = "sid, service_sid, account_sid, entity_sid, identity, \
     friendly_name, factor_type, status, sealed_secret, time_step, code_length, skew, alg, \
     last_step, failures, date_created, date_updated";

/// The Verify challenge columns both backends read, in order.
pub(crate) const CHALLENGE_COLUMNS: &str = "sid, service_sid, account_sid, entity_sid, identity, \
     factor_sid, status, failures, expiration_date, date_responded, date_created, date_updated";

/// What closing an account removes (`$1` = its sid), in one transaction with marking it
/// `closed`: its data key (crypto-shredding: its messages' numbers and bodies can no longer
/// be decrypted), work in flight, and the rows whose numbers are encrypted under the
/// installation's keys (which outlive the account) or its own (unreadable from now on).
pub(crate) const CLOSE_ACCOUNT: &[&str] = &[
    "DELETE FROM account_keys WHERE account_sid = $1",
    "DELETE FROM queue WHERE account_sid = $1",
    // Calls not dialed yet are never dialed (their numbers can no longer be read).
    "UPDATE calls SET status = 'canceled', action_kind = NULL, action_data = NULL \
     WHERE account_sid = $1 AND status = 'queued'",
    "DELETE FROM webhooks WHERE account_sid = $1 AND state = 'pending'",
    "DELETE FROM idempotency_keys WHERE account_sid = $1",
    "DELETE FROM opt_outs WHERE account_sid = $1",
    "DELETE FROM sticky_senders WHERE service_sid IN (SELECT sid FROM messaging_services WHERE account_sid = $1)",
    "DELETE FROM service_numbers WHERE service_sid IN (SELECT sid FROM messaging_services WHERE account_sid = $1)",
    "DELETE FROM phone_numbers WHERE account_sid = $1",
    "DELETE FROM verifications WHERE account_sid = $1",
    "DELETE FROM verify_safe_list WHERE account_sid = $1",
    "DELETE FROM verify_fraud_events WHERE account_sid = $1",
    "DELETE FROM rate_counters WHERE bucket_sid IN (SELECT sid FROM rate_buckets WHERE account_sid = $1)",
    // The console: nobody signs in to a closed account, and operators lose any grant.
    "DELETE FROM console_sessions WHERE account_sid = $1",
    "DELETE FROM console_invites WHERE account_sid = $1",
    "DELETE FROM console_ceremonies WHERE user_sid IN (SELECT sid FROM console_users WHERE account_sid = $1)",
    "DELETE FROM console_credentials WHERE user_sid IN (SELECT sid FROM console_users WHERE account_sid = $1)",
    "UPDATE console_users SET status = 'disabled' WHERE account_sid = $1",
    "DELETE FROM support_grants WHERE account_sid = $1",
];

/// Marks an account closed (`$1` its sid, `$2` now).
pub(crate) const MARK_CLOSED: &str =
    "UPDATE accounts SET status = 'closed', date_updated = $2 WHERE sid = $1";

/// A bound value of a query built at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

/// The message list query with only the filters given (`$n` placeholders), so the planner
/// can use `(account_sid, to_addr, seq)` / `(account_sid, from_addr, seq)` for an address
/// filter and a range on `seq` for a cursor: one generic statement with `? IS NULL OR …`
/// terms cannot, and scans the account. `to`/`from` are the stored forms to match (the
/// encrypted value and the plain one of rows written before encryption).
pub(crate) fn list_messages_query(
    columns: &str,
    account: &str,
    to: Option<[String; 2]>,
    from: Option<[String; 2]>,
    f: &crate::MessageFilter,
    limit: u32,
) -> (String, Vec<Arg>) {
    let mut sql = format!("SELECT {columns} FROM messages WHERE account_sid = $1");
    let mut args = vec![Arg::Text(account.to_owned())];
    let next = |args: &mut Vec<Arg>, a: Arg| {
        args.push(a);
        args.len()
    };
    for (col, pair) in [("to_addr", to), ("from_addr", from)] {
        if let Some([enc, plain]) = pair {
            let (i, j) = (
                next(&mut args, Arg::Text(enc)),
                next(&mut args, Arg::Text(plain)),
            );
            sql.push_str(&format!(" AND {col} IN (${i}, ${j})"));
        }
    }
    if let Some(status) = f.status {
        let i = next(&mut args, Arg::Text(status.as_str().to_owned()));
        sql.push_str(&format!(" AND status = ${i}"));
    }
    for (term, value) in [
        ("date_sent >=", f.sent_from),
        ("date_sent <", f.sent_until),
        ("seq <", f.before_seq),
    ] {
        if let Some(v) = value {
            let i = next(&mut args, Arg::Int(v));
            sql.push_str(&format!(" AND {term} ${i}"));
        }
    }
    let i = next(&mut args, Arg::Int(i64::from(limit)));
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${i}"));
    (sql, args)
}

#[cfg(test)]
mod list_query_tests {
    use super::*;

    #[test]
    fn only_given_filters_are_in_the_query() {
        let f = crate::MessageFilter::default();
        let (sql, args) = list_messages_query("sid", "AC1", None, None, &f, 50);
        assert_eq!(
            sql,
            "SELECT sid FROM messages WHERE account_sid = $1 ORDER BY seq DESC LIMIT $2"
        );
        assert_eq!(args, vec![Arg::Text("AC1".into()), Arg::Int(50)]);
        let f = crate::MessageFilter {
            before_seq: Some(9),
            ..Default::default()
        };
        let (sql, args) =
            list_messages_query("sid", "AC1", Some(["e".into(), "p".into()]), None, &f, 5);
        assert_eq!(
            sql,
            "SELECT sid FROM messages WHERE account_sid = $1 AND to_addr IN ($2, $3) \
             AND seq < $4 ORDER BY seq DESC LIMIT $5"
        );
        assert_eq!(args.len(), 5);
    }
}
