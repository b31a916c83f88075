//! Conformance: Twilio Verify services and the verification lifecycle.

use super::account;
use crate::verify::*;
use crate::Store;
use switchboard_domain::ids::{
    AccountSid, VerificationAttemptSid, VerificationSid, VerifyServiceSid,
};

fn new_verification(a: &AccountSid, s: &VerifyServiceSid, to: &str, now: i64) -> NewVerification {
    NewVerification {
        sid: VerificationSid::generate(),
        service_sid: s.clone(),
        account_sid: a.clone(),
        to: to.into(),
        channel: "sms".into(),
        seed: vec![7; 16],
        code_hash: vec![9; 32],
        attempt: SendAttempt {
            sid: VerificationAttemptSid::generate(),
            channel: "sms".into(),
            at: now,
        },
        now,
        expires_at: now + 600_000,
    }
}

async fn service(store: &dyn Store, a: &AccountSid) -> VerifyServiceSid {
    let sid = VerifyServiceSid::generate();
    store
        .create_verify_service(VerifyServiceRecord {
            sid: sid.clone(),
            account_sid: a.clone(),
            config: VerifyServiceConfig {
                friendly_name: "Salon".into(),
                ..Default::default()
            },
            date_created: 1_000,
            date_updated: 1_000,
        })
        .await
        .expect("create service");
    sid
}

pub(super) async fn services_are_scoped(store: &dyn Store) {
    let (a, b) = (account(store).await, account(store).await);
    let s = service(store, &a).await;
    let got = store
        .get_verify_service(&a, &s)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(got.config.friendly_name, "Salon");
    assert_eq!(got.config.code_length, 6);
    assert!(store
        .get_verify_service(&b, &s)
        .await
        .expect("get")
        .is_none());
    assert_eq!(store.list_verify_services(&a).await.expect("list").len(), 1);
    assert!(store
        .list_verify_services(&b)
        .await
        .expect("list")
        .is_empty());
    let config = VerifyServiceConfig {
        friendly_name: "Bella".into(),
        code_length: 8,
        do_not_share_warning_enabled: true,
        fraud_mode: "monitor".into(),
        allowed_countries: vec!["IT".into(), "GB".into()],
        ..Default::default()
    };
    assert!(!store
        .update_verify_service(&b, &s, config.clone(), 2_000)
        .await
        .expect("update"));
    assert!(store
        .update_verify_service(&a, &s, config.clone(), 2_000)
        .await
        .expect("update"));
    let got = store
        .get_verify_service(&a, &s)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!((got.config, got.date_updated), (config, 2_000));
    let v = new_verification(&a, &s, "+15550101", 3_000);
    store
        .start_verification(v.clone(), 5, Vec::new())
        .await
        .expect("start");
    assert!(!store.delete_verify_service(&b, &s).await.expect("delete"));
    assert!(store.delete_verify_service(&a, &s).await.expect("delete"));
    assert!(store
        .get_verify_service(&a, &s)
        .await
        .expect("get")
        .is_none());
    assert!(store
        .get_verification(&s, &v.sid)
        .await
        .expect("get")
        .is_none());
}

pub(super) async fn sends_are_limited_and_reuse_the_pending_verification(store: &dyn Store) {
    let a = account(store).await;
    let s = service(store, &a).await;
    let first = new_verification(&a, &s, "+15550102", 10_000);
    let created = match store
        .start_verification(first.clone(), 5, Vec::new())
        .await
        .expect("start")
    {
        StartOutcome::Created(v) => v,
        other => panic!("expected Created, got {other:?}"),
    };
    assert_eq!(
        (created.status.as_str(), created.sends.len()),
        ("pending", 1)
    );
    assert_eq!(
        (created.seed.clone(), created.checks),
        (first.seed.clone(), 0)
    );
    for n in 2..=5 {
        let again = new_verification(&a, &s, "+15550102", 10_000 + n);
        match store
            .start_verification(again, 5, Vec::new())
            .await
            .expect("resend")
        {
            StartOutcome::Resent(v) => {
                assert_eq!(v.sid, first.sid, "a resend reuses the pending verification");
                assert_eq!(v.sends.len(), n as usize);
                assert_eq!(v.sends.last().map(|x| x.at), Some(10_000 + n));
            }
            other => panic!("expected Resent, got {other:?}"),
        }
    }
    let sixth = new_verification(&a, &s, "+15550102", 10_010);
    assert!(matches!(
        store.start_verification(sixth, 5, Vec::new()).await.expect("start"),
        StartOutcome::MaxSends(v) if v.sends.len() == 5
    ));
    let stored = store
        .get_verification(&s, &first.sid)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.sends.len(), 5);
    // another recipient is independent
    let other = new_verification(&a, &s, "+15550103", 10_020);
    assert!(matches!(
        store
            .start_verification(other, 5, Vec::new())
            .await
            .expect("start"),
        StartOutcome::Created(_)
    ));
    // once expired, a start creates a new verification and the old one is expired
    let later = new_verification(&a, &s, "+15550102", first.expires_at);
    match store
        .start_verification(later.clone(), 5, Vec::new())
        .await
        .expect("start")
    {
        StartOutcome::Created(v) => assert_eq!(v.sid, later.sid),
        other => panic!("expected Created, got {other:?}"),
    }
    let old = store
        .get_verification(&s, &first.sid)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(old.status, status::EXPIRED);
    let newest = store
        .find_verification(&s, "+15550102")
        .await
        .expect("find")
        .expect("some");
    assert_eq!(newest.sid, later.sid);
}

pub(super) async fn checks_are_counted_and_limited(store: &dyn Store) {
    let a = account(store).await;
    let s = service(store, &a).await;
    let v = new_verification(&a, &s, "+15550104", 20_000);
    let (wrong, right) = (vec![0u8; 32], v.code_hash.clone());
    store
        .start_verification(v.clone(), 5, Vec::new())
        .await
        .expect("start");
    for n in 1..=5 {
        match store
            .check_code(&s, &v.sid, wrong.clone(), 20_001, 5)
            .await
            .expect("check")
        {
            CheckSlot::Wrong(r) => assert_eq!((r.checks, r.status.as_str()), (n, status::PENDING)),
            other => panic!("expected Wrong, got {other:?}"),
        }
    }
    // the right code is too late now
    for at in [20_002, 20_003] {
        let got = store
            .check_code(&s, &v.sid, right.clone(), at, 5)
            .await
            .expect("check");
        assert_eq!(got, CheckSlot::MaxAttempts);
    }
    let r = store
        .get_verification(&s, &v.sid)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        (r.status.as_str(), r.checks),
        (status::MAX_ATTEMPTS_REACHED, 5)
    );
    assert!(store
        .finish_verification(&s, &v.sid, status::APPROVED, 20_004)
        .await
        .expect("finish")
        .is_none());
    // a new verification for the same number can start (the old one is no longer pending)
    let w = new_verification(&a, &s, "+15550104", 20_010);
    assert!(matches!(
        store
            .start_verification(w.clone(), 5, Vec::new())
            .await
            .expect("start"),
        StartOutcome::Created(_)
    ));
    // an expired verification cannot be checked
    let late = store
        .check_code(&s, &w.sid, w.code_hash.clone(), w.expires_at, 5)
        .await
        .expect("check");
    assert_eq!(late, CheckSlot::NotFound);
    // a wrong code, then the right one approves it, once
    assert!(matches!(
        store
            .check_code(&s, &w.sid, wrong.clone(), 20_019, 5)
            .await
            .expect("check"),
        CheckSlot::Wrong(_)
    ));
    match store
        .check_code(&s, &w.sid, w.code_hash.clone(), 20_020, 5)
        .await
        .expect("check")
    {
        CheckSlot::Approved(r) => {
            assert_eq!(
                (r.status.as_str(), r.date_updated, r.checks),
                (status::APPROVED, 20_020, 2)
            )
        }
        other => panic!("expected Approved, got {other:?}"),
    }
    let stored = store
        .get_verification(&s, &w.sid)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.status, status::APPROVED);
    let again = store
        .check_code(&s, &w.sid, w.code_hash.clone(), 20_021, 5)
        .await
        .expect("check");
    assert_eq!(again, CheckSlot::NotFound);
    // finishing by hand still works on a pending one
    let x = new_verification(&a, &s, "+15550105", 20_030);
    store
        .start_verification(x.clone(), 5, Vec::new())
        .await
        .expect("start");
    let done = store
        .finish_verification(&s, &x.sid, status::CANCELED, 20_031)
        .await
        .expect("finish")
        .expect("was pending");
    assert_eq!(
        (done.status.as_str(), done.date_updated),
        (status::CANCELED, 20_031)
    );
    let unknown = VerificationSid::generate();
    let none = store
        .check_code(&s, &unknown, right, 20_032, 5)
        .await
        .expect("check");
    assert_eq!(none, CheckSlot::NotFound);
}

pub(super) async fn safe_list_and_fraud_events(store: &dyn Store) {
    let (a, b) = (account(store).await, account(store).await);
    let entry = SafeNumber {
        sid: "GN00000000000000000000000000000001".into(),
        account_sid: a.clone(),
        phone_number: "+447700900123".into(),
        date_created: 5_000,
    };
    assert_eq!(
        store.add_safe_number(entry.clone()).await.expect("add"),
        entry
    );
    let again = SafeNumber {
        sid: "GN00000000000000000000000000000002".into(),
        ..entry.clone()
    };
    assert_eq!(
        store.add_safe_number(again).await.expect("add twice"),
        entry,
        "idempotent"
    );
    assert_eq!(
        store
            .get_safe_number(&a, "+447700900123")
            .await
            .expect("get"),
        Some(entry)
    );
    assert!(store
        .get_safe_number(&b, "+447700900123")
        .await
        .expect("get")
        .is_none());
    assert!(!store
        .remove_safe_number(&b, "+447700900123")
        .await
        .expect("remove"));
    assert!(store
        .remove_safe_number(&a, "+447700900123")
        .await
        .expect("remove"));
    assert!(store
        .get_safe_number(&a, "+447700900123")
        .await
        .expect("get")
        .is_none());

    let s = service(store, &a).await;
    for (i, kind) in ["sequential", "geo"].iter().enumerate() {
        store
            .record_fraud_event(FraudEvent {
                service_sid: s.clone(),
                account_sid: a.clone(),
                to: "+447700900124".into(),
                kind: (*kind).into(),
                reason: format!("reason {i}"),
                enforced: i == 0,
                at: 6_000 + i as i64,
            })
            .await
            .expect("record");
    }
    let events = store.list_fraud_events(&s, 10).await.expect("list");
    assert_eq!(
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        vec!["geo", "sequential"]
    );
    assert_eq!((events[1].enforced, events[0].enforced), (true, false));
    assert_eq!(store.list_fraud_events(&s, 1).await.expect("list").len(), 1);
}
