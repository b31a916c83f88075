use switchboard_store::sqlite::Synchronous;
use switchboard_store::SqliteStore;

#[tokio::test]
async fn sqlite_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("test.db"), Synchronous::Full).expect("open");
    switchboard_store::testing::suite(&store).await;
}

#[tokio::test]
async fn reopening_keeps_data_and_recovers_leases() {
    use switchboard_store::{MessageStore, QueueStore};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("test.db");
    let account = switchboard_domain::ids::AccountSid::generate();
    {
        let store = SqliteStore::open(&path, Synchronous::Full).expect("open");
        let m = switchboard_store::testing::new_message(&account, "+15550001234", 1_000);
        store.insert_message(m).await.expect("insert");
        assert_eq!(
            store
                .claim_due(1_000, 10, 1_000_000)
                .await
                .expect("claim")
                .len(),
            1
        );
    }
    let store = SqliteStore::open(&path, Synchronous::Full).expect("reopen");
    assert!(store
        .claim_due(2_000, 10, 1_000_000)
        .await
        .expect("claim")
        .is_empty());
    assert_eq!(store.recover_leases(2_000).await.expect("recover"), 1);
    assert_eq!(
        store
            .claim_due(2_000, 10, 1_000_000)
            .await
            .expect("claim")
            .len(),
        1
    );
}

/// Keys stored before migration 17 have no scopes: they read as standard keys.
#[tokio::test]
async fn keys_from_before_scopes_read_as_standard_keys() {
    use switchboard_domain::ids::{AccountSid, ApiKeySid};
    use switchboard_domain::scopes::ScopeSet;
    use switchboard_store::{AccountStore, NewAccount, NewApiKey};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("test.db");
    let (account, sid) = (AccountSid::generate(), ApiKeySid::generate());
    {
        let store = SqliteStore::open(&path, Synchronous::Full).expect("open");
        store
            .create_account(NewAccount {
                sid: account.clone(),
                friendly_name: "a".into(),
                auth_token_sealed: vec![1],
                now: 1_000,
            })
            .await
            .expect("account");
        store
            .create_api_key(NewApiKey {
                sid: sid.clone(),
                account_sid: account,
                friendly_name: "old".into(),
                secret_hash: vec![2],
                scopes: ScopeSet::empty(),
                now: 2_000,
            })
            .await
            .expect("key");
    }
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    conn.execute("UPDATE api_keys SET scopes = NULL, date_updated = NULL", [])
        .expect("as before migration 17");
    drop(conn);
    let store = SqliteStore::open(&path, Synchronous::Full).expect("reopen");
    let key = store.get_api_key(&sid).await.expect("get").expect("exists");
    assert_eq!(key.scopes, ScopeSet::standard());
    assert_eq!(key.date_updated, 2_000);
}
