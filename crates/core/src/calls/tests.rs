//! Validation helpers, and the update semantics against a real store (no engine runs:
//! the tests move calls the way the engine would).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use super::*;
use std::time::Duration;
use switchboard_domain::clock::ManualClock;
use switchboard_store::sqlite::Synchronous;
use switchboard_store::SqliteStore;

#[test]
fn to_is_e164_or_sip() {
    assert_eq!(parse_to("+1 415 555 0100").as_deref(), Some("+14155550100"));
    assert_eq!(
        parse_to("SIP:alice@example.com").as_deref(),
        Some("sip:alice@example.com")
    );
    assert_eq!(parse_to("sip:"), None);
    assert_eq!(parse_to("sip:a b@x"), None);
    assert_eq!(parse_to("12"), None);
}

#[test]
fn twiml_wins_and_is_capped() {
    let (u, t) = source(
        Some("https://x.example/a".into()),
        Some("<Response/>".into()),
    )
    .expect("source");
    assert_eq!((u, t.as_deref()), (None, Some("<Response/>")));
    assert!(source(None, Some("x".repeat(4001))).is_err());
    assert!(source(Some("ftp://x".into()), None).is_err());
    assert_eq!(method("Method", Some("get".into())).expect("get"), "GET");
    assert!(method("Method", Some("PUT".into())).is_err());
}

fn service() -> (Calls, Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path().join("c.db"), Synchronous::Normal).expect("open"));
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let calls = Calls::new(store.clone(), clock, Some("+15005550006".into()));
    (calls, store, dir)
}

async fn placed(calls: &Calls, account: &AccountSid) -> CallRecord {
    let req = CallRequest {
        to: Some("+15550100101".into()),
        from: Some("+15005550006".into()),
        twiml: Some("<Response><Say>Hi</Say></Response>".into()),
        ..Default::default()
    };
    calls.create(account, req).await.expect("create")
}

async fn woken(calls: &Calls) -> bool {
    tokio::time::timeout(Duration::from_secs(1), calls.wake().notified())
        .await
        .is_ok()
}

fn status(s: &str) -> CallUpdate {
    CallUpdate {
        status: Some(s.into()),
        ..Default::default()
    }
}

async fn moved(store: &Arc<dyn Store>, c: &CallRecord, from: CallStatus, to: CallStatus) {
    let ok = store
        .transition(&c.sid, &[from], to, CallPatch::default(), 1_700_000_000_500)
        .await
        .expect("transition");
    assert!(ok);
}

#[tokio::test]
async fn a_ringing_call_is_canceled_by_the_engine() {
    let (calls, store, _dir) = service();
    let a = AccountSid::generate();
    let c = placed(&calls, &a).await;
    assert!(woken(&calls).await, "create wakes the engine");
    moved(&store, &c, CallStatus::Queued, CallStatus::Ringing).await;
    let now = calls
        .update(&a, &c.sid, status("canceled"))
        .await
        .expect("update");
    assert_eq!(now.map(|c| c.status), Some(CallStatus::Ringing));
    assert!(woken(&calls).await, "the request wakes the engine");
    assert_eq!(
        store.take_action(&c.sid).await.expect("take"),
        Some(CallAction::Cancel)
    );
}

#[tokio::test]
async fn a_call_in_progress_is_hung_up_or_redirected_not_canceled() {
    let (calls, store, _dir) = service();
    let a = AccountSid::generate();
    let c = placed(&calls, &a).await;
    moved(&store, &c, CallStatus::Queued, CallStatus::InProgress).await;
    calls
        .update(&a, &c.sid, status("canceled"))
        .await
        .expect("cancel");
    assert_eq!(store.take_action(&c.sid).await.expect("take"), None);
    calls
        .update(&a, &c.sid, status("completed"))
        .await
        .expect("complete");
    assert_eq!(
        store.take_action(&c.sid).await.expect("take"),
        Some(CallAction::Hangup)
    );
    let redirect = CallUpdate {
        url: Some("https://app.example/next".into()),
        method: Some("get".into()),
        ..Default::default()
    };
    calls.update(&a, &c.sid, redirect).await.expect("redirect");
    assert_eq!(
        store.take_action(&c.sid).await.expect("take"),
        Some(CallAction::Redirect {
            url: "https://app.example/next".into(),
            method: "GET".into()
        })
    );
    let twiml = CallUpdate {
        twiml: Some("<Response><Hangup/></Response>".into()),
        ..Default::default()
    };
    calls.update(&a, &c.sid, twiml).await.expect("twiml");
    assert_eq!(
        store.take_action(&c.sid).await.expect("take"),
        Some(CallAction::Twiml("<Response><Hangup/></Response>".into()))
    );
    let err = calls.delete(&a, &c.sid).await.expect_err("live");
    assert!(
        matches!(err, MessageError::Rejected { code: 21220, .. }),
        "{err:?}"
    );
    // another account sees nothing
    let other = AccountSid::generate();
    assert!(calls
        .update(&other, &c.sid, status("completed"))
        .await
        .expect("update")
        .is_none());
    moved(&store, &c, CallStatus::InProgress, CallStatus::Completed).await;
    assert!(calls.delete(&a, &c.sid).await.expect("delete"));
}

#[tokio::test]
async fn a_queued_call_is_canceled_at_once() {
    let (calls, store, _dir) = service();
    let a = AccountSid::generate();
    let c = placed(&calls, &a).await;
    let now = calls
        .update(&a, &c.sid, status("completed"))
        .await
        .expect("update");
    let now = now.expect("call");
    assert_eq!(now.status, CallStatus::Canceled);
    assert_eq!((now.duration_secs, now.end_time.is_some()), (Some(0), true));
    assert_eq!(store.take_action(&c.sid).await.expect("take"), None);
    // the engine, racing, cannot move it any more
    let ok = store
        .transition(
            &c.sid,
            &[CallStatus::Queued],
            CallStatus::Ringing,
            CallPatch::default(),
            1,
        )
        .await
        .expect("transition");
    assert!(!ok);
}
