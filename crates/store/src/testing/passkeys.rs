//! Conformance: the Verify passkeys factor — relying-party settings, credentials and
//! single-use ceremony state.

use super::account;
use crate::passkeys::*;
use crate::verify::{VerifyServiceConfig, VerifyServiceRecord};
use crate::Store;
use switchboard_domain::ids::{AccountSid, ChallengeSid, EntitySid, FactorSid, VerifyServiceSid};

fn rp() -> PasskeysConfig {
    PasskeysConfig {
        rp_id: Some("example.com".into()),
        rp_name: Some("Example".into()),
        origins: vec![
            "https://example.com".into(),
            "https://login.example.com".into(),
        ],
        authenticator_attachment: Some("platform".into()),
        discoverable_credentials: Some("preferred".into()),
        user_verification: Some("required".into()),
    }
}

async fn service(store: &dyn Store, a: &AccountSid) -> VerifyServiceSid {
    let sid = VerifyServiceSid::generate();
    store
        .create_verify_service(VerifyServiceRecord {
            sid: sid.clone(),
            account_sid: a.clone(),
            config: VerifyServiceConfig {
                friendly_name: "Keys".into(),
                passkeys: rp(),
                ..Default::default()
            },
            date_created: 1_000,
            date_updated: 1_000,
        })
        .await
        .expect("create service");
    sid
}

fn factor(a: &AccountSid, s: &VerifyServiceSid, identity: &str) -> PasskeyFactorRecord {
    PasskeyFactorRecord {
        sid: FactorSid::generate(),
        service_sid: s.clone(),
        account_sid: a.clone(),
        entity_sid: EntitySid::generate(),
        identity: identity.into(),
        friendly_name: "laptop".into(),
        status: factor_status::UNVERIFIED.into(),
        user_handle: vec![5; 64],
        credential: None,
        date_created: 2_000,
        date_updated: 2_000,
    }
}

fn ceremony(f: &PasskeyFactorRecord, challenge: &str, expires_at: i64) -> PasskeyCeremony {
    PasskeyCeremony {
        challenge: challenge.into(),
        service_sid: f.service_sid.clone(),
        account_sid: f.account_sid.clone(),
        kind: ceremony_kind::REGISTRATION.into(),
        sid: f.sid.as_str().into(),
        factor_sid: Some(f.sid.clone()),
        identity: Some(f.identity.clone()),
        state: vec![1, 2, 3, 4],
        expires_at,
        date_created: 2_000,
    }
}

fn credential(id: u8) -> PasskeyCredential {
    PasskeyCredential {
        id: vec![id; 16],
        transports: vec![0, 1],
        static_state: vec![7; 40],
        dynamic_state: vec![0; 7],
    }
}

fn challenge(n: u8) -> String {
    format!(
        "{:032x}",
        u128::from(n) << 64 | rand::random::<u64>() as u128
    )
}

pub(super) async fn settings_round_trip(store: &dyn Store) {
    let a = account(store).await;
    let s = service(store, &a).await;
    let got = store
        .get_verify_service(&a, &s)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(got.config.passkeys, rp());
    let mut config = got.config.clone();
    config.passkeys = PasskeysConfig {
        origins: vec!["http://localhost:8080".into()],
        rp_id: Some("localhost".into()),
        ..Default::default()
    };
    assert!(store
        .update_verify_service(&a, &s, config.clone(), 3_000)
        .await
        .expect("update"));
    let got = store
        .get_verify_service(&a, &s)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(got.config.passkeys, config.passkeys);
}

pub(super) async fn credentials_are_unique_per_service(store: &dyn Store) {
    let a = account(store).await;
    let (s, other) = (service(store, &a).await, service(store, &a).await);
    let f = factor(&a, &s, "user-0001");
    store
        .create_passkey_factor(f.clone(), ceremony(&f, &challenge(1), 10_000))
        .await
        .expect("create");
    assert_eq!(
        store.get_passkey_factor(&s, &f.sid).await.expect("get"),
        Some(f.clone())
    );
    assert!(store
        .get_passkey_factor(&other, &f.sid)
        .await
        .expect("get")
        .is_none());
    assert!(store
        .find_passkey_credential(&s, &[9; 16])
        .await
        .expect("find")
        .is_none());

    let verified = match store
        .verify_passkey_factor(&s, &f.sid, credential(9), 3_000)
        .await
        .expect("verify")
    {
        RegisterOutcome::Verified(v) => v,
        other => panic!("expected Verified, got {other:?}"),
    };
    assert_eq!(verified.status, factor_status::VERIFIED);
    assert_eq!(verified.credential, Some(credential(9)));
    assert_eq!(verified.date_updated, 3_000);
    // Only an unverified factor can be verified, once.
    assert_eq!(
        store
            .verify_passkey_factor(&s, &f.sid, credential(8), 3_001)
            .await
            .expect("again"),
        RegisterOutcome::NotFound
    );
    // The same credential id is refused for another factor of the service ...
    let g = factor(&a, &s, "user-0002");
    store
        .create_passkey_factor(g.clone(), ceremony(&g, &challenge(2), 10_000))
        .await
        .expect("create");
    assert_eq!(
        store
            .verify_passkey_factor(&s, &g.sid, credential(9), 3_002)
            .await
            .expect("dup"),
        RegisterOutcome::CredentialExists
    );
    let still = store
        .get_passkey_factor(&s, &g.sid)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        (still.status.as_str(), still.credential),
        ("unverified", None)
    );
    // ... but not in another service.
    let h = factor(&a, &other, "user-0001");
    store
        .create_passkey_factor(h.clone(), ceremony(&h, &challenge(3), 10_000))
        .await
        .expect("create");
    assert!(matches!(
        store
            .verify_passkey_factor(&other, &h.sid, credential(9), 3_003)
            .await
            .expect("other"),
        RegisterOutcome::Verified(_)
    ));

    let found = store
        .find_passkey_credential(&s, &[9; 16])
        .await
        .expect("find")
        .expect("found");
    assert_eq!(found.sid, f.sid);
    let listed = store
        .list_passkey_factors(&s, "user-0001")
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|x| x.sid.clone()).collect::<Vec<_>>(),
        vec![f.sid.clone()]
    );

    // The dynamic state (sign counter) is written back.
    assert!(store
        .update_passkey_dynamic_state(&s, &f.sid, vec![1; 7], 4_000)
        .await
        .expect("update"));
    assert!(!store
        .update_passkey_dynamic_state(&s, &g.sid, vec![1; 7], 4_000)
        .await
        .expect("unverified"));
    let after = store
        .get_passkey_factor(&s, &f.sid)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(after.credential.map(|c| c.dynamic_state), Some(vec![1; 7]));
    assert_eq!(after.date_updated, 4_000);

    // Deleting the service deletes its factors and ceremonies.
    assert!(store.delete_verify_service(&a, &s).await.expect("delete"));
    assert!(store
        .get_passkey_factor(&s, &f.sid)
        .await
        .expect("get")
        .is_none());
    assert!(store
        .find_passkey_credential(&other, &[9; 16])
        .await
        .expect("find")
        .is_some());
}

pub(super) async fn ceremonies_are_taken_once(store: &dyn Store) {
    let a = account(store).await;
    let (s, other) = (service(store, &a).await, service(store, &a).await);
    let f = factor(&a, &s, "user-0003");
    let reg = ceremony(&f, &challenge(4), 10_000);
    store
        .create_passkey_factor(f.clone(), reg.clone())
        .await
        .expect("create");
    // Another service cannot take (or destroy) it.
    assert!(store
        .take_passkey_ceremony(&other, &reg.challenge, 5_000)
        .await
        .expect("take")
        .is_none());
    assert_eq!(
        store
            .take_passkey_ceremony(&s, &reg.challenge, 5_000)
            .await
            .expect("take"),
        Some(reg.clone())
    );
    assert!(store
        .take_passkey_ceremony(&s, &reg.challenge, 5_000)
        .await
        .expect("again")
        .is_none());

    // A sign-in ceremony, taken by two concurrent requests: exactly one gets it.
    let auth = PasskeyCeremony {
        kind: ceremony_kind::AUTHENTICATION.into(),
        sid: ChallengeSid::generate().as_str().into(),
        ..ceremony(&f, &challenge(5), 10_000)
    };
    store
        .put_passkey_ceremony(auth.clone(), 5_000)
        .await
        .expect("put");
    let (x, y) = tokio::join!(
        store.take_passkey_ceremony(&s, &auth.challenge, 5_001),
        store.take_passkey_ceremony(&s, &auth.challenge, 5_001)
    );
    let got: Vec<_> = [x.expect("x"), y.expect("y")]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(got, vec![auth.clone()]);

    // An expired ceremony is never handed out, and is gone afterwards.
    let old = PasskeyCeremony {
        sid: ChallengeSid::generate().as_str().into(),
        ..ceremony(&f, &challenge(6), 6_000)
    };
    store
        .put_passkey_ceremony(old.clone(), 5_000)
        .await
        .expect("put");
    assert!(store
        .take_passkey_ceremony(&s, &old.challenge, 6_000)
        .await
        .expect("take")
        .is_none());
    // Putting a ceremony drops the service's expired ones.
    let stale = ceremony(&f, &challenge(7), 7_000);
    store
        .put_passkey_ceremony(stale.clone(), 5_000)
        .await
        .expect("put");
    store
        .put_passkey_ceremony(ceremony(&f, &challenge(8), 20_000), 7_000)
        .await
        .expect("put");
    assert!(store
        .take_passkey_ceremony(&s, &stale.challenge, 1_000)
        .await
        .expect("take")
        .is_none());
}
