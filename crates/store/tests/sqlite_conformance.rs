#![allow(clippy::expect_used, clippy::unwrap_used)]

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

fn key_ring() -> switchboard_store::KeyRing {
    switchboard_store::KeyRing::new(&[42; 32], true)
}

/// Every value of every text column of every table, as stored.
fn all_text(path: &std::path::Path) -> Vec<String> {
    let c = rusqlite::Connection::open(path).expect("open raw");
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = c.prepare(&format!("SELECT * FROM {t}")).expect("select");
        let n = stmt.column_count();
        let mut rows = stmt.query([]).expect("query");
        while let Some(r) = rows.next().expect("row") {
            for i in 0..n {
                if let Ok(rusqlite::types::ValueRef::Text(b)) = r.get_ref(i) {
                    out.push(String::from_utf8_lossy(b).into_owned());
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn sqlite_passes_the_conformance_suite_encrypted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        SqliteStore::open_encrypted(dir.path().join("test.db"), Synchronous::Full, key_ring())
            .expect("open");
    switchboard_store::testing::suite(&store).await;
}

#[tokio::test]
async fn sqlite_encrypts_numbers_and_bodies_and_shreds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("test.db");
    let store = SqliteStore::open_encrypted(&path, Synchronous::Full, key_ring()).expect("open");
    let sample = switchboard_store::testing::encryption::encryption(&store).await;
    drop(store);
    let text = all_text(&path);
    for secret in sample.numbers.iter().chain(&sample.bodies) {
        let bare = secret.trim_start_matches('+');
        assert!(
            !text.iter().any(|v| v.contains(bare)),
            "{secret} is stored in clear"
        );
    }
    // The same number of two accounts is stored differently.
    let c = rusqlite::Connection::open(&path).expect("open raw");
    let tos: Vec<String> = c
        .prepare("SELECT to_addr FROM messages WHERE account_sid IN (?1, ?2) AND body <> '' ORDER BY seq")
        .expect("prepare")
        .query_map(
            [sample.accounts[0].as_str(), sample.accounts[1].as_str()],
            |r| r.get(0),
        )
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let shared: std::collections::HashSet<_> = tos.iter().collect();
    assert_eq!(shared.len(), tos.len(), "per-account ciphertexts differ");
    let keys: i64 = c
        .query_row("SELECT COUNT(*) FROM account_keys", [], |r| r.get(0))
        .expect("count");
    assert_eq!(keys, 1, "the closed account's key is gone");
}

/// A database written before encryption (or with it off) still reads, and filters match
/// old and new rows alike.
#[tokio::test]
async fn old_plaintext_rows_still_read_and_match() {
    use switchboard_store::{MessageFilter, MessageStore};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("test.db");
    let account = switchboard_domain::ids::AccountSid::generate();
    let number = "+15550004321";
    {
        use switchboard_store::{AccountStore, NewAccount, NewNumber, NumberConfig, NumberStore};
        let store = SqliteStore::open(&path, Synchronous::Full).expect("open");
        store
            .create_account(NewAccount {
                sid: account.clone(),
                friendly_name: "old".into(),
                auth_token_sealed: vec![1],
                now: 1_000,
            })
            .await
            .expect("account");
        let m = switchboard_store::testing::new_message(&account, "+15550001234", 1_000);
        store.insert_message(m).await.expect("insert");
        store
            .add_number(NewNumber {
                sid: switchboard_domain::ids::PhoneNumberSid::generate(),
                account_sid: account.clone(),
                phone_number: number.into(),
                friendly_name: number.into(),
                config: NumberConfig {
                    sms_url: "http://hooks.example/in".into(),
                    ..NumberConfig::default()
                },
                now: 1_000,
            })
            .await
            .expect("add number");
    }
    let store = SqliteStore::open_encrypted(&path, Synchronous::Full, key_ring()).expect("open");
    let m = switchboard_store::testing::new_message(&account, "+15550001234", 2_000);
    store.insert_message(m).await.expect("insert");
    let by_to = MessageFilter {
        to: Some("+15550001234".into()),
        ..Default::default()
    };
    let found = store
        .list_messages(&account, &by_to, 10)
        .await
        .expect("list");
    assert_eq!(found.len(), 2);
    assert!(found
        .iter()
        .all(|m| m.body == "hello" && m.to == "+15550001234"));

    // A number registered in clear still routes inbound messages and gets their webhooks,
    // and is re-sealed on that first use.
    use switchboard_store::{NumberStore, WebhookStore};
    let held = store
        .find_number(number)
        .await
        .expect("find")
        .expect("found");
    assert_eq!(
        (held.phone_number.as_str(), held.friendly_name.as_str()),
        (number, number)
    );
    let inbound = switchboard_store::NewMessage {
        direction: switchboard_domain::message::Direction::Inbound,
        status: switchboard_domain::message::MessageStatus::Received,
        ..switchboard_store::testing::new_message(&account, number, 3_000)
    };
    let sid = inbound.sid.clone();
    store.insert_message(inbound).await.expect("inbound");
    assert_eq!(
        store
            .list_webhooks(&account, &sid)
            .await
            .expect("hooks")
            .len(),
        1
    );
    assert!(store.find_number(number).await.expect("find").is_some());
    drop(store);
    let c = rusqlite::Connection::open(&path).expect("raw");
    let stored: (String, String, String) = c
        .query_row(
            "SELECT phone_number, account_number, friendly_name FROM phone_numbers",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("row");
    let digits = &number[1..];
    assert!(
        ![&stored.0, &stored.1, &stored.2]
            .iter()
            .any(|v| v.contains(digits)),
        "re-sealed: {stored:?}"
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
