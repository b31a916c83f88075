//! The console's use cases at the core level, over a temp-dir SQLite store and a manual
//! clock: invites, passkey sign-in and its refusals (replay, look-alike origin, wrong RP id,
//! no user verification), operators' device-bound keys (`sign_in`), fresh assertions,
//! session lifetime, extra keys and support grants (`sessions`). The authenticator is
//! `testkit::soft_authenticator`. The same over HTTP with `spawn_app` is in `http`.

mod http;
mod sessions;
mod sign_in;

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
use switchboard_testkit::soft_authenticator::SoftAuthenticator;

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
        key,
        SenderPolicy::default(),
        None,
        VerifyPolicy::default(),
    )
    .with_console(ConsoleSettings::for_origin(ORIGIN).expect("origin"));
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
