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
