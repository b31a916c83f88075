//! Fresh assertions, session lifetime, extra keys and support grants.

use super::{fixture, HOUR, ORIGIN};
use switchboard_core::console::ConsoleError;
use switchboard_store::realm;
use switchboard_testkit::soft_authenticator::SoftAuthenticator;

#[tokio::test]
async fn fresh_assertions_last_five_minutes() {
    let f = fixture().await;
    let (s, mut key) = f.member(realm::CONSOLE, "owner").await;
    assert!(f.core.console.require_fresh(&s.session).is_ok());
    f.clock.advance(5 * 60_000);
    let live = f.reload(&s).await.expect("session");
    assert!(f.core.console.require_fresh(&live).is_ok());
    f.clock.advance(1);
    assert!(matches!(
        f.core.console.require_fresh(&live),
        Err(ConsoleError::NeedsFresh)
    ));
    f.fresh(&s, &mut key).await.expect("fresh assertion");
    let live = f.reload(&s).await.expect("session");
    assert!(f.core.console.require_fresh(&live).is_ok());
}

#[tokio::test]
async fn a_fresh_assertion_needs_the_sessions_own_key() {
    let f = fixture().await;
    let (s, _) = f.member(realm::CONSOLE, "owner").await;
    let (_, mut other) = f.member(realm::CONSOLE, "owner").await;
    let started = f.core.console.start_fresh(&s.session).await.expect("start");
    // The options list only the session user's keys; another user's key answers anyway.
    let mut pk: serde_json::Value = serde_json::from_str(&started.options).expect("json");
    pk["publicKey"]["allowCredentials"] = serde_json::json!([]);
    let assertion = other.get(&pk.to_string()).to_string();
    assert!(f
        .core
        .console
        .finish_fresh(&s.session, assertion.as_bytes())
        .await
        .is_err());
}

#[tokio::test]
async fn sessions_end_after_8_hours_on_sign_out_and_when_disabled() {
    let f = fixture().await;
    let (owner, _) = f.member(realm::CONSOLE, "owner").await;
    let (dev, mut dev_key) = f.member(realm::CONSOLE, "developer").await;

    f.clock.advance(8 * HOUR - 1);
    assert!(f.reload(&owner).await.is_some());
    f.clock.advance(1);
    assert!(f.reload(&owner).await.is_none(), "gone after 8 h");
    assert!(f.reload(&dev).await.is_none());

    let (owner, mut owner_key) = f.member(realm::CONSOLE, "owner").await;
    let dev = f
        .login(realm::CONSOLE, &mut dev_key)
        .await
        .expect("sign-in");
    f.core
        .console
        .sign_out(&dev.session)
        .await
        .expect("sign out");
    assert!(f.reload(&dev).await.is_none(), "gone after sign-out");

    let dev = f
        .login(realm::CONSOLE, &mut dev_key)
        .await
        .expect("sign-in");
    let dev2 = f
        .login(realm::CONSOLE, &mut dev_key)
        .await
        .expect("sign-in");
    f.clock.advance(5 * 60_000 + 1);
    let stale = f.reload(&owner).await.expect("owner");
    assert!(matches!(
        f.core
            .console
            .set_member(&stale, &dev.user.sid, "developer", false)
            .await,
        Err(ConsoleError::NeedsFresh)
    ));
    f.fresh(&owner, &mut owner_key).await.expect("fresh");
    let fresh = f.reload(&owner).await.expect("owner");
    let u = f
        .core
        .console
        .set_member(&fresh, &dev.user.sid, "developer", false)
        .await
        .expect("disable");
    assert_eq!(u.status, "disabled");
    assert!(f.reload(&dev).await.is_none());
    assert!(f.reload(&dev2).await.is_none());
    assert!(
        f.login(realm::CONSOLE, &mut dev_key).await.is_err(),
        "a disabled user cannot sign in"
    );
    // Only an owner changes members.
    let (admin, _) = f.member(realm::CONSOLE, "admin").await;
    assert!(matches!(
        f.core
            .console
            .set_member(&admin.session, &owner.user.sid, "viewer", true)
            .await,
        Err(ConsoleError::Denied(_))
    ));
}

#[tokio::test]
async fn support_grants_only_by_fresh_owners_until_expiry_or_revoke() {
    let f = fixture().await;
    let (owner, mut owner_key) = f.member(realm::CONSOLE, "owner").await;
    let (admin, _) = f.member(realm::CONSOLE, "admin").await;
    let console = &f.core.console;

    assert!(matches!(
        console.grant_support(&admin.session, 1, "debugging").await,
        Err(ConsoleError::Denied(_))
    ));
    assert!(matches!(
        console.grant_support(&owner.session, 0, "debugging").await,
        Err(ConsoleError::Invalid(_))
    ));
    assert!(matches!(
        console.grant_support(&owner.session, 1, " ").await,
        Err(ConsoleError::Invalid(_))
    ));
    f.clock.advance(5 * 60_000 + 1);
    let stale = f.reload(&owner).await.expect("owner");
    assert!(matches!(
        console.grant_support(&stale, 1, "debugging").await,
        Err(ConsoleError::NeedsFresh)
    ));
    assert!(console
        .active_grant(&f.account)
        .await
        .expect("grant")
        .is_none());

    f.fresh(&owner, &mut owner_key).await.expect("fresh");
    let fresh = f.reload(&owner).await.expect("owner");
    let g = console
        .grant_support(&fresh, 2, "ticket 42")
        .await
        .expect("grant");
    assert_eq!(g.account_sid, f.account);
    let active = console.active_grant(&f.account).await.expect("grant");
    assert_eq!(active.map(|a| a.id), Some(g.id));
    f.clock.advance(2 * HOUR - 1);
    assert!(console
        .active_grant(&f.account)
        .await
        .expect("grant")
        .is_some());
    f.clock.advance(1);
    assert!(console
        .active_grant(&f.account)
        .await
        .expect("grant")
        .is_none());

    f.fresh(&owner, &mut owner_key).await.expect("fresh");
    let fresh = f.reload(&owner).await.expect("owner");
    let g = console
        .grant_support(&fresh, 1, "ticket 43")
        .await
        .expect("grant");
    assert!(matches!(
        console.revoke_support(&admin.session, g.id).await,
        Err(ConsoleError::Denied(_))
    ));
    console.revoke_support(&fresh, g.id).await.expect("revoke");
    assert!(console
        .active_grant(&f.account)
        .await
        .expect("grant")
        .is_none());
    assert!(matches!(
        console.revoke_support(&fresh, g.id).await,
        Err(ConsoleError::NotFound(_))
    ));
    assert_eq!(console.grants(&f.account).await.expect("list").len(), 2);
}
#[tokio::test]
async fn a_second_key_is_added_only_while_fresh_and_signs_in() {
    let f = fixture().await;
    let (s, mut first) = f.member(realm::CONSOLE, "owner").await;
    f.clock.advance(5 * 60_000 + 1);
    let stale = f.reload(&s).await.expect("session");
    assert!(matches!(
        f.core.console.start_add_key(&stale).await,
        Err(ConsoleError::NeedsFresh)
    ));
    f.fresh(&s, &mut first).await.expect("fresh");
    let live = f.reload(&s).await.expect("session");
    let started = f.core.console.start_add_key(&live).await.expect("start");
    // The options exclude the key already registered; a second device answers.
    let options: serde_json::Value = serde_json::from_str(&started.options).expect("json");
    assert_eq!(
        options["publicKey"]["excludeCredentials"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let mut second = SoftAuthenticator::synced(ORIGIN);
    let credential = second.create(&started.options).to_string();
    f.core
        .console
        .finish_add_key(&live, credential.as_bytes(), "phone")
        .await
        .expect("second key");
    let keys = f.core.console.keys(&s.user.sid).await.expect("keys");
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().any(|k| k.friendly_name == "phone"));
    let again = f.login(realm::CONSOLE, &mut second).await.expect("sign-in");
    assert_eq!(again.user.sid, s.user.sid);
}

#[tokio::test]
async fn an_operator_cannot_add_a_synced_key_later() {
    let f = fixture().await;
    let (s, _) = f.member(realm::OPERATOR, "operator").await;
    let started = f
        .core
        .console
        .start_add_key(&s.session)
        .await
        .expect("start");
    let mut synced = SoftAuthenticator::synced(ORIGIN);
    let credential = synced.create(&started.options).to_string();
    match f
        .core
        .console
        .finish_add_key(&s.session, credential.as_bytes(), "laptop")
        .await
    {
        Err(ConsoleError::Denied(m)) => assert!(m.contains("device-bound"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let keys = f.core.console.keys(&s.user.sid).await.expect("keys");
    assert_eq!(keys.len(), 1);
}
