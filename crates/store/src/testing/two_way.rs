//! Conformance: numbers' settings, opt-outs and the webhook outbox.

use super::{account, drain, new_message, receipt};
use crate::model::*;
use crate::Store;
use switchboard_domain::ids::{MessageSid, PhoneNumberSid};
use switchboard_domain::message::{Direction, MessageStatus};

pub(super) async fn numbers_have_settings(store: &dyn Store) {
    let a = account(store).await;
    let b = account(store).await;
    let sid = PhoneNumberSid::generate();
    let config = NumberConfig {
        sms_url: "https://salon.example/sms".into(),
        sms_method: "GET".into(),
        stop_reply: Some(String::new()),
        ..NumberConfig::default()
    };
    store
        .add_number(NewNumber {
            sid: sid.clone(),
            account_sid: a.clone(),
            phone_number: "+15550008101".into(),
            friendly_name: "front desk".into(),
            config: config.clone(),
            now: 1_000,
        })
        .await
        .expect("add");
    let got = store
        .get_number(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(got.config, config);
    assert!(store.get_number(&b, &sid).await.expect("get").is_none());
    let changed = NumberConfig {
        status_callback: "https://salon.example/status".into(),
        help_reply: Some("Call 555-0100".into()),
        ..config
    };
    assert!(!store
        .update_number(&b, &sid, "x".into(), changed.clone(), 2_000)
        .await
        .expect("update"));
    assert!(store
        .update_number(&a, &sid, "desk".into(), changed.clone(), 2_000)
        .await
        .expect("update"));
    let got = store
        .get_number(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        (got.friendly_name.as_str(), got.date_updated),
        ("desk", 2_000)
    );
    assert_eq!(got.config, changed);
    assert!(!store.delete_number(&b, &sid).await.expect("delete"));
    assert!(store.delete_number(&a, &sid).await.expect("delete"));
    assert!(store
        .find_number("+15550008101")
        .await
        .expect("find")
        .is_none());
}

pub(super) async fn opt_outs(store: &dyn Store) {
    let a = account(store).await;
    let b = account(store).await;
    let (s, r) = ("+15550008201", "+15550008299");
    assert!(!store.is_opted_out(&a, s, r).await.expect("check"));
    store.opt_out(&a, s, r, 5).await.expect("stop");
    store.opt_out(&a, s, r, 6).await.expect("stop twice");
    assert!(store.is_opted_out(&a, s, r).await.expect("check"));
    assert!(!store.is_opted_out(&b, s, r).await.expect("other account"));
    assert!(!store
        .is_opted_out(&a, "+15550008202", r)
        .await
        .expect("other sender"));
    let list = store.list_opt_outs(&a).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].sender.as_str(), list[0].date_created), (s, 5));
    assert!(store.opt_in(&a, s, r).await.expect("start"));
    assert!(!store.opt_in(&a, s, r).await.expect("start twice"));
    assert!(!store.is_opted_out(&a, s, r).await.expect("check"));
}

async fn claim_all(store: &dyn Store, now: i64) -> Vec<WebhookRecord> {
    store
        .claim_webhooks(now, 1000, now + 10_000)
        .await
        .expect("claim webhooks")
}

pub(super) fn done() -> WebhookOutcome {
    WebhookOutcome::Finish {
        state: WebhookState::Delivered,
        response_code: Some(200),
        error: None,
        replies: vec![],
        message_error: None,
    }
}

pub(super) async fn status_callbacks_are_enqueued_in_order(store: &dyn Store) {
    let t = 10_000_000;
    drain(store, t).await;
    let a = account(store).await;
    let mut m = new_message(&a, "+15550008301", t);
    m.status_callback = Some("https://app.example/status".into());
    let sid = m.sid.clone();
    store.insert_message(m).await.expect("insert");
    assert!(
        claim_all(store, t + 1).await.is_empty(),
        "no callback for the initial status"
    );
    // sending, back to queued (a retry: not reported), sending again (not reported)
    store.claim_due(t + 1, 10, t + 100).await.expect("claim");
    store
        .record_updates(
            t + 2,
            vec![QueueUpdate::Retry {
                sid: sid.clone(),
                due_at: t + 3,
                error: None,
            }],
        )
        .await
        .expect("retry");
    store.claim_due(t + 3, 10, t + 100).await.expect("claim");
    store
        .record_updates(
            t + 4,
            vec![QueueUpdate::Sent {
                sid: sid.clone(),
                carrier_refs: vec!["cb-ref-1".into()],
                receipt_due: t + 1_000_000,
            }],
        )
        .await
        .expect("sent");
    store
        .apply_receipts(
            t + 5,
            vec![Receipt {
                done_date: Some("2611291200".into()),
                ..receipt("cb-ref-1", MessageStatus::Undelivered, Some(30003))
            }],
        )
        .await
        .expect("receipt");
    let rows = store.list_webhooks(&a, &sid).await.expect("list");
    let statuses: Vec<MessageStatus> = rows.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![
            MessageStatus::Sending,
            MessageStatus::Sent,
            MessageStatus::Undelivered
        ]
    );
    assert!(rows
        .iter()
        .all(|r| r.kind == WebhookKind::Status && r.state == WebhookState::Pending));
    assert_eq!(rows[2].error_code, Some(30003));
    assert_eq!(rows[2].raw_dlr_done_date.as_deref(), Some("2611291200"));
    assert_eq!(rows[1].raw_dlr_done_date, None);
    assert_eq!(rows[0].url, "https://app.example/status");

    // only the oldest pending row of a message is due, even while it is leased
    let first = claim_all(store, t + 10).await;
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0].status, first[0].attempts),
        (MessageStatus::Sending, 1)
    );
    assert_eq!(first[0].message.sid, sid);
    assert!(
        claim_all(store, t + 11).await.is_empty(),
        "leased, and it blocks the rest"
    );
    let again = claim_all(store, t + 10 + 10_000).await;
    assert_eq!(
        (again.len(), again[0].attempts),
        (1, 2),
        "an expired lease comes back"
    );
    store
        .record_webhook(again[0].id, t + 20_001, done())
        .await
        .expect("record");
    let second = claim_all(store, t + 20_002).await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].status, MessageStatus::Sent);
    store
        .record_webhook(
            second[0].id,
            t + 20_003,
            WebhookOutcome::Retry {
                due_at: t + 50_000,
                response_code: Some(503),
                error: "HTTP 503".into(),
            },
        )
        .await
        .expect("retry");
    assert!(
        claim_all(store, t + 40_000).await.is_empty(),
        "the retry waits, the rest behind it"
    );
    assert_eq!(
        store.next_webhook_due().await.expect("next"),
        Some(t + 50_000)
    );
    let retried = claim_all(store, t + 50_000).await;
    assert_eq!(
        (retried[0].status, retried[0].last_error.as_deref()),
        (MessageStatus::Sent, Some("HTTP 503"))
    );
    store
        .record_webhook(
            retried[0].id,
            t + 50_001,
            WebhookOutcome::Finish {
                state: WebhookState::Failed,
                response_code: Some(503),
                error: Some("gave up".into()),
                replies: vec![],
                message_error: None,
            },
        )
        .await
        .expect("give up");
    let third = claim_all(store, t + 50_002).await;
    assert_eq!(third.len(), 1, "a row given up on lets the next one go");
    assert_eq!(third[0].status, MessageStatus::Undelivered);
    store
        .record_webhook(third[0].id, t + 50_003, done())
        .await
        .expect("record");
    let states: Vec<WebhookState> = store
        .list_webhooks(&a, &sid)
        .await
        .expect("list")
        .iter()
        .map(|r| r.state)
        .collect();
    assert_eq!(
        states,
        vec![
            WebhookState::Delivered,
            WebhookState::Failed,
            WebhookState::Delivered
        ]
    );
    assert_eq!(store.next_webhook_due().await.expect("next"), None);
}

pub(super) async fn inbound_webhook_and_replies(store: &dyn Store) {
    let t = 20_000_000;
    let a = account(store).await;
    for (num, url) in [
        ("+15550008401", "https://salon.example/sms"),
        ("+15550008402", ""),
    ] {
        store
            .add_number(NewNumber {
                sid: PhoneNumberSid::generate(),
                account_sid: a.clone(),
                phone_number: num.into(),
                friendly_name: String::new(),
                config: NumberConfig {
                    sms_url: url.into(),
                    sms_fallback_url: if url.is_empty() {
                        String::new()
                    } else {
                        "https://backup.example/sms".into()
                    },
                    ..NumberConfig::default()
                },
                now: t,
            })
            .await
            .expect("add number");
    }
    let inbound = |to: &str| NewMessage {
        direction: Direction::Inbound,
        status: MessageStatus::Received,
        from: "+15550008499".into(),
        body: "1".into(),
        ..new_message(&a, to, t)
    };
    let hooked = inbound("+15550008401");
    let hooked_sid = hooked.sid.clone();
    store.insert_message(hooked).await.expect("inbound");
    let unhooked = inbound("+15550008402");
    let unhooked_sid = unhooked.sid.clone();
    store.insert_message(unhooked).await.expect("inbound");
    assert!(
        store
            .list_webhooks(&a, &unhooked_sid)
            .await
            .expect("list")
            .is_empty(),
        "no sms_url, no webhook"
    );
    let claimed = claim_all(store, t + 1).await;
    assert_eq!(claimed.len(), 1);
    let h = &claimed[0];
    assert_eq!(
        (h.kind, h.url.as_str(), h.method.as_str()),
        (WebhookKind::Incoming, "https://salon.example/sms", "POST")
    );
    assert_eq!(h.fallback_url, "https://backup.example/sms");
    assert_eq!(
        (h.message.sid.clone(), h.message.body.as_str()),
        (hooked_sid, "1")
    );
    let reply = NewMessage {
        direction: Direction::OutboundReply,
        from: "+15550008401".into(),
        body: "Confirmed, see you tomorrow".into(),
        ..new_message(&a, "+15550008499", t + 2)
    };
    let reply_sid: MessageSid = reply.sid.clone();
    store
        .record_webhook(
            h.id,
            t + 2,
            WebhookOutcome::Finish {
                state: WebhookState::Delivered,
                response_code: Some(200),
                error: None,
                replies: vec![reply],
                message_error: None,
            },
        )
        .await
        .expect("record with reply");
    let stored = store
        .get_message(&a, &reply_sid)
        .await
        .expect("get")
        .expect("reply stored");
    assert_eq!(
        (stored.direction, stored.status),
        (Direction::OutboundReply, MessageStatus::Queued)
    );
    let due = store.claim_due(t + 3, 1000, t + 100).await.expect("claim");
    assert!(
        due.iter().any(|c| c.sid == reply_sid),
        "the reply is queued for delivery"
    );
}

pub(super) async fn idempotency_keys(store: &dyn Store) {
    let a = account(store).await;
    let key = |k: &str, hash: &str, not_before: i64| IdempotencyKey {
        key: k.into(),
        request_hash: hash.into(),
        not_before,
    };
    // Concurrent requests with one key: exactly one message.
    let tries = (0..50).map(|_| {
        store.insert_message_once(
            new_message(&a, "+15550008801", 30_000_000),
            key("k-1", "h1", 0),
        )
    });
    let results: Vec<Idempotent> = futures_join_all(tries)
        .await
        .into_iter()
        .map(|r| r.expect("insert"))
        .collect();
    let created: Vec<&MessageRecord> = results
        .iter()
        .filter_map(|r| match r {
            Idempotent::Created(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(created.len(), 1, "one creation");
    let sid = created[0].sid.clone();
    for r in &results {
        match r {
            Idempotent::Created(m) | Idempotent::Replayed(m) => assert_eq!(m.sid, sid),
            Idempotent::Mismatch => panic!("same parameters cannot mismatch"),
        }
    }
    let page = store
        .list_messages(&a, &MessageFilter::default(), 100)
        .await
        .expect("list");
    assert_eq!(page.len(), 1, "one message stored");
    // Other parameters under the same key: refused.
    let other = store
        .insert_message_once(
            new_message(&a, "+15550008802", 30_000_001),
            key("k-1", "h2", 0),
        )
        .await
        .expect("insert");
    assert!(matches!(other, Idempotent::Mismatch), "{other:?}");
    // The same key on another account is another key.
    let b = account(store).await;
    let theirs = store
        .insert_message_once(
            new_message(&b, "+15550008801", 30_000_002),
            key("k-1", "h2", 0),
        )
        .await
        .expect("insert");
    assert!(matches!(theirs, Idempotent::Created(_)), "{theirs:?}");
    // Once the key is older than not_before it is forgotten.
    let later = store
        .insert_message_once(
            new_message(&a, "+15550008803", 30_000_003),
            key("k-1", "h3", 30_000_000 + 1),
        )
        .await
        .expect("insert");
    match later {
        Idempotent::Created(m) => assert_ne!(m.sid, sid),
        other => panic!("a stale key starts afresh: {other:?}"),
    }
}

async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    // Poll them all at once on this task (no spawning: the store is borrowed).
    let mut futs: Vec<std::pin::Pin<Box<F>>> = futs.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futs.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

pub(super) async fn claims_are_fair_between_accounts(store: &dyn Store) {
    let t = 40_000_000;
    drain(store, t).await;
    let a = account(store).await;
    let b = account(store).await;
    for i in 0..100 {
        store
            .insert_message(new_message(&a, &format!("+155500090{i:02}"), t + i))
            .await
            .expect("insert");
    }
    let late = new_message(&b, "+15550009199", t + 500);
    let late_sid = late.sid.clone();
    store.insert_message(late).await.expect("insert");
    let claimed = store
        .claim_due(t + 1000, 10, t + 2000)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 10);
    assert!(
        claimed.iter().any(|c| c.sid == late_sid),
        "the other account's newer message is not held back by the backlog"
    );
    // 100 queued from the test sender (the claimed ones are `sending`, still in the submit phase)
    assert_eq!(
        store
            .queued_from("+15005550006", 1_000)
            .await
            .expect("count"),
        101
    );
    assert_eq!(
        store.queued_from("+15005550006", 40).await.expect("count"),
        40,
        "capped count"
    );
    assert_eq!(
        store.queued_from("+15550000000", 40).await.expect("count"),
        0
    );
    let from_a: Vec<&Claimed> = claimed.iter().filter(|c| c.account_sid == a).collect();
    assert_eq!(
        from_a.len(),
        9,
        "the rest goes to the backlog, oldest first"
    );
    drain(store, t + 5000).await;
}

pub(super) async fn messaging_services(store: &dyn Store) {
    use switchboard_domain::ids::ServiceSid;
    let a = account(store).await;
    let sid = ServiceSid::generate();
    store
        .create_service(ServiceRecord {
            sid: sid.clone(),
            account_sid: a.clone(),
            config: ServiceConfig {
                friendly_name: "Reminders".into(),
                ..ServiceConfig::default()
            },
            date_created: 7,
            date_updated: 7,
        })
        .await
        .expect("create");
    let got = store
        .get_service(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(got.config.friendly_name, "Reminders");
    let b = account(store).await;
    assert!(store.get_service(&b, &sid).await.expect("get").is_none());
    assert_eq!(
        store
            .pick_sender(&sid, "+15550007001", true)
            .await
            .expect("pick"),
        None,
        "empty pool"
    );
    for (i, n) in ["+15550007101", "+15550007102", "+15550007103"]
        .iter()
        .enumerate()
    {
        store
            .add_service_number(ServiceNumber {
                service_sid: sid.clone(),
                number_sid: PhoneNumberSid::generate(),
                phone_number: (*n).into(),
                date_created: 10 + i as i64,
            })
            .await
            .expect("add");
    }
    let pool = store.list_service_numbers(&sid).await.expect("list");
    assert_eq!(pool.len(), 3);
    // sticky: a recipient keeps its sender; recipients spread over the pool
    let mut used = std::collections::HashSet::new();
    for r in 0..20 {
        let to = format!("+155500072{r:02}");
        let first = store
            .pick_sender(&sid, &to, true)
            .await
            .expect("pick")
            .expect("some");
        for _ in 0..3 {
            assert_eq!(
                store.pick_sender(&sid, &to, true).await.expect("pick"),
                Some(first.clone())
            );
        }
        used.insert(first);
    }
    assert!(used.len() > 1, "recipients spread over the pool");
    // a sender leaving the pool is replaced
    let to = "+15550007299";
    let before = store
        .pick_sender(&sid, to, true)
        .await
        .expect("pick")
        .expect("some");
    let gone = pool
        .iter()
        .find(|n| n.phone_number == before)
        .expect("in pool");
    assert!(store
        .remove_service_number(&sid, &gone.number_sid)
        .await
        .expect("remove"));
    let after = store
        .pick_sender(&sid, to, true)
        .await
        .expect("pick")
        .expect("some");
    assert_ne!(after, before);
    let changed = ServiceConfig {
        status_callback: "https://app.example/status".into(),
        ..got.config
    };
    assert!(store
        .update_service(&a, &sid, changed, 9)
        .await
        .expect("update"));
    assert_eq!(
        store.list_services(&a).await.expect("list")[0]
            .config
            .status_callback,
        "https://app.example/status"
    );
    assert!(store.delete_service(&a, &sid).await.expect("delete"));
    assert!(store
        .list_service_numbers(&sid)
        .await
        .expect("list")
        .is_empty());
}

pub(super) async fn a_deferred_claim_is_not_an_attempt(store: &dyn Store) {
    let t = 50_000_000;
    drain(store, t).await;
    let a = account(store).await;
    let mut m = new_message(&a, "+15550009301", t);
    m.status_callback = Some("https://app.example/status".into());
    let sid = m.sid.clone();
    store.insert_message(m).await.expect("insert");
    let first = store.claim_due(t, 10, t + 1000).await.expect("claim");
    assert_eq!(first.len(), 1);
    store
        .record_updates(
            t + 1,
            vec![QueueUpdate::Defer {
                sid: sid.clone(),
                due_at: t + 500,
            }],
        )
        .await
        .expect("defer");
    let msg = store
        .get_message(&a, &sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!((msg.status, msg.attempts), (MessageStatus::Queued, 0));
    assert!(store
        .claim_due(t + 499, 10, t + 1000)
        .await
        .expect("claim")
        .is_empty());
    let again = store.claim_due(t + 500, 10, t + 1500).await.expect("claim");
    assert_eq!(again[0].attempts, 1, "the deferral did not count");
    let rows = store.list_webhooks(&a, &sid).await.expect("list");
    let sending = rows
        .iter()
        .filter(|r| r.status == MessageStatus::Sending)
        .count();
    assert_eq!(sending, 1, "`sending` is reported once");
    drain(store, t + 5000).await;
    while let Some(h) = store
        .claim_webhooks(i64::MAX / 8, 1, i64::MAX / 4)
        .await
        .expect("claim")
        .pop()
    {
        store.record_webhook(h.id, 0, done()).await.expect("record");
    }
}
