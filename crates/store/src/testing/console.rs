//! Conformance: the web console and the operator plane — invites redeemed once, users and
//! their keys (ceremonies, sessions and grants are in `console_sessions`).

use super::account;
use crate::console::*;
use crate::passkeys::PasskeyCredential;
use crate::Store;
use switchboard_domain::ids::{AccountSid, ConsoleUserSid};

pub(super) fn bytes() -> Vec<u8> {
    rand::random::<[u8; 32]>().to_vec()
}

pub(super) fn challenge() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn invite(realm_: &str, account: Option<&AccountSid>, expires_at: i64) -> ConsoleInvite {
    ConsoleInvite {
        token_hash: bytes(),
        realm: realm_.into(),
        account_sid: account.cloned(),
        role: if realm_ == realm::OPERATOR {
            "operator".into()
        } else {
            "developer".into()
        },
        name: "ada@example.com".into(),
        created_by: "cli".into(),
        expires_at,
        date_created: 1_000,
    }
}

fn user_for(i: &ConsoleInvite, now: i64) -> ConsoleUser {
    ConsoleUser {
        sid: ConsoleUserSid::generate(),
        realm: i.realm.clone(),
        account_sid: i.account_sid.clone(),
        role: i.role.clone(),
        name: i.name.clone(),
        user_handle: [bytes(), bytes()].concat(),
        status: "active".into(),
        date_created: now,
        date_updated: now,
    }
}

fn key(user: &ConsoleUser, id: Vec<u8>, now: i64) -> ConsoleCredential {
    ConsoleCredential {
        user_sid: user.sid.clone(),
        credential: PasskeyCredential {
            id,
            transports: vec![1, 3],
            static_state: vec![7; 40],
            dynamic_state: vec![0; 7],
        },
        backup_eligible: true,
        friendly_name: "YubiKey".into(),
        date_created: now,
        last_used: None,
    }
}

/// A user created the only way there is: by redeeming an invite with a first key.
pub(super) async fn new_user(
    store: &dyn Store,
    realm_: &str,
    account: Option<&AccountSid>,
    now: i64,
) -> (ConsoleUser, ConsoleCredential) {
    let i = invite(realm_, account, now + 1_000);
    store
        .create_console_invite(i.clone())
        .await
        .expect("invite");
    let u = user_for(&i, now);
    let k = key(&u, bytes(), now);
    assert_eq!(
        store
            .redeem_console_invite(&i.token_hash, u.clone(), k.clone(), now)
            .await
            .expect("redeem"),
        RedeemOutcome::Created
    );
    (u, k)
}

pub(super) async fn invites_are_redeemed_once(store: &dyn Store) {
    let a = account(store).await;
    let i = invite(realm::CONSOLE, Some(&a), 10_000);
    store
        .create_console_invite(i.clone())
        .await
        .expect("invite");
    // Peeking does not use it up; it is gone once expired.
    for _ in 0..2 {
        assert_eq!(
            store
                .get_console_invite(&i.token_hash, 9_999)
                .await
                .expect("get"),
            Some(i.clone())
        );
    }
    assert!(store
        .get_console_invite(&i.token_hash, 10_000)
        .await
        .expect("get")
        .is_none());
    assert!(store
        .get_console_invite(&bytes(), 2_000)
        .await
        .expect("get")
        .is_none());

    let u = user_for(&i, 2_000);
    let k = key(&u, bytes(), 2_000);
    assert_eq!(
        store
            .redeem_console_invite(&bytes(), u.clone(), k.clone(), 2_000)
            .await
            .expect("unknown"),
        RedeemOutcome::InviteGone
    );
    assert_eq!(
        store
            .redeem_console_invite(&i.token_hash, u.clone(), k.clone(), 2_000)
            .await
            .expect("redeem"),
        RedeemOutcome::Created
    );
    assert_eq!(
        store.get_console_user(&u.sid).await.expect("get"),
        Some(u.clone())
    );
    assert_eq!(
        store
            .get_console_credential(&k.credential.id)
            .await
            .expect("get"),
        Some(k.clone())
    );
    // Used up: neither peeked nor redeemed again.
    assert!(store
        .get_console_invite(&i.token_hash, 2_001)
        .await
        .expect("get")
        .is_none());
    let again = user_for(&i, 2_001);
    assert_eq!(
        store
            .redeem_console_invite(
                &i.token_hash,
                again.clone(),
                key(&again, bytes(), 2_001),
                2_001
            )
            .await
            .expect("again"),
        RedeemOutcome::InviteGone
    );
    assert!(store
        .get_console_user(&again.sid)
        .await
        .expect("get")
        .is_none());

    // An expired invite cannot be redeemed.
    let old = invite(realm::CONSOLE, Some(&a), 3_000);
    store
        .create_console_invite(old.clone())
        .await
        .expect("invite");
    let late = user_for(&old, 3_000);
    assert_eq!(
        store
            .redeem_console_invite(
                &old.token_hash,
                late.clone(),
                key(&late, bytes(), 3_000),
                3_000
            )
            .await
            .expect("expired"),
        RedeemOutcome::InviteGone
    );
    assert!(store
        .get_console_user(&late.sid)
        .await
        .expect("get")
        .is_none());

    // A taken credential id rolls everything back: no user, the invite stays usable.
    let dup = invite(realm::CONSOLE, Some(&a), 10_000);
    store
        .create_console_invite(dup.clone())
        .await
        .expect("invite");
    let v = user_for(&dup, 4_000);
    assert_eq!(
        store
            .redeem_console_invite(
                &dup.token_hash,
                v.clone(),
                key(&v, k.credential.id.clone(), 4_000),
                4_000
            )
            .await
            .expect("duplicate"),
        RedeemOutcome::CredentialExists
    );
    assert!(store.get_console_user(&v.sid).await.expect("get").is_none());
    assert!(store
        .get_console_user_by_handle(&v.user_handle)
        .await
        .expect("get")
        .is_none());
    assert_eq!(
        store
            .get_console_credential(&k.credential.id)
            .await
            .expect("get")
            .map(|c| c.user_sid),
        Some(u.sid.clone())
    );
    assert_eq!(
        store
            .get_console_invite(&dup.token_hash, 4_001)
            .await
            .expect("get"),
        Some(dup.clone())
    );
    assert_eq!(
        store
            .redeem_console_invite(&dup.token_hash, v.clone(), key(&v, bytes(), 4_002), 4_002)
            .await
            .expect("redeem"),
        RedeemOutcome::Created
    );
}

pub(super) async fn users_are_found_listed_and_updated(store: &dyn Store) {
    let (a, b) = (account(store).await, account(store).await);
    let (u1, _) = new_user(store, realm::CONSOLE, Some(&a), 5_000).await;
    let (u2, _) = new_user(store, realm::CONSOLE, Some(&a), 5_001).await;
    let (u3, _) = new_user(store, realm::CONSOLE, Some(&b), 5_002).await;
    let (op, _) = new_user(store, realm::OPERATOR, None, 5_003).await;

    assert_eq!(
        store
            .get_console_user_by_handle(&u2.user_handle)
            .await
            .expect("by handle"),
        Some(u2.clone())
    );
    assert!(store
        .get_console_user_by_handle(&bytes())
        .await
        .expect("by handle")
        .is_none());
    assert_eq!(
        store
            .get_console_user(&op.sid)
            .await
            .expect("get")
            .map(|u| u.account_sid),
        Some(None)
    );

    let sids = |v: Vec<ConsoleUser>| v.into_iter().map(|u| u.sid).collect::<Vec<_>>();
    assert_eq!(
        sids(
            store
                .list_console_users(realm::CONSOLE, Some(&a))
                .await
                .expect("list")
        ),
        vec![u1.sid.clone(), u2.sid.clone()],
        "an account's users, oldest first"
    );
    assert_eq!(
        sids(
            store
                .list_console_users(realm::CONSOLE, Some(&b))
                .await
                .expect("list")
        ),
        vec![u3.sid.clone()]
    );
    let console = sids(
        store
            .list_console_users(realm::CONSOLE, None)
            .await
            .expect("list"),
    );
    let pos = |s: &ConsoleUserSid| console.iter().position(|x| x == s).expect("listed");
    assert!(pos(&u1.sid) < pos(&u2.sid) && pos(&u2.sid) < pos(&u3.sid));
    assert!(!console.contains(&op.sid), "realms are apart");
    let operators = sids(
        store
            .list_console_users(realm::OPERATOR, None)
            .await
            .expect("list"),
    );
    assert!(operators.contains(&op.sid) && !operators.contains(&u1.sid));

    assert!(store
        .update_console_user(&u2.sid, "admin", "disabled", 6_000)
        .await
        .expect("update"));
    assert_eq!(
        store.get_console_user(&u2.sid).await.expect("get"),
        Some(ConsoleUser {
            role: "admin".into(),
            status: "disabled".into(),
            date_updated: 6_000,
            ..u2.clone()
        })
    );
    assert!(!store
        .update_console_user(&ConsoleUserSid::generate(), "admin", "active", 6_000)
        .await
        .expect("missing"));
}

pub(super) async fn credentials_are_added_listed_and_updated(store: &dyn Store) {
    let a = account(store).await;
    let (u, first) = new_user(store, realm::CONSOLE, Some(&a), 7_000).await;
    let (other, theirs) = new_user(store, realm::CONSOLE, Some(&a), 7_000).await;
    let second = ConsoleCredential {
        backup_eligible: false,
        friendly_name: "phone".into(),
        ..key(&u, bytes(), 7_001)
    };
    assert!(store
        .add_console_credential(second.clone())
        .await
        .expect("add"));
    // A credential id is unique across the installation, whoever holds it.
    assert!(!store
        .add_console_credential(second.clone())
        .await
        .expect("again"));
    assert!(!store
        .add_console_credential(key(&u, theirs.credential.id.clone(), 7_002))
        .await
        .expect("theirs"));
    assert_eq!(
        store
            .get_console_credential(&theirs.credential.id)
            .await
            .expect("get")
            .map(|c| c.user_sid),
        Some(other.sid.clone())
    );
    assert_eq!(
        store.list_console_credentials(&u.sid).await.expect("list"),
        vec![first.clone(), second.clone()],
        "oldest first"
    );
    assert!(store
        .list_console_credentials(&ConsoleUserSid::generate())
        .await
        .expect("list")
        .is_empty());

    assert!(store
        .update_console_credential(&second.credential.id, vec![9; 7], 8_000)
        .await
        .expect("update"));
    let mut expected = second.clone();
    expected.credential.dynamic_state = vec![9; 7];
    expected.last_used = Some(8_000);
    assert_eq!(
        store
            .get_console_credential(&second.credential.id)
            .await
            .expect("get"),
        Some(expected)
    );
    assert!(!store
        .update_console_credential(&bytes(), vec![9; 7], 8_000)
        .await
        .expect("missing"));
    assert!(store
        .get_console_credential(&bytes())
        .await
        .expect("get")
        .is_none());
}
