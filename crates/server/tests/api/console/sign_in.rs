//! Invites, sign-in and what it refuses; operators' device-bound keys.

use super::{denied_with, fixture, HOUR, ORIGIN};
use switchboard_core::console::ConsoleError;
use switchboard_store::realm;
use switchboard_testkit::soft_authenticator::{Flags, SoftAuthenticator};

#[tokio::test]
async fn an_invite_registers_a_key_signs_in_and_works_once() {
    let f = fixture().await;
    let token = f.invite(realm::CONSOLE, "developer").await;
    let mut key = SoftAuthenticator::new(ORIGIN);
    let s = f.redeem(&token, &mut key).await.expect("redeem");
    assert_eq!(s.user.role, "developer");
    assert_eq!(s.user.account_sid.as_ref(), Some(&f.account));
    assert_eq!(s.session.expires_at - s.session.date_created, 8 * HOUR);
    let live = f.reload(&s).await.expect("signed in");
    assert_eq!(live.user_sid, s.user.sid);
    assert_eq!(live.role, "developer");

    // Used up: neither the page nor a new ceremony accepts it.
    assert!(matches!(
        f.core.console.invite(&token).await,
        Err(ConsoleError::NotFound(_))
    ));
    let mut other = SoftAuthenticator::new(ORIGIN);
    assert!(matches!(
        f.redeem(&token, &mut other).await,
        Err(ConsoleError::NotFound(_))
    ));
}

#[tokio::test]
async fn an_invite_finished_in_the_wrong_realm_stays_unused() {
    let f = fixture().await;
    let token = f.invite(realm::OPERATOR, "operator").await;
    let mut key = SoftAuthenticator::new(ORIGIN);
    denied_with(
        f.redeem_in(realm::CONSOLE, &token, &mut key).await,
        "not for this place",
    );
    assert!(f.core.console.invite(&token).await.is_ok(), "still usable");
    let s = f.redeem(&token, &mut key).await.expect("right place");
    assert_eq!(s.session.realm, realm::OPERATOR);
}

#[tokio::test]
async fn a_discoverable_assertion_with_another_user_handle_is_refused() {
    let f = fixture().await;
    let (_, mut key) = f.member(realm::CONSOLE, "owner").await;
    let (other, _) = f.member(realm::CONSOLE, "owner").await;
    key.user_handle = Some(other.user.user_handle.clone());
    denied_with(
        f.login(realm::CONSOLE, &mut key).await,
        "UserHandleMismatch",
    );
}

#[tokio::test]
async fn an_invite_expires_after_72_hours() {
    let f = fixture().await;
    let token = f.invite(realm::CONSOLE, "owner").await;
    f.clock.advance(72 * HOUR - 1);
    assert!(f.core.console.invite(&token).await.is_ok());
    f.clock.advance(1);
    let mut key = SoftAuthenticator::new(ORIGIN);
    assert!(matches!(
        f.redeem(&token, &mut key).await,
        Err(ConsoleError::NotFound(_))
    ));
}

#[tokio::test]
async fn an_invite_started_in_time_cannot_finish_after_expiry() {
    let f = fixture().await;
    let token = f.invite(realm::CONSOLE, "owner").await;
    f.clock.advance(72 * HOUR - 60_000);
    let started = f.core.console.start_invite(&token).await.expect("start");
    let mut key = SoftAuthenticator::new(ORIGIN);
    let credential = key.create(&started.options).to_string();
    f.clock.advance(60_000);
    assert!(matches!(
        f.core
            .console
            .finish_invite(realm::CONSOLE, credential.as_bytes())
            .await,
        Err(ConsoleError::NotFound(_))
    ));
}

#[tokio::test]
async fn sign_in_with_the_discoverable_key_and_a_replay_is_refused() {
    let f = fixture().await;
    let (first, mut key) = f.member(realm::CONSOLE, "viewer").await;
    let body = f.login_assertion(realm::CONSOLE, &mut key).await;
    let s = f
        .core
        .console
        .finish_login(realm::CONSOLE, &body)
        .await
        .expect("sign-in");
    assert_eq!(s.user.sid, first.user.sid);
    assert_ne!(s.token, first.token, "a new session");
    // The same assertion again: its challenge was taken.
    assert!(matches!(
        f.core.console.finish_login(realm::CONSOLE, &body).await,
        Err(ConsoleError::NotFound(_))
    ));
}

#[tokio::test]
async fn an_assertion_from_a_look_alike_origin_is_refused() {
    let f = fixture().await;
    let (_, mut key) = f.member(realm::CONSOLE, "owner").await;
    // A phishing page relays our options; the browser writes its own origin.
    key.origin = "http://switchboard-sso.localhost:8080".into();
    denied_with(f.login(realm::CONSOLE, &mut key).await, "OriginMismatch");
    // The same key on the real site still works.
    key.origin = ORIGIN.into();
    assert!(f.login(realm::CONSOLE, &mut key).await.is_ok());
}

#[tokio::test]
async fn a_look_alike_origin_cannot_register_either() {
    let f = fixture().await;
    let token = f.invite(realm::CONSOLE, "owner").await;
    let mut key = SoftAuthenticator::new("http://switchboard-sso.localhost:8080");
    denied_with(f.redeem(&token, &mut key).await, "OriginMismatch");
}

#[tokio::test]
async fn an_assertion_for_another_rp_id_is_refused() {
    let f = fixture().await;
    let (_, mut key) = f.member(realm::CONSOLE, "owner").await;
    key.rp_id = Some("switchboard-sso.localhost".into());
    denied_with(f.login(realm::CONSOLE, &mut key).await, "RpIdHashMismatch");
}

#[tokio::test]
async fn user_verification_is_required() {
    let f = fixture().await;
    let (_, mut key) = f.member(realm::CONSOLE, "owner").await;
    key.flags.uv = false;
    denied_with(f.login(realm::CONSOLE, &mut key).await, "UserNotVerified");

    let token = f.invite(realm::CONSOLE, "owner").await;
    let mut unverified = SoftAuthenticator::new(ORIGIN);
    unverified.flags.uv = false;
    denied_with(f.redeem(&token, &mut unverified).await, "UserNotVerified");
}

#[tokio::test]
async fn a_stale_signature_counter_is_refused() {
    let f = fixture().await;
    let (_, mut key) = f.member(realm::CONSOLE, "owner").await;
    assert!(f.login(realm::CONSOLE, &mut key).await.is_ok());
    assert!(f.login(realm::CONSOLE, &mut key).await.is_ok());
    // A cloned authenticator reports a counter the server has already seen.
    key.sign_count = Some(1);
    denied_with(f.login(realm::CONSOLE, &mut key).await, "SignatureCounter");
}

#[tokio::test]
async fn a_key_signs_in_only_in_its_own_realm() {
    let f = fixture().await;
    let (_, mut key) = f.member(realm::CONSOLE, "owner").await;
    assert!(f.login(realm::OPERATOR, &mut key).await.is_err());
    let (_, mut op) = f.member(realm::OPERATOR, "operator").await;
    assert!(f.login(realm::CONSOLE, &mut op).await.is_err());
}

#[tokio::test]
async fn operators_need_device_bound_keys_console_users_may_sync() {
    let f = fixture().await;
    let token = f.invite(realm::OPERATOR, "operator").await;
    let mut synced = SoftAuthenticator::synced(ORIGIN);
    denied_with(
        f.redeem(&token, &mut synced).await,
        "device-bound security key",
    );
    // Backup-eligible but not (yet) backed up is still eligible.
    let mut eligible = SoftAuthenticator::new(ORIGIN);
    eligible.flags.be = true;
    denied_with(
        f.redeem(&token, &mut eligible).await,
        "device-bound security key",
    );
    // The invite survives a refused key: a device-bound one is accepted.
    let mut bound = SoftAuthenticator::new(ORIGIN);
    let s = f
        .redeem(&token, &mut bound)
        .await
        .expect("device-bound key");
    assert_eq!(s.session.realm, realm::OPERATOR);
    assert!(s.session.account_sid.is_none());
    let keys = f.core.console.keys(&s.user.sid).await.expect("keys");
    assert!(!keys[0].backup_eligible);
    assert!(f.login(realm::OPERATOR, &mut bound).await.is_ok());

    let token = f.invite(realm::CONSOLE, "owner").await;
    let mut phone = SoftAuthenticator::synced(ORIGIN);
    let s = f
        .redeem(&token, &mut phone)
        .await
        .expect("synced key for a customer");
    let keys = f.core.console.keys(&s.user.sid).await.expect("keys");
    assert!(keys[0].backup_eligible);
    assert!(f.login(realm::CONSOLE, &mut phone).await.is_ok());
}
#[tokio::test]
async fn flags_reported_by_the_soft_key_are_stored() {
    // Sanity check of the test authenticator itself against the real verifier.
    let f = fixture().await;
    let token = f.invite(realm::CONSOLE, "owner").await;
    let mut key = SoftAuthenticator::new(ORIGIN);
    key.flags = Flags {
        be: true,
        ..Flags::DEVICE_BOUND
    };
    let s = f.redeem(&token, &mut key).await.expect("redeem");
    let keys = f.core.console.keys(&s.user.sid).await.expect("keys");
    assert!(keys[0].backup_eligible);
}
