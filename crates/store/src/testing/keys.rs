//! API keys: scopes stored and read back, listing, renaming and deleting per account.

use super::account;
use crate::model::NewApiKey;
use crate::Store;
use switchboard_domain::ids::ApiKeySid;
use switchboard_domain::scopes::{Scope, ScopeSet};

fn key(account: &switchboard_domain::ids::AccountSid, scopes: ScopeSet, now: i64) -> NewApiKey {
    NewApiKey {
        sid: ApiKeySid::generate(),
        account_sid: account.clone(),
        friendly_name: format!("key {now}"),
        secret_hash: vec![7; 32],
        scopes,
        now,
    }
}

pub(crate) async fn keys_carry_scopes_and_are_scoped(store: &dyn Store) {
    let a = account(store).await;
    let b = account(store).await;
    let narrow = ScopeSet::of(Scope::MessagesSend).with(Scope::MessagesRead);
    let k1 = key(&a, narrow, 1_000);
    let k2 = key(&a, ScopeSet::empty(), 2_000);
    let k3 = key(&b, ScopeSet::all(), 3_000);
    for k in [&k1, &k2, &k3] {
        store.create_api_key(k.clone()).await.expect("create");
    }
    let got = store
        .get_api_key(&k1.sid)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(got.scopes, narrow);
    assert_eq!(got.account_sid, a);
    assert_eq!((got.date_created, got.date_updated), (1_000, 1_000));
    let empty = store
        .get_api_key(&k2.sid)
        .await
        .expect("get")
        .expect("exists");
    assert!(
        empty.scopes.is_empty(),
        "an empty set stays empty, not standard"
    );
    let all = store
        .get_api_key(&k3.sid)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(all.scopes, ScopeSet::all());

    let listed = store.list_api_keys(&a).await.expect("list");
    let sids: Vec<_> = listed.iter().map(|k| k.sid.clone()).collect();
    assert_eq!(
        sids,
        vec![k2.sid.clone(), k1.sid.clone()],
        "newest first, own only"
    );

    // Another account can neither rename nor delete the key.
    assert!(store
        .update_api_key(&b, &k1.sid, "stolen", 5_000)
        .await
        .expect("update")
        .is_none());
    assert!(!store.delete_api_key(&b, &k1.sid).await.expect("delete"));
    let renamed = store
        .update_api_key(&a, &k1.sid, "renamed", 5_000)
        .await
        .expect("update")
        .expect("own key");
    assert_eq!(renamed.friendly_name, "renamed");
    assert_eq!((renamed.date_created, renamed.date_updated), (1_000, 5_000));
    assert_eq!(renamed.scopes, narrow, "renaming keeps the scopes");

    assert!(store.delete_api_key(&a, &k1.sid).await.expect("delete"));
    assert!(!store
        .delete_api_key(&a, &k1.sid)
        .await
        .expect("delete twice"));
    assert!(store.get_api_key(&k1.sid).await.expect("get").is_none());
    assert_eq!(store.list_api_keys(&a).await.expect("list").len(), 1);
}
