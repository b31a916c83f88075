//! Calls: scoping, list filters and paging, exclusive claims, guarded transitions with
//! their status callbacks, pending actions and warnings.

use super::account;
use crate::model::{WebhookOutcome, WebhookState};
use crate::{CallAction, CallFilter, CallPatch, NewCall, Store};
use switchboard_domain::call::{
    CallDirection, CallStatus, CallbackEvent, StatusCallbackEvents, DEFAULT_TIMEOUT_SECS,
};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, CallSid};
use CallStatus::*;

/// A queued outbound call from `+15005550006`.
pub fn new_call(account: &AccountSid, to: &str, now: Millis) -> NewCall {
    NewCall {
        sid: CallSid::generate_at(now),
        account_sid: account.clone(),
        direction: CallDirection::OutboundApi,
        status: Queued,
        to: to.into(),
        from: "+15005550006".into(),
        url: None,
        method: "POST".into(),
        twiml: Some("<Response><Say>Hi</Say></Response>".into()),
        application_sid: None,
        status_callback: None,
        status_callback_method: "POST".into(),
        status_callback_events: StatusCallbackEvents::default(),
        timeout_secs: DEFAULT_TIMEOUT_SECS,
        time_limit_secs: 14_400,
        send_digits: None,
        trunk: None,
        now,
    }
}

pub(super) async fn calls_are_scoped_filtered_and_paged(store: &dyn Store) {
    let a = account(store).await;
    let b = account(store).await;
    let mut sids = Vec::new();
    for i in 0..5 {
        let to = if i % 2 == 0 {
            "+15550001000"
        } else {
            "+15550002000"
        };
        let stored = store
            .insert_call(new_call(&a, to, 10_000 + i))
            .await
            .expect("insert");
        assert_eq!(stored.status, Queued);
        assert_eq!(stored.to, to);
        assert_eq!(stored.timeout_secs, DEFAULT_TIMEOUT_SECS);
        sids.push(stored.sid);
    }
    let got = store
        .get_call(&a, &sids[0])
        .await
        .expect("get")
        .expect("some");
    assert_eq!(got.from, "+15005550006");
    assert_eq!(
        got.twiml.as_deref(),
        Some("<Response><Say>Hi</Say></Response>")
    );
    assert!(store.get_call(&b, &sids[0]).await.expect("get").is_none());
    assert!(store
        .list_calls(&b, &CallFilter::default(), 50)
        .await
        .expect("list")
        .is_empty());
    // newest first, paged by seq
    let page = store
        .list_calls(&a, &CallFilter::default(), 2)
        .await
        .expect("list");
    assert_eq!(
        page.iter().map(|c| &c.sid).collect::<Vec<_>>(),
        [&sids[4], &sids[3]]
    );
    let rest = CallFilter {
        before_seq: Some(page[1].seq),
        ..Default::default()
    };
    let page = store.list_calls(&a, &rest, 50).await.expect("list");
    assert_eq!(page.len(), 3);
    let to = CallFilter {
        to: Some("+15550001000".into()),
        ..Default::default()
    };
    assert_eq!(store.list_calls(&a, &to, 50).await.expect("to").len(), 3);
    let from = CallFilter {
        from: Some("+15005550006".into()),
        ..Default::default()
    };
    assert_eq!(
        store.list_calls(&a, &from, 50).await.expect("from").len(),
        5
    );
    // answered at 20 000 and ended at 30 000
    let answered = CallPatch {
        start_time: Some(20_000),
        ..Default::default()
    };
    assert!(store
        .transition(&sids[1], &[Queued], InProgress, answered, 20_000)
        .await
        .expect("answer"));
    let ended = CallPatch {
        end_time: Some(30_000),
        duration_secs: Some(10),
        ..Default::default()
    };
    assert!(store
        .transition(&sids[1], &[InProgress], Completed, ended, 30_000)
        .await
        .expect("end"));
    let one = vec![sids[1].clone()];
    let status = CallFilter {
        status: Some(Completed),
        ..Default::default()
    };
    assert_eq!(sids_of(store, &a, status).await, one);
    let started = CallFilter {
        started_from: Some(20_000),
        started_until: Some(20_001),
        ..Default::default()
    };
    assert_eq!(sids_of(store, &a, started).await, one);
    let late = CallFilter {
        started_from: Some(20_001),
        ..Default::default()
    };
    assert!(sids_of(store, &a, late).await.is_empty());
    let ended = CallFilter {
        ended_until: Some(30_001),
        ..Default::default()
    };
    assert_eq!(sids_of(store, &a, ended).await, one);
    let got = store
        .get_call(&a, &sids[1])
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        (got.start_time, got.end_time, got.duration_secs),
        (Some(20_000), Some(30_000), Some(10))
    );
    assert!(!store.delete_call(&b, &sids[1]).await.expect("delete"));
    assert!(store.delete_call(&a, &sids[1]).await.expect("delete"));
    assert!(store.get_call(&a, &sids[1]).await.expect("get").is_none());
}

async fn sids_of(store: &dyn Store, a: &AccountSid, f: CallFilter) -> Vec<CallSid> {
    let found = store.list_calls(a, &f, 50).await.expect("list");
    found.into_iter().map(|c| c.sid).collect()
}

pub(super) async fn claims_are_exclusive_and_leased(store: &dyn Store) {
    let a = account(store).await;
    let now = 5_000_000;
    let mut sids = Vec::new();
    for i in 0..6 {
        let c = store
            .insert_call(new_call(&a, "+15550003000", now + i))
            .await
            .expect("insert");
        sids.push(c.sid);
    }
    // a canceled call is never claimed
    assert!(store
        .transition(&sids[5], &[Queued], Canceled, CallPatch::default(), now)
        .await
        .expect("cancel"));
    // two engines claiming at once never get the same call
    let (x, y) = tokio::join!(
        store.claim_due_calls("node-x", now + 10, 30_000, 100),
        store.claim_due_calls("node-y", now + 10, 30_000, 100),
    );
    let (x, y) = (x.expect("claim x"), y.expect("claim y"));
    let mine = |v: &Vec<crate::CallRecord>| {
        v.iter()
            .filter(|c| sids.contains(&c.sid))
            .map(|c| c.sid.clone())
            .collect::<Vec<_>>()
    };
    let (mx, my) = (mine(&x), mine(&y));
    assert!(
        mx.iter().all(|s| !my.contains(s)),
        "claimed twice: {mx:?} {my:?}"
    );
    assert_eq!(mx.len() + my.len(), 5);
    let holder = x
        .iter()
        .chain(&y)
        .find(|c| c.sid == sids[0])
        .expect("claimed");
    assert_eq!(holder.lease_until, Some(now + 10 + 30_000));
    assert!(holder
        .claimed_by
        .as_deref()
        .is_some_and(|n| n.starts_with("node-")));
    // leased: nothing due until the lease runs out
    let again = store
        .claim_due_calls("node-z", now + 20, 30_000, 100)
        .await
        .expect("claim");
    assert!(mine(&again).is_empty());
    // one call was dialed meanwhile; the others come back to a new node
    assert!(store
        .transition(&sids[0], &[Queued], Ringing, CallPatch::default(), now + 30)
        .await
        .expect("ring"));
    let later = store
        .claim_due_calls("node-z", now + 40_000, 30_000, 100)
        .await
        .expect("claim");
    assert_eq!(mine(&later), sids[1..5].to_vec());
    assert!(later
        .iter()
        .all(|c| c.claimed_by.as_deref() == Some("node-z")));
    // A released call (no trunk capacity) is claimable again at once, by anyone.
    store.release_call(&sids[1]).await.expect("release");
    let retaken = store
        .claim_due_calls("node-w", now + 40_001, 30_000, 100)
        .await
        .expect("claim");
    assert_eq!(mine(&retaken), vec![sids[1].clone()]);
}

pub(super) async fn transitions_are_guarded_and_report_callbacks(store: &dyn Store) {
    let a = account(store).await;
    let now = 7_000_000;
    let mut n = new_call(&a, "+15550004000", now);
    n.status_callback = Some("https://cb.example/calls".into());
    n.status_callback_method = "GET".into();
    n.status_callback_events = StatusCallbackEvents::of(&CallbackEvent::ALL);
    let c = store.insert_call(n).await.expect("insert");
    assert!(store
        .mark_initiated(&c.sid, now + 1)
        .await
        .expect("initiated"));
    assert!(store.mark_initiated(&c.sid, now + 2).await.expect("again"));
    assert!(store
        .transition(&c.sid, &[Queued], Ringing, CallPatch::default(), now + 3)
        .await
        .expect("ring"));
    assert!(
        !store
            .transition(&c.sid, &[Queued], Ringing, CallPatch::default(), now + 4)
            .await
            .expect("ring twice"),
        "a second mover must not apply"
    );
    let answer = CallPatch {
        start_time: Some(now + 5),
        sip_response_code: Some(200),
        ..Default::default()
    };
    assert!(store
        .transition(&c.sid, &[Ringing], InProgress, answer, now + 5)
        .await
        .expect("answer"));
    let end = CallPatch {
        end_time: Some(now + 9_005),
        duration_secs: Some(9),
        ..Default::default()
    };
    assert!(store
        .transition(&c.sid, &[InProgress], Completed, end, now + 9_005)
        .await
        .expect("end"));
    assert!(!store
        .mark_initiated(&c.sid, now + 9_006)
        .await
        .expect("final"));
    assert!(!store
        .transition(
            &c.sid,
            &[InProgress],
            Failed,
            CallPatch::default(),
            now + 9_007
        )
        .await
        .expect("final"));
    let hooks = store.list_call_webhooks(&a, &c.sid).await.expect("hooks");
    let seen: Vec<_> = hooks
        .iter()
        .map(|h| (h.status.as_str(), h.sequence, h.created_at))
        .collect();
    assert_eq!(
        seen,
        [
            ("initiated", 0, now + 1),
            ("ringing", 1, now + 3),
            ("in-progress", 2, now + 5),
            ("completed", 3, now + 9_005)
        ]
    );
    assert!(hooks
        .iter()
        .all(|h| h.method == "GET" && h.url == "https://cb.example/calls"));
    assert_eq!(hooks[3].call.duration_secs, Some(9));
    assert_eq!(hooks[3].call.to, "+15550004000");
    // the message outbox never hands out call rows
    let msgs = store
        .claim_webhooks(now + 20_000, 1000, now + 80_000)
        .await
        .expect("claim messages");
    assert!(msgs
        .iter()
        .all(|h| h.created_at < now || h.created_at > now + 10_000));
    // one call's callbacks go out in order
    let first = store
        .claim_call_webhooks(now + 20_000, 1000, now + 80_000)
        .await
        .expect("claim");
    let ours: Vec<_> = first.iter().filter(|h| h.call.sid == c.sid).collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(
        (ours[0].status.as_str(), ours[0].attempts),
        ("initiated", 1)
    );
    store
        .record_webhook(
            ours[0].id,
            now + 20_001,
            WebhookOutcome::Finish {
                state: WebhookState::Delivered,
                response_code: Some(200),
                error: None,
                replies: vec![],
                message_error: None,
            },
        )
        .await
        .expect("record");
    let next = store
        .claim_call_webhooks(now + 20_002, 1000, now + 80_000)
        .await
        .expect("claim");
    let ours: Vec<_> = next.iter().filter(|h| h.call.sid == c.sid).collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].status, "ringing");
    // by default only `completed` is reported, and nothing without a URL
    let mut quiet = new_call(&a, "+15550004001", now);
    quiet.status_callback = Some("https://cb.example/q".into());
    let quiet = store.insert_call(quiet).await.expect("insert");
    let silent = store
        .insert_call(new_call(&a, "+15550004002", now))
        .await
        .expect("insert");
    for sid in [&quiet.sid, &silent.sid] {
        assert!(store.mark_initiated(sid, now + 1).await.expect("init"));
        assert!(store
            .transition(sid, &[Queued], Busy, CallPatch::default(), now + 2)
            .await
            .expect("busy"));
    }
    let hooks = store
        .list_call_webhooks(&a, &quiet.sid)
        .await
        .expect("hooks");
    assert_eq!(
        hooks.iter().map(|h| h.status.as_str()).collect::<Vec<_>>(),
        ["busy"]
    );
    assert!(store
        .list_call_webhooks(&a, &silent.sid)
        .await
        .expect("hooks")
        .is_empty());
}

pub(super) async fn actions_and_warnings(store: &dyn Store) {
    let a = account(store).await;
    let c = store
        .insert_call(new_call(&a, "+15550005000", 9_000_000))
        .await
        .expect("insert");
    assert_eq!(store.take_action(&c.sid).await.expect("take"), None);
    let redirect = CallAction::Redirect {
        url: "https://app.example/next".into(),
        method: "GET".into(),
    };
    assert!(store
        .request_action(&c.sid, redirect.clone(), 9_000_001)
        .await
        .expect("redirect"));
    assert_eq!(
        store.take_action(&c.sid).await.expect("take"),
        Some(redirect.clone())
    );
    assert_eq!(store.take_action(&c.sid).await.expect("taken once"), None);
    // a hang-up is never replaced by a redirect
    assert!(store
        .request_action(&c.sid, CallAction::Hangup, 9_000_002)
        .await
        .expect("hangup"));
    assert!(!store
        .request_action(&c.sid, CallAction::Twiml("<Response/>".into()), 9_000_003)
        .await
        .expect("twiml"));
    assert_eq!(
        store.take_action(&c.sid).await.expect("take"),
        Some(CallAction::Hangup)
    );
    store
        .add_warning(&c.sid, "unknown verb <Dance>", 9_000_004)
        .await
        .expect("warn");
    store
        .add_warning(&c.sid, "unknown verb <Sing>", 9_000_005)
        .await
        .expect("warn");
    let got = store
        .get_call(&a, &c.sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        got.warnings,
        ["unknown verb <Dance>", "unknown verb <Sing>"]
    );
    // a final call takes no action, and its pending one is dropped
    assert!(store
        .request_action(&c.sid, CallAction::Cancel, 9_000_006)
        .await
        .expect("cancel"));
    assert!(store
        .transition(&c.sid, &[Queued], Canceled, CallPatch::default(), 9_000_007)
        .await
        .expect("canceled"));
    assert_eq!(store.take_action(&c.sid).await.expect("take"), None);
    assert!(!store
        .request_action(&c.sid, CallAction::Hangup, 9_000_008)
        .await
        .expect("final"));
    assert!(matches!(
        store.add_warning(&CallSid::generate(), "x", 1).await,
        Err(crate::Error::NotFound)
    ));
}
