//! Conformance: the console's read models — message counts per window and status, the
//! shield's flagged/blocked queue, the webhook delivery log with a manual retry, and the
//! operators' account list.

use super::{account, new_message};
use crate::model::{ShieldRecord, WebhookOutcome, WebhookState};
use crate::Store;
use switchboard_domain::message::MessageStatus;

pub(super) async fn counts_queue_log_and_retry(store: &dyn Store) {
    let (a, b) = (account(store).await, account(store).await);
    // Counts: two windows of 1,000 ms; another account's message is not counted.
    for (at, status) in [
        (10_100, MessageStatus::Delivered),
        (10_200, MessageStatus::Delivered),
        (11_300, MessageStatus::Undelivered),
    ] {
        let mut m = new_message(&a, "+15550001111", at);
        m.status = status;
        store.insert_message(m).await.expect("insert");
    }
    let mut other = new_message(&b, "+15550001111", 10_100);
    other.status = MessageStatus::Delivered;
    store.insert_message(other).await.expect("insert");
    let counts = store
        .message_counts(&a, 10_000, 1_000)
        .await
        .expect("counts");
    let got: Vec<_> = counts
        .iter()
        .map(|c| (c.bucket, c.status.as_str(), c.count))
        .collect();
    assert_eq!(
        got,
        vec![(10_000, "delivered", 2), (11_000, "undelivered", 1)]
    );
    assert!(store
        .message_counts(&a, 12_000, 1_000)
        .await
        .expect("counts")
        .is_empty());

    // The shield queue: flagged and blocked only, newest first.
    for (verdict, at) in [("allow", 12_000), ("flag", 12_100), ("block", 12_200)] {
        let mut m = new_message(&a, "+15550002222", at);
        m.status = MessageStatus::Delivered;
        m.shield = Some(ShieldRecord {
            verdict: verdict.into(),
            score: 50,
            reasons: vec!["look-alike".into()],
        });
        store.insert_message(m).await.expect("insert");
    }
    let q = store.shield_queue(&a, None, 10).await.expect("queue");
    let verdicts: Vec<_> = q.iter().map(|v| v.verdict.as_str()).collect();
    assert_eq!(verdicts, vec!["block", "flag"]);
    let older = store
        .shield_queue(&a, Some(q[0].seq), 10)
        .await
        .expect("queue");
    assert_eq!(older.len(), 1);
    assert!(store
        .shield_queue(&b, None, 10)
        .await
        .expect("q")
        .is_empty());

    // The webhook log: a refused message with a StatusCallback gets a status row.
    let mut refused = new_message(&a, "+15550003333", 13_000);
    refused.status = MessageStatus::Failed;
    refused.error_code = Some(30007);
    refused.status_callback = Some("https://hooks.example/status".into());
    let m = store.insert_message(refused).await.expect("insert");
    let claimed = store
        .claim_webhooks(13_000, 10, 20_000)
        .await
        .expect("claim");
    let row = claimed
        .iter()
        .find(|w| w.message.sid == m.sid)
        .expect("a status row");
    store
        .record_webhook(
            row.id,
            13_100,
            WebhookOutcome::Finish {
                state: WebhookState::Failed,
                response_code: Some(503),
                error: Some("HTTP 503".into()),
                replies: vec![],
                message_error: None,
            },
        )
        .await
        .expect("record");
    let log = store.webhook_log(&a, None, 10).await.expect("log");
    let entry = log.iter().find(|w| w.id == row.id).expect("in the log");
    assert_eq!(entry.state, "failed");
    assert_eq!(entry.message_sid, m.sid);
    assert_eq!(entry.response_code, Some(503));
    assert!(store
        .webhook_log(&b, None, 10)
        .await
        .expect("log")
        .is_empty());
    // Retry: only a finished row of the account; it is due again with a fresh count.
    assert!(!store
        .retry_webhook(&b, row.id, 14_000)
        .await
        .expect("other"));
    assert!(store
        .retry_webhook(&a, row.id, 14_000)
        .await
        .expect("retry"));
    assert!(!store
        .retry_webhook(&a, row.id, 14_000)
        .await
        .expect("pending"));
    let again = store
        .claim_webhooks(14_000, 10, 30_000)
        .await
        .expect("claim");
    let row2 = again.iter().find(|w| w.id == row.id).expect("due again");
    assert_eq!(row2.attempts, 1);

    // Operators' account list: metadata of every account.
    let all = store.list_accounts().await.expect("accounts");
    assert!(all.iter().any(|s| s.sid == a) && all.iter().any(|s| s.sid == b));
}
