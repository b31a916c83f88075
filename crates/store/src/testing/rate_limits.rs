//! Conformance: Verify rate limits, buckets and GCRA charging.

use super::account;
use crate::verify::*;
use crate::{Error, Store};
use switchboard_domain::ids::{AccountSid, BucketSid, RateLimitSid, VerifyServiceSid};

fn limit(a: &AccountSid, s: &VerifyServiceSid, name: &str) -> RateLimitRecord {
    RateLimitRecord {
        sid: RateLimitSid::generate(),
        service_sid: s.clone(),
        account_sid: a.clone(),
        unique_name: name.into(),
        description: "per end-user IP".into(),
        date_created: 1_000,
        date_updated: 1_000,
    }
}

fn bucket(l: &RateLimitRecord, max: u32, interval_secs: u32) -> BucketRecord {
    BucketRecord {
        sid: BucketSid::generate(),
        rate_limit_sid: l.sid.clone(),
        service_sid: l.service_sid.clone(),
        account_sid: l.account_sid.clone(),
        max,
        interval_secs,
        date_created: 1_000,
        date_updated: 1_000,
    }
}

fn charge(b: &BucketRecord, value: &str) -> Charge {
    Charge {
        bucket: b.clone(),
        value: value.into(),
    }
}

pub(super) async fn rate_limits_and_buckets(store: &dyn Store) {
    let a = account(store).await;
    let s = VerifyServiceSid::generate();
    let ip = limit(&a, &s, "end_user_ip");
    store.create_rate_limit(ip.clone()).await.expect("create");
    let dup = store.create_rate_limit(limit(&a, &s, "end_user_ip")).await;
    assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
    let other = limit(&a, &s, "session");
    store
        .create_rate_limit(other.clone())
        .await
        .expect("create");
    let list = store.list_rate_limits(&s).await.expect("list");
    assert_eq!(list.len(), 2);
    assert!(store
        .update_rate_limit(&s, &ip.sid, "IP".into(), 2_000)
        .await
        .expect("update"));
    let got = store
        .get_rate_limit(&s, &ip.sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!((got.description.as_str(), got.date_updated), ("IP", 2_000));

    let minute = bucket(&ip, 3, 60);
    store.create_bucket(minute.clone()).await.expect("bucket");
    let same_interval = store.create_bucket(bucket(&ip, 9, 60)).await;
    assert!(
        matches!(same_interval, Err(Error::Conflict(_))),
        "{same_interval:?}"
    );
    let hour = bucket(&ip, 10, 3600);
    store.create_bucket(hour.clone()).await.expect("bucket");
    let buckets = store.list_buckets(&ip.sid).await.expect("buckets");
    assert_eq!(
        buckets.iter().map(|b| b.interval_secs).collect::<Vec<_>>(),
        vec![60, 3600]
    );
    assert!(store
        .update_bucket(&ip.sid, &hour.sid, 4, 3600, 3_000)
        .await
        .expect("update"));
    let hour = store
        .get_bucket(&ip.sid, &hour.sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(hour.max, 4);

    // 3 per minute: three at once, then one every 20 s; each value on its own
    let now = 1_000_000;
    for _ in 0..3 {
        assert_eq!(
            store
                .charge(vec![charge(&minute, "10.0.0.1")], now)
                .await
                .expect("charge"),
            ChargeOutcome::Allowed
        );
    }
    match store
        .charge(vec![charge(&minute, "10.0.0.1")], now)
        .await
        .expect("charge")
    {
        ChargeOutcome::Limited {
            bucket,
            retry_after_ms,
        } => {
            assert_eq!((bucket.sid, retry_after_ms), (minute.sid.clone(), 20_000));
        }
        other => panic!("expected Limited, got {other:?}"),
    }
    assert_eq!(
        store
            .charge(vec![charge(&minute, "10.0.0.2")], now)
            .await
            .expect("charge"),
        ChargeOutcome::Allowed
    );
    assert_eq!(
        store
            .charge(vec![charge(&minute, "10.0.0.1")], now + 20_000)
            .await
            .expect("charge"),
        ChargeOutcome::Allowed
    );

    // all or nothing: the hour bucket (4) has room for value .3 but the minute bucket is spent
    for _ in 0..3 {
        store
            .charge(vec![charge(&minute, "10.0.0.3")], now)
            .await
            .expect("charge");
    }
    let both = vec![charge(&hour, "10.0.0.3"), charge(&minute, "10.0.0.3")];
    assert!(matches!(
        store.charge(both.clone(), now).await.expect("charge"),
        ChargeOutcome::Limited { .. }
    ));
    // the hour bucket was not charged by the refused request: 4 fit later
    for i in 0..4 {
        let at = now + 60_000 * (i + 1);
        assert_eq!(
            store
                .charge(vec![charge(&hour, "10.0.0.3")], at)
                .await
                .expect("charge"),
            ChargeOutcome::Allowed,
            "{i}"
        );
    }

    assert!(store
        .delete_bucket(&ip.sid, &minute.sid)
        .await
        .expect("delete"));
    assert!(store
        .get_bucket(&ip.sid, &minute.sid)
        .await
        .expect("get")
        .is_none());
    assert!(store.delete_rate_limit(&s, &ip.sid).await.expect("delete"));
    assert!(store.list_buckets(&ip.sid).await.expect("list").is_empty());
    assert!(!store.delete_rate_limit(&s, &ip.sid).await.expect("delete"));
    assert_eq!(store.list_rate_limits(&s).await.expect("list").len(), 1);
}

pub(super) async fn deleting_a_service_deletes_its_rate_limits(store: &dyn Store) {
    let a = account(store).await;
    let s = VerifyServiceSid::generate();
    store
        .create_verify_service(VerifyServiceRecord {
            sid: s.clone(),
            account_sid: a.clone(),
            config: VerifyServiceConfig {
                friendly_name: "Gone".into(),
                ..Default::default()
            },
            date_created: 1_000,
            date_updated: 1_000,
        })
        .await
        .expect("service");
    let l = limit(&a, &s, "ip");
    store.create_rate_limit(l.clone()).await.expect("limit");
    let b = bucket(&l, 1, 60);
    store.create_bucket(b.clone()).await.expect("bucket");
    store
        .charge(vec![charge(&b, "x")], 1_000)
        .await
        .expect("charge");
    assert!(store.delete_verify_service(&a, &s).await.expect("delete"));
    assert!(store.list_rate_limits(&s).await.expect("list").is_empty());
    assert!(store.list_buckets(&l.sid).await.expect("list").is_empty());
    // the counters went too: a new bucket with the same SID starts empty
    store.create_bucket(b.clone()).await.expect("bucket again");
    assert_eq!(
        store
            .charge(vec![charge(&b, "x")], 1_000)
            .await
            .expect("charge"),
        ChargeOutcome::Allowed
    );
}

pub(super) async fn a_start_is_charged_with_its_buckets(store: &dyn Store) {
    let a = account(store).await;
    let s = VerifyServiceSid::generate();
    let l = limit(&a, &s, "velocity");
    let b = bucket(&l, 1, 3600);
    let new = |to: &str, at: i64| NewVerification {
        sid: switchboard_domain::ids::VerificationSid::generate(),
        service_sid: s.clone(),
        account_sid: a.clone(),
        to: to.into(),
        channel: "sms".into(),
        seed: vec![3; 16],
        code_hash: vec![4; 32],
        attempt: SendAttempt {
            sid: switchboard_domain::ids::VerificationAttemptSid::generate(),
            channel: "sms".into(),
            at,
        },
        now: at,
        expires_at: at + 600_000,
    };
    let first = new("+15550601", 50_000);
    let got = store
        .start_verification(first.clone(), 5, vec![charge(&b, "prefix-1555")])
        .await
        .expect("start");
    assert!(matches!(got, StartOutcome::Created(_)), "{got:?}");
    let second = new("+15550602", 50_001);
    match store
        .start_verification(second.clone(), 5, vec![charge(&b, "prefix-1555")])
        .await
        .expect("start")
    {
        StartOutcome::Limited {
            bucket,
            retry_after_ms,
        } => {
            assert_eq!(bucket.sid, b.sid);
            assert!(retry_after_ms > 0);
        }
        other => panic!("expected Limited, got {other:?}"),
    }
    assert!(
        store
            .get_verification(&s, &second.sid)
            .await
            .expect("get")
            .is_none(),
        "nothing stored"
    );
    // another value has its own room
    let third = new("+15550603", 50_002);
    let got = store
        .start_verification(third, 5, vec![charge(&b, "prefix-1666")])
        .await
        .expect("start");
    assert!(matches!(got, StartOutcome::Created(_)), "{got:?}");
}
