//! The console's use cases at the core level, over a temp-dir SQLite store and a manual
//! clock: invites, passkey sign-in and its refusals (replay, look-alike origin, wrong RP id,
//! no user verification), operators' device-bound keys, fresh assertions, session
//! lifetime and support grants. The authenticator is `testkit::soft_authenticator`.

use std::sync::Arc;
use switchboard_core::console::{ConsoleError, ConsoleSettings, SignedIn};
use switchboard_core::crypto::MasterKey;
use switchboard_core::messages::SenderPolicy;
use switchboard_core::verify::VerifyPolicy;
use switchboard_core::Core;
use switchboard_domain::clock::ManualClock;
use switchboard_domain::ids::AccountSid;
use switchboard_store::sqlite::Synchronous;
use switchboard_store::{realm, SqliteStore};
use switchboard_testkit::soft_authenticator::{Flags, SoftAuthenticator};

const ORIGIN: &str = "http://localhost:8080";
const HOUR: i64 = 3_600_000;

struct Fixture {
    core: Core,
    clock: Arc<ManualClock>,
    account: AccountSid,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("console.db"), Synchronous::Full).expect("open");
    let clock = Arc::new(ManualClock::new(1_900_000_000_000));
    let key = MasterKey::generate();
    let core = Core::new(
        Arc::new(store),
        clock.clone(),
        key.clone(),
        SenderPolicy::default(),
        None,
        VerifyPolicy::default(),
    )
    .with_console(key, ConsoleSettings::for_origin(ORIGIN).expect("origin"));
    let account = core
        .accounts
        .create_account("Acme")
        .await
        .expect("account")
        .sid;
    Fixture {
        core,
        clock,
        account,
        _dir: dir,
    }
}

impl Fixture {
    /// An invite token for a console user of the fixture's account, or an operator.
    async fn invite(&self, realm_name: &str, role: &str) -> String {
        let account = (realm_name == realm::CONSOLE).then(|| self.account.clone());
        let (token, _) = self
            .core
            .console
            .create_invite(realm_name, account, role, "Ann", "cli")
            .await
            .expect("invite");
        token
    }

    /// Redeems `token` with a new key of `key`.
    async fn redeem(
        &self,
        token: &str,
        key: &mut SoftAuthenticator,
    ) -> Result<SignedIn, ConsoleError> {
        let invite = self.core.console.invite(token).await?;
        self.redeem_in(&invite.realm, token, key).await
    }

    /// Redeems `token` at the finish endpoint of `realm_name`.
    async fn redeem_in(
        &self,
        realm_name: &str,
        token: &str,
        key: &mut SoftAuthenticator,
    ) -> Result<SignedIn, ConsoleError> {
        let started = self.core.console.start_invite(token).await?;
        let credential = key.create(&started.options);
        self.core
            .console
            .finish_invite(realm_name, credential.to_string().as_bytes())
            .await
    }

    /// A signed-in user of `realm_name` with role `role`, and their key.
    async fn member(&self, realm_name: &str, role: &str) -> (SignedIn, SoftAuthenticator) {
        let mut key = SoftAuthenticator::new(ORIGIN);
        let token = self.invite(realm_name, role).await;
        let s = self.redeem(&token, &mut key).await.expect("redeem");
        (s, key)
    }

    /// The assertion `key` makes for a new sign-in ceremony (not yet finished).
    async fn login_assertion(&self, realm_name: &str, key: &mut SoftAuthenticator) -> Vec<u8> {
        let started = self
            .core
            .console
            .start_login(realm_name)
            .await
            .expect("start");
        key.get(&started.options).to_string().into_bytes()
    }

    async fn login(
        &self,
        realm_name: &str,
        key: &mut SoftAuthenticator,
    ) -> Result<SignedIn, ConsoleError> {
        let body = self.login_assertion(realm_name, key).await;
        self.core.console.finish_login(realm_name, &body).await
    }

    /// Confirms the session with a fresh assertion.
    async fn fresh(&self, s: &SignedIn, key: &mut SoftAuthenticator) -> Result<(), ConsoleError> {
        let started = self.core.console.start_fresh(&s.session).await?;
        let assertion = key.get(&started.options).to_string();
        self.core
            .console
            .finish_fresh(&s.session, assertion.as_bytes())
            .await
    }

    /// The session as the store has it now (fresh_at changes after a confirmation).
    async fn reload(&self, s: &SignedIn) -> Option<switchboard_store::ConsoleSession> {
        self.core.console.session(&s.token).await.expect("session")
    }
}

fn denied_with(r: Result<SignedIn, ConsoleError>, needle: &str) {
    match r {
        Err(ConsoleError::Denied(m)) => assert!(m.contains(needle), "{needle} not in: {m}"),
        Err(e) => panic!("expected a refusal mentioning {needle}, got {e:?}"),
        Ok(s) => panic!(
            "expected a refusal mentioning {needle}, got a session for {}",
            s.user.sid
        ),
    }
}

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
    let (_, keys) = f.core.console.profile(&s.user.sid).await.expect("profile");
    assert!(!keys[0].backup_eligible);
    assert!(f.login(realm::OPERATOR, &mut bound).await.is_ok());

    let token = f.invite(realm::CONSOLE, "owner").await;
    let mut phone = SoftAuthenticator::synced(ORIGIN);
    let s = f
        .redeem(&token, &mut phone)
        .await
        .expect("synced key for a customer");
    let (_, keys) = f.core.console.profile(&s.user.sid).await.expect("profile");
    assert!(keys[0].backup_eligible);
    assert!(f.login(realm::CONSOLE, &mut phone).await.is_ok());
}

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
    let (_, keys) = f.core.console.profile(&s.user.sid).await.expect("profile");
    assert!(keys[0].backup_eligible);
}
