//! Conformance: Verify entities, TOTP factors and challenges (replay refusal, wrong-code
//! limits, expiry, cascades).

use super::account;
use crate::factors::*;
use crate::verify::{VerifyServiceConfig, VerifyServiceRecord};
use crate::Store;
use switchboard_domain::ids::{AccountSid, ChallengeSid, EntitySid, FactorSid, VerifyServiceSid};

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

async fn entity(store: &dyn Store, a: &AccountSid, s: &VerifyServiceSid, id: &str) -> EntityRecord {
    let (e, _) = store
        .ensure_entity(EntityRecord {
            sid: EntitySid::generate(),
            service_sid: s.clone(),
            account_sid: a.clone(),
            identity: id.into(),
            date_created: 2_500,
            date_updated: 2_500,
        })
        .await
        .expect("entity");
    e
}

async fn factor(store: &dyn Store, e: &EntityRecord, now: i64) -> FactorRecord {
    let f = FactorRecord {
        sid: FactorSid::generate(),
        service_sid: e.service_sid.clone(),
        account_sid: e.account_sid.clone(),
        entity_sid: e.sid.clone(),
        identity: e.identity.clone(),
        friendly_name: "phone".into(),
        factor_type: "totp".into(),
        status: factor_status::UNVERIFIED.into(),
        sealed_secret: vec![5; 61],
        config: TotpConfig {
            time_step: 20,
            code_length: 8,
            skew: 2,
            alg: "sha512".into(),
        },
        last_step: None,
        failures: 0,
        date_created: now,
        date_updated: now,
    };
    store.create_factor(f.clone()).await.expect("create factor");
    f
}

fn challenge(f: &FactorRecord, now: i64) -> ChallengeRecord {
    ChallengeRecord {
        sid: ChallengeSid::generate(),
        service_sid: f.service_sid.clone(),
        account_sid: f.account_sid.clone(),
        entity_sid: f.entity_sid.clone(),
        identity: f.identity.clone(),
        factor_sid: f.sid.clone(),
        status: challenge_status::PENDING.into(),
        failures: 0,
        expiration_date: now + 300_000,
        date_responded: None,
        date_created: now,
        date_updated: now,
    }
}

/// A verified factor whose last accepted step is `step`.
async fn verified(store: &dyn Store, e: &EntityRecord, step: i64) -> FactorRecord {
    let f = factor(store, e, 3_000).await;
    match store
        .verify_factor(
            &f.service_sid,
            &f.identity,
            &f.sid,
            Answer::Step(step),
            3_001,
            5,
        )
        .await
        .expect("verify")
    {
        Attempt::Accepted(f) => f,
        other => panic!("expected Accepted, got {other:?}"),
    }
}

pub(super) async fn entities_are_scoped_and_deleted_with_what_they_own(store: &dyn Store) {
    let a = account(store).await;
    let (s, other) = (service(store, &a).await, service(store, &a).await);
    let first = EntityRecord {
        sid: EntitySid::generate(),
        service_sid: s.clone(),
        account_sid: a.clone(),
        identity: "user-0001".into(),
        date_created: 2_000,
        date_updated: 2_000,
    };
    let (e, created) = store.ensure_entity(first.clone()).await.expect("ensure");
    assert!(created);
    assert_eq!(e, first);
    let again = EntityRecord {
        sid: EntitySid::generate(),
        date_created: 2_500,
        ..first.clone()
    };
    let (e2, created) = store.ensure_entity(again).await.expect("ensure");
    assert!(!created, "one entity per identity and service");
    assert_eq!(e2.sid, first.sid);
    entity(store, &a, &s, "user-0002").await;
    let list = store.list_entities(&s).await.expect("list");
    assert_eq!(
        list.iter().map(|e| e.identity.as_str()).collect::<Vec<_>>(),
        ["user-0001", "user-0002"]
    );
    assert!(store
        .get_entity(&other, "user-0001")
        .await
        .expect("get")
        .is_none());
    assert!(store.list_entities(&other).await.expect("list").is_empty());

    let f = factor(store, &e, 3_000).await;
    let got = store
        .get_factor(&s, "user-0001", &f.sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        got, f,
        "a factor round-trips, sealed secret and config included"
    );
    assert!(store
        .get_factor(&s, "user-0002", &f.sid)
        .await
        .expect("get")
        .is_none());
    assert!(store
        .get_factor(&other, "user-0001", &f.sid)
        .await
        .expect("get")
        .is_none());
    let f2 = factor(store, &e, 3_100).await;
    let ids: Vec<_> = store
        .list_factors(&s, "user-0001")
        .await
        .expect("list")
        .into_iter()
        .map(|f| f.sid)
        .collect();
    assert_eq!(ids, [f.sid.clone(), f2.sid.clone()]);
    let c = store
        .create_challenge(challenge(&f2, 4_000), None)
        .await
        .expect("challenge")
        .expect("factor exists");
    assert_eq!(
        store
            .get_challenge(&s, "user-0001", &c.sid)
            .await
            .expect("get"),
        Some(c.clone())
    );
    assert_eq!(
        store.list_challenges(&s, "user-0001").await.expect("list"),
        std::slice::from_ref(&c)
    );
    assert!(store
        .list_challenges(&s, "user-0002")
        .await
        .expect("list")
        .is_empty());

    // deleting a factor takes its challenges
    assert!(!store
        .delete_factor(&s, "user-0002", &f2.sid)
        .await
        .expect("delete"));
    assert!(store
        .delete_factor(&s, "user-0001", &f2.sid)
        .await
        .expect("delete"));
    assert!(store
        .get_challenge(&s, "user-0001", &c.sid)
        .await
        .expect("get")
        .is_none());
    // a challenge of a missing factor is not stored
    assert!(store
        .create_challenge(challenge(&f2, 4_100), None)
        .await
        .expect("create")
        .is_none());

    // deleting an entity takes its factors and challenges
    let c = store
        .create_challenge(challenge(&f, 4_200), None)
        .await
        .expect("c")
        .expect("some");
    assert!(store.delete_entity(&s, "user-0001").await.expect("delete"));
    assert!(!store.delete_entity(&s, "user-0001").await.expect("delete"));
    assert!(store
        .get_entity(&s, "user-0001")
        .await
        .expect("get")
        .is_none());
    assert!(store
        .get_factor(&s, "user-0001", &f.sid)
        .await
        .expect("get")
        .is_none());
    assert!(store
        .get_challenge(&s, "user-0001", &c.sid)
        .await
        .expect("get")
        .is_none());

    // deleting the service takes everything under it
    let e3 = entity(store, &a, &s, "user-0003").await;
    let f3 = factor(store, &e3, 5_000).await;
    assert!(store.delete_verify_service(&a, &s).await.expect("delete"));
    assert!(store.list_entities(&s).await.expect("list").is_empty());
    assert!(store
        .get_factor(&s, "user-0003", &f3.sid)
        .await
        .expect("get")
        .is_none());
}

pub(super) async fn factor_verification_accepts_a_later_step_and_locks_after_wrong_codes(
    store: &dyn Store,
) {
    let a = account(store).await;
    let s = service(store, &a).await;
    let e = entity(store, &a, &s, "user-0101").await;
    let f = factor(store, &e, 3_000).await;
    let verify = |answer, now| store.verify_factor(&s, "user-0101", &f.sid, answer, now, 5);
    for n in 1..=5 {
        match verify(Answer::NoMatch, 3_000 + n).await.expect("verify") {
            Attempt::Rejected(r) => {
                assert_eq!(
                    (r.failures, r.status.as_str()),
                    (n as u32, factor_status::UNVERIFIED)
                )
            }
            other => panic!("expected Rejected, got {other:?}"),
        }
    }
    // locked: even a right code is refused, and nothing changes
    assert_eq!(
        verify(Answer::Step(50), 3_010).await.expect("verify"),
        Attempt::Locked
    );
    let r = store
        .get_factor(&s, "user-0101", &f.sid)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        (r.status.as_str(), r.failures, r.last_step),
        (factor_status::UNVERIFIED, 5, None)
    );

    let g = factor(store, &e, 4_000).await;
    let verify = |answer, now| store.verify_factor(&s, "user-0101", &g.sid, answer, now, 5);
    assert!(
        matches!(verify(Answer::NoMatch, 4_001).await.expect("v"), Attempt::Rejected(r) if r.failures == 1)
    );
    match verify(Answer::Step(77), 4_002).await.expect("verify") {
        Attempt::Accepted(r) => assert_eq!(
            (r.status.as_str(), r.last_step, r.date_updated),
            (factor_status::VERIFIED, Some(77), 4_002)
        ),
        other => panic!("expected Accepted, got {other:?}"),
    }
    assert!(matches!(
        verify(Answer::Step(78), 4_003).await.expect("verify"),
        Attempt::Unchanged(r) if r.last_step == Some(77)
    ));
    let unknown = FactorSid::generate();
    assert_eq!(
        store
            .verify_factor(&s, "user-0101", &unknown, Answer::Step(1), 4_004, 5)
            .await
            .expect("v"),
        Attempt::NotFound
    );
}

pub(super) async fn challenges_accept_each_step_once_and_lock_after_wrong_codes(store: &dyn Store) {
    let a = account(store).await;
    let s = service(store, &a).await;
    let e = entity(store, &a, &s, "user-0201").await;
    let f = verified(store, &e, 100).await;
    let id = "user-0201";
    // the step that verified the factor is refused (a replay): the challenge stays pending
    let c = store
        .create_challenge(challenge(&f, 5_000), Some(Answer::Step(100)))
        .await
        .expect("create")
        .expect("some");
    assert_eq!(
        (c.status.as_str(), c.failures),
        (challenge_status::PENDING, 1)
    );
    // a later step approves
    let ok = store
        .create_challenge(challenge(&f, 5_010), Some(Answer::Step(101)))
        .await
        .expect("create")
        .expect("some");
    assert_eq!(
        (ok.status.as_str(), ok.date_responded, ok.failures),
        (challenge_status::APPROVED, Some(5_010), 0)
    );
    assert_eq!(
        store
            .get_factor(&s, id, &f.sid)
            .await
            .expect("get")
            .expect("some")
            .last_step,
        Some(101)
    );
    assert!(matches!(
        store.answer_challenge(&s, id, &ok.sid, Answer::Step(102), 5_011, 5).await.expect("a"),
        Attempt::Unchanged(r) if r.status == challenge_status::APPROVED
    ));
    // the pending one: replays and earlier steps count as wrong, up to the limit
    for (n, answer) in [
        (2, Answer::Step(101)),
        (3, Answer::Step(99)),
        (4, Answer::NoMatch),
        (5, Answer::NoMatch),
    ] {
        match store
            .answer_challenge(&s, id, &c.sid, answer, 5_020, 5)
            .await
            .expect("answer")
        {
            Attempt::Rejected(r) => assert_eq!(
                (r.failures, r.status.as_str()),
                (n, challenge_status::PENDING)
            ),
            other => panic!("expected Rejected, got {other:?}"),
        }
    }
    assert_eq!(
        store
            .answer_challenge(&s, id, &c.sid, Answer::Step(102), 5_030, 5)
            .await
            .expect("a"),
        Attempt::Locked
    );
    assert_eq!(
        store
            .get_factor(&s, id, &f.sid)
            .await
            .expect("get")
            .expect("some")
            .last_step,
        Some(101),
        "a locked challenge accepts nothing"
    );
    // one step, four challenges answering at once: exactly one is approved
    let mut pending = Vec::new();
    for i in 0..4 {
        let c = store
            .create_challenge(challenge(&f, 6_000 + i), None)
            .await
            .expect("c")
            .expect("some");
        pending.push(c.sid);
    }
    let go = |sid: &ChallengeSid| {
        let sid = sid.clone();
        let s = s.clone();
        async move {
            store
                .answer_challenge(&s, id, &sid, Answer::Step(200), 6_100, 5)
                .await
        }
    };
    let (r0, r1, r2, r3) = tokio::join!(
        go(&pending[0]),
        go(&pending[1]),
        go(&pending[2]),
        go(&pending[3])
    );
    let results = [r0, r1, r2, r3].map(|r| r.expect("answer"));
    let accepted = results
        .iter()
        .filter(|r| matches!(r, Attempt::Accepted(_)))
        .count();
    let rejected = results
        .iter()
        .filter(|r| matches!(r, Attempt::Rejected(_)))
        .count();
    assert_eq!((accepted, rejected), (1, 3), "{results:?}");
    // expiry: a pending challenge past its date is expired, and stays so
    let late = store
        .create_challenge(challenge(&f, 7_000), None)
        .await
        .expect("c")
        .expect("some");
    match store
        .answer_challenge(
            &s,
            id,
            &late.sid,
            Answer::Step(300),
            late.expiration_date,
            5,
        )
        .await
        .expect("a")
    {
        Attempt::Expired(r) => assert_eq!(r.status, challenge_status::EXPIRED),
        other => panic!("expected Expired, got {other:?}"),
    }
    assert_eq!(
        store
            .get_challenge(&s, id, &late.sid)
            .await
            .expect("get")
            .expect("some")
            .status,
        challenge_status::EXPIRED
    );
    assert_eq!(
        store
            .get_factor(&s, id, &f.sid)
            .await
            .expect("get")
            .expect("some")
            .last_step,
        Some(200)
    );
    let unknown = ChallengeSid::generate();
    assert_eq!(
        store
            .answer_challenge(&s, id, &unknown, Answer::Step(301), 7_001, 5)
            .await
            .expect("a"),
        Attempt::NotFound
    );
}
