//! Conformance: the web console's single-use ceremonies, sessions and operators' support
//! grants.

use super::account;
use super::console::{bytes, challenge, new_user};
use crate::console::*;
use crate::Store;
use switchboard_domain::ids::{AccountSid, ConsoleUserSid};

fn ceremony(kind: &str, expires_at: i64) -> ConsoleCeremony {
    ConsoleCeremony {
        challenge: challenge(),
        kind: kind.into(),
        realm: realm::CONSOLE.into(),
        user_sid: None,
        invite_hash: None,
        session_hash: None,
        state: vec![1, 2, 3, 4],
        expires_at,
        date_created: 1_000,
    }
}

pub(super) async fn ceremonies_are_taken_once(store: &dyn Store) {
    let inv = ConsoleCeremony {
        invite_hash: Some(bytes()),
        ..ceremony(console_ceremony::INVITE, 20_000)
    };
    let add = ConsoleCeremony {
        user_sid: Some(ConsoleUserSid::generate()),
        realm: realm::OPERATOR.into(),
        ..ceremony(console_ceremony::ADD_KEY, 20_000)
    };
    let fresh = ConsoleCeremony {
        session_hash: Some(bytes()),
        ..ceremony(console_ceremony::FRESH, 20_000)
    };
    for e in [&inv, &add, &fresh] {
        store
            .put_console_ceremony(e.clone(), 10_000)
            .await
            .expect("put");
    }
    for e in [&inv, &add, &fresh] {
        assert_eq!(
            store
                .take_console_ceremony(&e.challenge, 10_001)
                .await
                .expect("take"),
            Some(e.clone())
        );
        assert!(store
            .take_console_ceremony(&e.challenge, 10_001)
            .await
            .expect("again")
            .is_none());
    }

    // Two concurrent requests: exactly one gets it.
    let login = ceremony(console_ceremony::LOGIN, 20_000);
    store
        .put_console_ceremony(login.clone(), 10_000)
        .await
        .expect("put");
    let (x, y) = tokio::join!(
        store.take_console_ceremony(&login.challenge, 10_002),
        store.take_console_ceremony(&login.challenge, 10_002)
    );
    let got: Vec<_> = [x.expect("x"), y.expect("y")]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(got, vec![login]);

    // An expired ceremony is never handed out, and is gone afterwards.
    let old = ceremony(console_ceremony::LOGIN, 11_000);
    store
        .put_console_ceremony(old.clone(), 10_000)
        .await
        .expect("put");
    assert!(store
        .take_console_ceremony(&old.challenge, 11_000)
        .await
        .expect("take")
        .is_none());
    assert!(store
        .take_console_ceremony(&old.challenge, 10_000)
        .await
        .expect("take")
        .is_none());
    // Putting a ceremony drops the expired ones.
    let stale = ceremony(console_ceremony::LOGIN, 12_000);
    store
        .put_console_ceremony(stale.clone(), 10_000)
        .await
        .expect("put");
    store
        .put_console_ceremony(ceremony(console_ceremony::LOGIN, 30_000), 12_000)
        .await
        .expect("put");
    assert!(store
        .take_console_ceremony(&stale.challenge, 10_000)
        .await
        .expect("take")
        .is_none());
}

fn session(user: &ConsoleUser, expires_at: i64) -> ConsoleSession {
    ConsoleSession {
        id_hash: bytes(),
        user_sid: user.sid.clone(),
        realm: user.realm.clone(),
        account_sid: user.account_sid.clone(),
        role: user.role.clone(),
        csrf: challenge(),
        date_created: 13_000,
        expires_at,
        fresh_at: 13_000,
    }
}

pub(super) async fn sessions_expire_and_are_ended(store: &dyn Store) {
    let a = account(store).await;
    let (u, _) = new_user(store, realm::CONSOLE, Some(&a), 13_000).await;
    let (op, _) = new_user(store, realm::OPERATOR, None, 13_000).await;
    let s1 = session(&u, 20_000);
    let s2 = session(&u, 20_000);
    let s3 = session(&op, 20_000);
    for s in [&s1, &s2, &s3] {
        store
            .create_console_session(s.clone(), 13_000)
            .await
            .expect("create");
    }
    assert_eq!(
        store
            .get_console_session(&s1.id_hash, 19_999)
            .await
            .expect("get"),
        Some(s1.clone())
    );
    assert!(store
        .get_console_session(&s1.id_hash, 20_000)
        .await
        .expect("expired")
        .is_none());
    assert!(store
        .get_console_session(&bytes(), 13_000)
        .await
        .expect("get")
        .is_none());

    assert!(store
        .set_console_session_fresh(&s1.id_hash, 14_000)
        .await
        .expect("fresh"));
    assert!(!store
        .set_console_session_fresh(&bytes(), 14_000)
        .await
        .expect("missing"));
    assert_eq!(
        store
            .get_console_session(&s1.id_hash, 14_000)
            .await
            .expect("get")
            .map(|s| s.fresh_at),
        Some(14_000)
    );

    store
        .delete_console_session(&s1.id_hash)
        .await
        .expect("delete");
    store
        .delete_console_session(&s1.id_hash)
        .await
        .expect("deleting twice is fine");
    assert!(store
        .get_console_session(&s1.id_hash, 14_000)
        .await
        .expect("get")
        .is_none());
    let s4 = session(&u, 21_000);
    store
        .create_console_session(s4.clone(), 14_000)
        .await
        .expect("create");
    assert_eq!(
        store.delete_console_sessions_of(&u.sid).await.expect("of"),
        2
    );
    assert_eq!(
        store.delete_console_sessions_of(&u.sid).await.expect("of"),
        0
    );
    assert!(store
        .get_console_session(&s2.id_hash, 14_000)
        .await
        .expect("get")
        .is_none());
    assert_eq!(
        store
            .get_console_session(&s3.id_hash, 14_000)
            .await
            .expect("get"),
        Some(s3.clone()),
        "another user's session is kept"
    );

    // Creating a session drops the expired ones.
    store
        .create_console_session(session(&op, 40_000), 20_000)
        .await
        .expect("create");
    assert!(store
        .get_console_session(&s3.id_hash, 14_000)
        .await
        .expect("get")
        .is_none());
}

fn grant(a: &AccountSid, date_created: i64, expires_at: i64) -> SupportGrant {
    SupportGrant {
        id: 0,
        account_sid: a.clone(),
        granted_by: "user:US00000000000000000000000000000001".into(),
        reason: "ticket 42".into(),
        date_created,
        expires_at,
        revoked_at: None,
    }
}

pub(super) async fn support_grants_are_active_until_expired_or_revoked(store: &dyn Store) {
    let (a, b) = (account(store).await, account(store).await);
    assert!(store
        .active_support_grant(&a, 1_000)
        .await
        .expect("active")
        .is_none());
    let short = store
        .create_support_grant(grant(&a, 1_000, 5_000))
        .await
        .expect("create");
    let long = store
        .create_support_grant(grant(&a, 2_000, 9_000))
        .await
        .expect("create");
    let latest = store
        .create_support_grant(grant(&a, 3_000, 4_000))
        .await
        .expect("create");
    let theirs = store
        .create_support_grant(grant(&b, 3_000, 9_000))
        .await
        .expect("create");
    assert_eq!(
        short,
        SupportGrant {
            id: short.id,
            ..grant(&a, 1_000, 5_000)
        }
    );
    let ids = [short.id, long.id, latest.id, theirs.id];
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids are assigned in order: {ids:?}"
    );

    assert_eq!(
        store.active_support_grant(&a, 3_000).await.expect("active"),
        Some(long.clone()),
        "the one ending last"
    );
    assert_eq!(
        store.active_support_grant(&a, 9_000).await.expect("active"),
        None,
        "all expired"
    );
    assert_eq!(
        store.list_support_grants(&a).await.expect("list"),
        vec![latest.clone(), long.clone(), short.clone()],
        "newest first"
    );

    // Only the account's own, unrevoked grant can be revoked, once.
    assert!(!store
        .revoke_support_grant(&b, long.id, 3_500)
        .await
        .expect("other account"));
    assert!(store
        .revoke_support_grant(&a, long.id, 3_500)
        .await
        .expect("revoke"));
    assert!(!store
        .revoke_support_grant(&a, long.id, 3_600)
        .await
        .expect("twice"));
    assert!(!store
        .revoke_support_grant(&a, i64::MAX, 3_600)
        .await
        .expect("missing"));
    assert_eq!(
        store.active_support_grant(&a, 3_500).await.expect("active"),
        Some(short.clone()),
        "a revoked grant is not active"
    );
    assert_eq!(
        store.active_support_grant(&a, 5_000).await.expect("active"),
        None
    );
    assert_eq!(
        store.active_support_grant(&b, 5_000).await.expect("active"),
        Some(theirs.clone())
    );
    let listed = store.list_support_grants(&a).await.expect("list");
    assert_eq!(
        listed.iter().map(|g| g.revoked_at).collect::<Vec<_>>(),
        vec![None, Some(3_500), None]
    );
}

/// Closing an account ends its console: sessions and invites are gone, its users are
/// disabled with no keys left, and operators lose any grant. Other accounts are untouched.
pub(super) async fn closing_an_account_ends_its_console(store: &dyn Store) {
    let (a, b) = (account(store).await, account(store).await);
    let (ua, _) = new_user(store, realm::CONSOLE, Some(&a), 20_000).await;
    let (ub, _) = new_user(store, realm::CONSOLE, Some(&b), 20_000).await;
    let (sa, sb) = (session(&ua, 90_000), session(&ub, 90_000));
    store
        .create_console_session(sa.clone(), 20_000)
        .await
        .expect("session a");
    store
        .create_console_session(sb.clone(), 20_000)
        .await
        .expect("session b");
    store
        .create_support_grant(grant(&a, 20_000, 80_000))
        .await
        .expect("grant");
    assert!(store.close_account(&a, 21_000).await.expect("close"));
    assert!(store
        .get_console_session(&sa.id_hash, 21_000)
        .await
        .expect("get")
        .is_none());
    assert!(store
        .get_console_session(&sb.id_hash, 21_000)
        .await
        .expect("get")
        .is_some());
    let user = store
        .get_console_user(&ua.sid)
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(user.status, "disabled");
    assert!(store
        .list_console_credentials(&ua.sid)
        .await
        .expect("keys")
        .is_empty());
    assert!(store
        .active_support_grant(&a, 21_000)
        .await
        .expect("grant")
        .is_none());
    let other = store
        .get_console_user(&ub.sid)
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(other.status, "active");
}
