#![allow(clippy::expect_used, clippy::unwrap_used)]

//! The conformance suite: behaviour every `Store` backend must show.
//! Run it from each backend's tests with a fresh, empty store.

use crate::model::*;
use crate::Store;

pub mod audit;
pub mod calls;
mod console;
mod console_sessions;
mod console_views;
pub mod encryption;
mod factors;
mod keys;
mod passkeys;
mod rate_limits;
mod shield;
mod two_way;
mod verify;
use switchboard_domain::ids::{AccountSid, MessageSid};
use switchboard_domain::message::{DeliveryOutcome, Direction, MessageStatus};

/// Runs every check in order against `store`, which must be empty. Panics on the first failure.
pub async fn suite(store: &dyn Store) {
    accounts(store).await;
    keys::keys_carry_scopes_and_are_scoped(store).await;
    messages_are_scoped_and_paged(store).await;
    queue_lifecycle(store).await;
    early_receipt_is_kept(store).await;
    multipart_is_final_when_every_part_is(store).await;
    cancel_and_delete(store).await;
    numbers_belong_to_one_account(store).await;
    a_reused_carrier_reference_goes_to_the_newest_message(store).await;
    updates_from_an_expired_claim_are_fenced_off(store).await;
    two_way::numbers_have_settings(store).await;
    two_way::opt_outs(store).await;
    two_way::status_callbacks_are_enqueued_in_order(store).await;
    two_way::inbound_webhook_and_replies(store).await;
    two_way::idempotency_keys(store).await;
    two_way::claims_are_fair_between_accounts(store).await;
    two_way::messaging_services(store).await;
    two_way::a_deferred_claim_is_not_an_attempt(store).await;
    shield::settings_round_trip(store).await;
    shield::verdicts_are_stored_and_cause_webhooks(store).await;
    verify::services_are_scoped(store).await;
    verify::sends_are_limited_and_reuse_the_pending_verification(store).await;
    verify::checks_are_counted_and_limited(store).await;
    verify::safe_list_and_fraud_events(store).await;
    rate_limits::rate_limits_and_buckets(store).await;
    rate_limits::deleting_a_service_deletes_its_rate_limits(store).await;
    rate_limits::a_start_is_charged_with_its_buckets(store).await;
    factors::entities_are_scoped_and_deleted_with_what_they_own(store).await;
    factors::factor_verification_accepts_a_later_step_and_locks_after_wrong_codes(store).await;
    factors::challenges_accept_each_step_once_and_lock_after_wrong_codes(store).await;
    passkeys::settings_round_trip(store).await;
    passkeys::credentials_are_unique_per_service(store).await;
    passkeys::ceremonies_are_taken_once(store).await;
    console::invites_are_redeemed_once(store).await;
    console::users_are_found_listed_and_updated(store).await;
    console::credentials_are_added_listed_and_updated(store).await;
    console_sessions::ceremonies_are_taken_once(store).await;
    console_sessions::sessions_expire_and_are_ended(store).await;
    console_sessions::support_grants_are_active_until_expired_or_revoked(store).await;
    console_sessions::closing_an_account_ends_its_console(store).await;
    console_views::counts_queue_log_and_retry(store).await;
    audit::appends_chain_and_list(store).await;
    calls::calls_are_scoped_filtered_and_paged(store).await;
    calls::claims_are_exclusive_and_leased(store).await;
    calls::transitions_are_guarded_and_report_callbacks(store).await;
    calls::actions_and_warnings(store).await;
}

async fn updates_from_an_expired_claim_are_fenced_off(store: &dyn Store) {
    let a = account(store).await;
    let m = new_message(&a, "+15550009101", 900_000);
    let sid = m.sid.clone();
    store.insert_message(m).await.expect("insert");
    let first = store
        .claim_due(900_000, 1000, 905_000)
        .await
        .expect("claim");
    let first = first.into_iter().find(|c| c.sid == sid).expect("claimed");
    assert_eq!(first.lease_until, 905_000);
    // the lease runs out and another worker claims it
    let second = store
        .claim_due(905_000, 1000, 910_000)
        .await
        .expect("claim");
    let second = second
        .into_iter()
        .find(|c| c.sid == sid)
        .expect("claimed again");
    let retry = |due_at| QueueUpdate::Retry {
        sid: sid.clone(),
        due_at,
        error: None,
    };
    store
        .record_fenced(905_001, vec![(first.lease_until, retry(999_999))])
        .await
        .expect("fenced");
    let msg = store
        .get_message(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        msg.status,
        MessageStatus::Sending,
        "the stale update was skipped"
    );
    let sent = QueueUpdate::Sent {
        sid: sid.clone(),
        carrier_refs: vec!["fence-1".into()],
        receipt_due: 990_000,
    };
    store
        .record_fenced(905_002, vec![(second.lease_until, sent)])
        .await
        .expect("fenced");
    let msg = store
        .get_message(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        msg.status,
        MessageStatus::Sent,
        "the current claim's update applies"
    );
}

async fn a_reused_carrier_reference_goes_to_the_newest_message(store: &dyn Store) {
    let a = account(store).await;
    let (m1, m2) = (
        new_message(&a, "+15550009001", 700_000),
        new_message(&a, "+15550009002", 700_000),
    );
    let (s1, s2) = (m1.sid.clone(), m2.sid.clone());
    store.insert_message(m1).await.expect("insert");
    store.insert_message(m2).await.expect("insert");
    store
        .claim_due(700_000, 1000, 710_000)
        .await
        .expect("claim");
    for sid in [&s1, &s2] {
        let sent = QueueUpdate::Sent {
            sid: sid.clone(),
            carrier_refs: vec!["reused-1".into()],
            receipt_due: 800_000,
        };
        store
            .record_updates(700_001, vec![sent])
            .await
            .expect("a reused reference is not an error");
    }
    store
        .apply_receipts(
            700_002,
            vec![receipt("reused-1", MessageStatus::Delivered, None)],
        )
        .await
        .expect("receipt");
    let newest = store
        .get_message(&a, &s2)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(newest.status, MessageStatus::Delivered);
}

async fn numbers_belong_to_one_account(store: &dyn Store) {
    use switchboard_domain::ids::PhoneNumberSid;
    let a = account(store).await;
    let b = account(store).await;
    let n = |acct: &AccountSid, num: &str| NewNumber {
        sid: PhoneNumberSid::generate(),
        account_sid: acct.clone(),
        phone_number: num.into(),
        friendly_name: "salon".into(),
        config: NumberConfig::default(),
        now: 600_000,
    };
    store.add_number(n(&a, "+15550008001")).await.expect("add");
    let dup = store.add_number(n(&b, "+15550008001")).await;
    assert!(matches!(dup, Err(crate::Error::Conflict(_))), "{dup:?}");
    let found = store
        .find_number("+15550008001")
        .await
        .expect("find")
        .expect("some");
    assert_eq!(found.account_sid, a);
    assert!(store
        .find_number("+15550008002")
        .await
        .expect("find")
        .is_none());
    assert_eq!(store.list_numbers(&a).await.expect("list").len(), 1);
    assert!(store.list_numbers(&b).await.expect("list").is_empty());
}

pub(crate) async fn account(store: &dyn Store) -> AccountSid {
    let sid = AccountSid::generate();
    store
        .create_account(NewAccount {
            sid: sid.clone(),
            friendly_name: "test".into(),
            auth_token_sealed: vec![1, 2, 3],
            now: 1_000,
        })
        .await
        .expect("create account");
    sid
}

pub fn new_message(account: &AccountSid, to: &str, now: i64) -> NewMessage {
    NewMessage {
        sid: MessageSid::generate(),
        account_sid: account.clone(),
        direction: Direction::OutboundApi,
        status: MessageStatus::Queued,
        to: to.into(),
        from: "+15005550006".into(),
        body: "hello".into(),
        num_segments: 1,
        media_urls: vec![],
        encoding: "GSM-7".into(),
        messaging_service_sid: None,
        status_callback: None,
        validity_secs: None,
        now,
        due_at: now,
        error_code: None,
        error_message: None,
        shield: None,
    }
}

async fn accounts(store: &dyn Store) {
    let before = store.count_accounts().await.expect("count");
    let sid = account(store).await;
    let got = store.get_account(&sid).await.expect("get").expect("exists");
    assert_eq!(got.auth_token_sealed, vec![1, 2, 3]);
    assert_eq!(store.count_accounts().await.expect("count"), before + 1);
    assert!(store
        .get_account(&AccountSid::generate())
        .await
        .expect("get")
        .is_none());
    let dup = store
        .create_account(NewAccount {
            sid,
            friendly_name: "x".into(),
            auth_token_sealed: vec![],
            now: 1,
        })
        .await;
    assert!(matches!(dup, Err(crate::Error::Conflict(_))), "{dup:?}");
}

async fn messages_are_scoped_and_paged(store: &dyn Store) {
    let a = account(store).await;
    let b = account(store).await;
    let mut sids = vec![];
    for i in 0..5 {
        let m = new_message(&a, &format!("+1555000000{i}"), 10_000 + i);
        sids.push(m.sid.clone());
        store.insert_message(m).await.expect("insert");
    }
    assert!(store
        .get_message(&b, &sids[0])
        .await
        .expect("get")
        .is_none());
    let got = store
        .get_message(&a, &sids[0])
        .await
        .expect("get")
        .expect("some");
    assert_eq!(got.status, MessageStatus::Queued);
    assert_eq!(got.to, "+15550000000");

    let page1 = store
        .list_messages(&a, &MessageFilter::default(), 2)
        .await
        .expect("list");
    assert_eq!(
        page1.iter().map(|m| &m.sid).collect::<Vec<_>>(),
        vec![&sids[4], &sids[3]]
    );
    // a new message does not shift the next page
    store
        .insert_message(new_message(&a, "+15550000009", 20_000))
        .await
        .expect("insert");
    let cursor = MessageFilter {
        before_seq: Some(page1[1].seq),
        ..Default::default()
    };
    let page2 = store.list_messages(&a, &cursor, 2).await.expect("list");
    assert_eq!(
        page2.iter().map(|m| &m.sid).collect::<Vec<_>>(),
        vec![&sids[2], &sids[1]]
    );
    let by_to = MessageFilter {
        to: Some("+15550000001".into()),
        ..Default::default()
    };
    let only = store.list_messages(&a, &by_to, 50).await.expect("list");
    assert_eq!(only.len(), 1);
    let by_status = MessageFilter {
        status: Some(MessageStatus::Queued),
        ..Default::default()
    };
    let queued = store.list_messages(&a, &by_status, 50).await.expect("list");
    assert!(!queued.is_empty() && queued.iter().all(|m| m.status == MessageStatus::Queued));
    let none = MessageFilter {
        status: Some(MessageStatus::Canceled),
        ..Default::default()
    };
    assert!(store
        .list_messages(&a, &none, 50)
        .await
        .expect("list")
        .is_empty());
    assert!(store
        .list_messages(&b, &MessageFilter::default(), 50)
        .await
        .expect("list")
        .is_empty());
}

pub(crate) async fn drain(store: &dyn Store, now: i64) {
    loop {
        let c = store.claim_due(now, 1000, now + 1).await.expect("claim");
        if c.is_empty() {
            break;
        }
        let ups = c
            .into_iter()
            .map(|c| QueueUpdate::StopWaiting { sid: c.sid })
            .collect();
        store.record_updates(now, ups).await.expect("updates");
    }
}

async fn queue_lifecycle(store: &dyn Store) {
    drain(store, i64::MAX / 4).await;
    let a = account(store).await;
    let m = new_message(&a, "+15550001111", 50_000);
    let sid = m.sid.clone();
    store.insert_message(m).await.expect("insert");
    assert_eq!(store.queue_depth().await.expect("depth"), 1);
    assert!(store
        .claim_due(49_999, 10, 60_000)
        .await
        .expect("claim")
        .is_empty());
    let claimed = store.claim_due(50_000, 10, 60_000).await.expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].phase, Phase::Submit);
    assert_eq!(claimed[0].attempts, 1);
    // leased: not claimable again until the lease runs out
    assert!(store
        .claim_due(55_000, 10, 70_000)
        .await
        .expect("claim")
        .is_empty());
    let again = store.claim_due(60_000, 10, 70_000).await.expect("claim");
    assert_eq!(again.len(), 1, "an expired lease comes back");
    assert_eq!(again[0].attempts, 2);
    store
        .record_updates(
            61_000,
            vec![QueueUpdate::Retry {
                sid: sid.clone(),
                due_at: 65_000,
                error: None,
            }],
        )
        .await
        .expect("retry");
    let msg = store
        .get_message(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(msg.status, MessageStatus::Queued);
    let third = store.claim_due(65_000, 10, 75_000).await.expect("claim");
    store
        .record_updates(
            66_000,
            vec![QueueUpdate::Sent {
                sid: sid.clone(),
                carrier_refs: vec!["ref-1".into()],
                receipt_due: 90_000,
            }],
        )
        .await
        .expect("sent");
    assert_eq!(third.len(), 1);
    let msg = store
        .get_message(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(msg.status, MessageStatus::Sent);
    assert_eq!(msg.date_sent, Some(66_000));
    let stats = store
        .apply_receipts(
            67_000,
            vec![Receipt {
                carrier_ref: "ref-1".into(),
                outcome: DeliveryOutcome {
                    status: MessageStatus::Delivered,
                    error_code: None,
                    error_message: None,
                },
                done_date: None,
            }],
        )
        .await
        .expect("receipt");
    assert_eq!(stats.matched, 1);
    let msg = store
        .get_message(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(msg.status, MessageStatus::Delivered);
    assert_eq!(store.queue_depth().await.expect("depth"), 0);
    // a late failure cannot overwrite a final status
    store
        .record_updates(
            68_000,
            vec![QueueUpdate::Finish {
                sid: sid.clone(),
                outcome: DeliveryOutcome {
                    status: MessageStatus::Failed,
                    error_code: Some(30008),
                    error_message: None,
                },
            }],
        )
        .await
        .expect("finish");
    let msg = store
        .get_message(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(msg.status, MessageStatus::Delivered);
}

async fn early_receipt_is_kept(store: &dyn Store) {
    let a = account(store).await;
    let mut m = new_message(&a, "+15550002222", 100_000);
    m.status_callback = Some("https://app.example/early".into());
    let sid = m.sid.clone();
    store.insert_message(m).await.expect("insert");
    let claimed = store
        .claim_due(100_000, 1000, 110_000)
        .await
        .expect("claim");
    assert!(claimed.iter().any(|c| c.sid == sid));
    let receipt = Receipt {
        carrier_ref: "early-1".into(),
        outcome: DeliveryOutcome {
            status: MessageStatus::Undelivered,
            error_code: Some(30003),
            error_message: Some("unreachable".into()),
        },
        done_date: Some("2611291030".into()),
    };
    let stats = store
        .apply_receipts(100_001, vec![receipt])
        .await
        .expect("receipt");
    assert_eq!(stats.orphaned, 1);
    store
        .record_updates(
            100_002,
            vec![QueueUpdate::Sent {
                sid: sid.clone(),
                carrier_refs: vec!["early-1".into()],
                receipt_due: 200_000,
            }],
        )
        .await
        .expect("sent");
    let msg = store
        .get_message(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(msg.status, MessageStatus::Undelivered);
    assert_eq!(msg.error_code, Some(30003));
    // The early receipt's done date reaches the status callback.
    let hooks = store.list_webhooks(&a, &sid).await.expect("webhooks");
    let last = hooks.last().expect("a status callback row");
    assert_eq!(last.status, MessageStatus::Undelivered);
    assert_eq!(last.raw_dlr_done_date.as_deref(), Some("2611291030"));
    // Settle them (in order: one head per round) so later checks start clean.
    while let Some(h) = store
        .claim_webhooks(i64::MAX / 8, 1, i64::MAX / 4)
        .await
        .expect("claim")
        .pop()
    {
        let done = WebhookOutcome::Finish {
            state: WebhookState::Delivered,
            response_code: Some(200),
            error: None,
            replies: vec![],
            message_error: None,
        };
        store.record_webhook(h.id, 0, done).await.expect("record");
    }
}

pub(crate) fn receipt(carrier_ref: &str, status: MessageStatus, code: Option<u32>) -> Receipt {
    Receipt {
        carrier_ref: carrier_ref.into(),
        outcome: DeliveryOutcome {
            status,
            error_code: code,
            error_message: None,
        },
        done_date: None,
    }
}

async fn multipart_is_final_when_every_part_is(store: &dyn Store) {
    let a = account(store).await;
    let mut sids = vec![];
    for to in ["+15550007001", "+15550007002"] {
        let m = new_message(&a, to, 400_000);
        sids.push(m.sid.clone());
        store.insert_message(m).await.expect("insert");
    }
    let claimed = store
        .claim_due(400_000, 1000, 410_000)
        .await
        .expect("claim");
    assert!(sids.iter().all(|s| claimed.iter().any(|c| &c.sid == s)));
    let parts = |p: &str| (1..=3).map(|i| format!("{p}-{i}")).collect::<Vec<_>>();
    let updates = vec![
        QueueUpdate::Sent {
            sid: sids[0].clone(),
            carrier_refs: parts("mp-a"),
            receipt_due: 500_000,
        },
        QueueUpdate::Sent {
            sid: sids[1].clone(),
            carrier_refs: parts("mp-b"),
            receipt_due: 500_000,
        },
    ];
    store.record_updates(400_001, updates).await.expect("sent");
    let ok = MessageStatus::Delivered;
    store
        .apply_receipts(
            400_002,
            vec![receipt("mp-a-1", ok, None), receipt("mp-a-3", ok, None)],
        )
        .await
        .expect("receipts");
    let m = store
        .get_message(&a, &sids[0])
        .await
        .expect("get")
        .expect("some");
    assert_eq!(m.status, MessageStatus::Sent, "one part is still pending");
    // after the receipt timeout only the pending part is asked about
    let due = store
        .claim_due(500_000, 1000, 510_000)
        .await
        .expect("claim");
    let waiting = due
        .iter()
        .find(|c| c.sid == sids[0])
        .expect("awaiting receipt");
    assert_eq!(
        waiting.phase,
        Phase::AwaitReceipt {
            carrier_refs: vec!["mp-a-2".into()]
        }
    );
    store
        .apply_receipts(500_001, vec![receipt("mp-a-2", ok, None)])
        .await
        .expect("receipt");
    let m = store
        .get_message(&a, &sids[0])
        .await
        .expect("get")
        .expect("some");
    assert_eq!(m.status, MessageStatus::Delivered);

    let bad = MessageStatus::Undelivered;
    store
        .apply_receipts(
            500_002,
            vec![
                receipt("mp-b-1", ok, None),
                receipt("mp-b-2", bad, Some(30003)),
                receipt("mp-b-3", ok, None),
            ],
        )
        .await
        .expect("receipts");
    let m = store
        .get_message(&a, &sids[1])
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        (m.status, m.error_code),
        (MessageStatus::Undelivered, Some(30003))
    );
}

async fn cancel_and_delete(store: &dyn Store) {
    let a = account(store).await;
    let b = account(store).await;
    let m = new_message(&a, "+15550003333", 300_000);
    let sid = m.sid.clone();
    store.insert_message(m).await.expect("insert");
    assert!(matches!(
        store
            .cancel_message(&b, &sid, 300_001)
            .await
            .expect("cancel"),
        CancelResult::NotFound
    ));
    match store
        .cancel_message(&a, &sid, 300_001)
        .await
        .expect("cancel")
    {
        CancelResult::Canceled(m) => assert_eq!(m.status, MessageStatus::Canceled),
        other => panic!("expected canceled, got {other:?}"),
    }
    assert!(matches!(
        store
            .cancel_message(&a, &sid, 300_002)
            .await
            .expect("cancel"),
        CancelResult::NotCancelable(MessageStatus::Canceled)
    ));
    let redacted = store
        .redact_message(&a, &sid, 300_003)
        .await
        .expect("redact");
    assert_eq!(redacted.map(|m| m.body), Some(String::new()));
    assert!(!store.delete_message(&b, &sid).await.expect("delete"));
    assert!(store.delete_message(&a, &sid).await.expect("delete"));
    assert!(store.get_message(&a, &sid).await.expect("get").is_none());
    let counts = store.status_counts().await.expect("counts");
    assert!(counts.iter().all(|(_, n)| *n > 0));
}
