//! The conformance suite on PostgreSQL, in a fresh schema, when
//! `SWITCHBOARD_TEST_PG_URL` is set (`scripts/test` sets it; with
//! `SWITCHBOARD_REQUIRE_PG=1`, as CI runs, a missing URL is a failure).

use switchboard_store::postgres::testing::FreshSchema;
use switchboard_store::{MessageStore, PgStore, QueueStore};

fn pg_url() -> Option<String> {
    let url = std::env::var("SWITCHBOARD_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        assert!(
            std::env::var_os("SWITCHBOARD_REQUIRE_PG").is_none(),
            "SWITCHBOARD_REQUIRE_PG is set but SWITCHBOARD_TEST_PG_URL is not"
        );
        eprintln!("skipped: SWITCHBOARD_TEST_PG_URL is not set");
    }
    url
}

#[tokio::test]
async fn postgres_passes_the_conformance_suite() {
    let Some(url) = pg_url() else { return };
    let schema = FreshSchema::create(&url).await.expect("schema");
    let store = PgStore::connect(&schema.url, 4).await.expect("connect");
    switchboard_store::testing::suite(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_never_hand_out_the_same_entry() {
    let Some(url) = pg_url() else { return };
    let schema = FreshSchema::create(&url).await.expect("schema");
    let store = PgStore::connect(&schema.url, 8).await.expect("connect");
    let account = switchboard_domain::ids::AccountSid::generate();
    for i in 0..400 {
        let m = switchboard_store::testing::new_message(&account, &format!("+1555{i:07}"), 1_000);
        store.insert_message(m).await.expect("insert");
    }
    // four "nodes" claim concurrently until the queue is empty
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = s.claim_due(2_000, 7, 1_000_000).await.expect("claim");
                if got.is_empty() {
                    break;
                }
                mine.extend(got.into_iter().map(|c| c.sid));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let unique: std::collections::HashSet<_> = all.iter().cloned().collect();
    assert_eq!(all.len(), 400, "every entry claimed");
    assert_eq!(unique.len(), 400, "no entry claimed twice");
    // and a lease that runs out brings them back
    assert_eq!(
        store
            .claim_due(1_000_000, 1000, 2_000_000)
            .await
            .expect("claim")
            .len(),
        400
    );
}

/// Three "nodes" (separate pools) claim queued calls and race to move each one: no call is
/// claimed twice, and of two nodes moving the same call exactly one transition applies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_claimed_and_moved_once_across_nodes() {
    use switchboard_domain::call::CallStatus;
    use switchboard_store::{CallPatch, CallStore};
    let Some(url) = pg_url() else { return };
    let schema = FreshSchema::create(&url).await.expect("schema");
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(PgStore::connect(&schema.url, 4).await.expect("connect"));
    }
    let account = switchboard_domain::ids::AccountSid::generate();
    let mut sids = Vec::new();
    for i in 0..60 {
        let c =
            switchboard_store::testing::calls::new_call(&account, &format!("+1555{i:07}"), 1_000);
        sids.push(nodes[0].insert_call(c).await.expect("insert").sid);
    }
    let mut tasks = Vec::new();
    for (n, s) in nodes.iter().enumerate() {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = s
                    .claim_due_calls(&format!("node-{n}"), 2_000, 60_000, 4)
                    .await
                    .expect("claim");
                if got.is_empty() {
                    break;
                }
                mine.extend(got.into_iter().map(|c| c.sid));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let unique: std::collections::HashSet<_> = all.iter().cloned().collect();
    assert_eq!(
        (all.len(), unique.len()),
        (60, 60),
        "each call claimed once"
    );
    let mut moves = Vec::new();
    for sid in &sids {
        for s in &nodes {
            let (s, sid) = (s.clone(), sid.clone());
            moves.push(tokio::spawn(async move {
                s.transition(
                    &sid,
                    &[CallStatus::Queued],
                    CallStatus::Ringing,
                    CallPatch::default(),
                    3_000,
                )
                .await
                .expect("transition")
            }));
        }
    }
    let mut applied = 0;
    for m in moves {
        applied += usize::from(m.await.expect("task"));
    }
    assert_eq!(applied, 60, "exactly one node moved each call");
}

/// Three "nodes" (separate pools) spend one rate-limit bucket and start verifications for
/// one number at once: the bucket is never overspent and only one verification is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_limits_hold_across_nodes() {
    use switchboard_domain::ids::*;
    use switchboard_store::*;
    let Some(url) = pg_url() else { return };
    let schema = FreshSchema::create(&url).await.expect("schema");
    let first = PgStore::connect(&schema.url, 4).await.expect("connect");
    let mut nodes = vec![first.clone()];
    for _ in 0..2 {
        nodes.push(PgStore::connect(&schema.url, 4).await.expect("connect"));
    }
    let account = AccountSid::generate();
    let service = VerifyServiceSid::generate();
    let bucket = BucketRecord {
        sid: BucketSid::generate(),
        rate_limit_sid: RateLimitSid::generate(),
        service_sid: service.clone(),
        account_sid: account.clone(),
        max: 5,
        interval_secs: 3600,
        date_created: 0,
        date_updated: 0,
    };
    let mut tasks = Vec::new();
    for i in 0..60usize {
        let (s, b) = (nodes[i % 3].clone(), bucket.clone());
        let per_number = BucketRecord {
            sid: BucketSid::parse("BL0000000000000000000000000000000b").expect("sid"),
            max: 3,
            ..bucket.clone()
        };
        let (account, service) = (account.clone(), service.clone());
        tasks.push(tokio::spawn(async move {
            let charged = s
                .charge(
                    vec![Charge {
                        bucket: b,
                        value: "203.0.113.0/24".into(),
                    }],
                    10_000,
                )
                .await
                .expect("charge");
            let started = s
                .start_verification(
                    NewVerification {
                        sid: VerificationSid::generate(),
                        service_sid: service,
                        account_sid: account,
                        to: "+393331239999".into(),
                        channel: "sms".into(),
                        seed: vec![1; 16],
                        code_hash: vec![2; 32],
                        attempt: SendAttempt {
                            sid: VerificationAttemptSid::generate(),
                            channel: "sms".into(),
                            at: 10_000,
                        },
                        now: 10_000,
                        expires_at: 610_000,
                    },
                    5,
                    vec![Charge {
                        bucket: per_number,
                        value: "+393331239999".into(),
                    }],
                )
                .await
                .expect("start");
            (charged == ChargeOutcome::Allowed, started)
        }));
    }
    let mut allowed = 0;
    let (mut created, mut resent, mut refused, mut limited) = (0, 0, 0, 0);
    for t in tasks {
        let (ok, started) = t.await.expect("task");
        allowed += usize::from(ok);
        match started {
            StartOutcome::Created(_) => created += 1,
            StartOutcome::Resent(_) => resent += 1,
            StartOutcome::MaxSends(_) => refused += 1,
            StartOutcome::Limited { .. } => limited += 1,
        }
    }
    assert_eq!(allowed, 5, "a bucket of 5 allows exactly 5");
    assert_eq!(
        (created, resent, refused, limited),
        (1, 2, 0, 57),
        "a velocity bucket of 3 charged with the start: one verification, 3 sends"
    );
}

/// Four "nodes" (separate pools) redeem one invite at once, each with its own user and key:
/// exactly one creates its user; the others find the invite gone and leave nothing behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_is_redeemed_once_across_nodes() {
    use switchboard_domain::ids::*;
    use switchboard_store::*;
    let Some(url) = pg_url() else { return };
    let schema = FreshSchema::create(&url).await.expect("schema");
    let mut nodes = Vec::new();
    for _ in 0..4 {
        nodes.push(PgStore::connect(&schema.url, 4).await.expect("connect"));
    }
    let account = AccountSid::generate();
    let invite = ConsoleInvite {
        token_hash: vec![42; 32],
        realm: realm::CONSOLE.into(),
        account_sid: Some(account.clone()),
        role: "owner".into(),
        name: "owner@example.com".into(),
        created_by: "cli".into(),
        expires_at: 100_000,
        date_created: 1_000,
    };
    nodes[0]
        .create_console_invite(invite.clone())
        .await
        .expect("invite");
    let mut tasks = Vec::new();
    for i in 0..16u8 {
        let (s, invite) = (nodes[usize::from(i) % 4].clone(), invite.clone());
        tasks.push(tokio::spawn(async move {
            let user = ConsoleUser {
                sid: ConsoleUserSid::generate(),
                realm: invite.realm.clone(),
                account_sid: invite.account_sid.clone(),
                role: invite.role.clone(),
                name: invite.name.clone(),
                user_handle: vec![i; 64],
                status: "active".into(),
                date_created: 2_000,
                date_updated: 2_000,
            };
            let key = ConsoleCredential {
                user_sid: user.sid.clone(),
                credential: PasskeyCredential {
                    id: vec![i; 16],
                    transports: vec![],
                    static_state: vec![7; 40],
                    dynamic_state: vec![0; 7],
                },
                backup_eligible: false,
                friendly_name: "key".into(),
                date_created: 2_000,
                last_used: None,
            };
            s.redeem_console_invite(&invite.token_hash, user, key, 2_000)
                .await
                .expect("redeem")
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.expect("task"));
    }
    let created = outcomes
        .iter()
        .filter(|o| **o == RedeemOutcome::Created)
        .count();
    assert_eq!(created, 1, "exactly one redeem wins: {outcomes:?}");
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == RedeemOutcome::InviteGone)
            .count(),
        15
    );
    assert_eq!(
        nodes[0]
            .list_console_users(realm::CONSOLE, Some(&account))
            .await
            .expect("list")
            .len(),
        1,
        "the losers created no user"
    );
}

/// Three "nodes" (separate pools) append to the audit log at once: every append gets its
/// own sequence number and the chain never forks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_appends_from_several_nodes_form_one_chain() {
    use switchboard_store::testing::audit::{assert_chain, new_entry, test_chainer, whole_chain};
    use switchboard_store::AuditStore;
    let Some(url) = pg_url() else { return };
    let schema = FreshSchema::create(&url).await.expect("schema");
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(PgStore::connect(&schema.url, 4).await.expect("connect"));
    }
    let mut tasks = Vec::new();
    for i in 0..60usize {
        let s = nodes[i % 3].clone();
        tasks.push(tokio::spawn(async move {
            s.append_audit(
                new_entry(None, &format!("n{}.{i}", i % 3), 1_000),
                test_chainer(),
            )
            .await
            .expect("append")
            .seq
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.expect("task"));
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=60).collect::<Vec<i64>>(), "one seq per append");
    let chain = whole_chain(&nodes[1], 7).await;
    assert_eq!(chain.len(), 60);
    assert_chain(&chain);
}

fn key_ring() -> switchboard_store::KeyRing {
    switchboard_store::KeyRing::new(&[42; 32], true)
}

#[tokio::test]
async fn postgres_passes_the_conformance_suite_encrypted() {
    let Some(url) = pg_url() else { return };
    let schema = FreshSchema::create(&url).await.expect("schema");
    let store = PgStore::connect_encrypted(&schema.url, 4, key_ring())
        .await
        .expect("connect");
    switchboard_store::testing::suite(&store).await;
}

/// Reads every text column of every table of the schema and finds none of the numbers or
/// bodies written; the same number of two accounts is stored differently.
#[tokio::test]
async fn postgres_encrypts_numbers_and_bodies_and_shreds() {
    let Some(url) = pg_url() else { return };
    let schema = FreshSchema::create(&url).await.expect("schema");
    let store = PgStore::connect_encrypted(&schema.url, 4, key_ring())
        .await
        .expect("connect");
    let sample = switchboard_store::testing::encryption::encryption(&store).await;
    let columns = schema
        .strings(
            "SELECT table_name || '.' || column_name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')",
        )
        .await
        .expect("columns");
    assert!(columns.len() > 20, "{columns:?}");
    let mut text = Vec::new();
    for tc in columns {
        let (t, c) = tc.split_once('.').expect("table.column");
        text.extend(
            schema
                .strings(&format!("SELECT COALESCE({c}, '') FROM {t}"))
                .await
                .expect("read column"),
        );
    }
    for secret in sample.numbers.iter().chain(&sample.bodies) {
        let bare = secret.trim_start_matches('+');
        assert!(
            !text.iter().any(|v| v.contains(bare)),
            "{secret} is stored in clear"
        );
    }
    let tos = schema
        .strings(&format!(
            "SELECT to_addr FROM messages WHERE account_sid IN ('{}', '{}') AND body <> '' ORDER BY seq",
            sample.accounts[0].as_str(),
            sample.accounts[1].as_str()
        ))
        .await
        .expect("tos");
    let distinct: std::collections::HashSet<_> = tos.iter().collect();
    assert_eq!(distinct.len(), tos.len(), "per-account ciphertexts differ");
    let keys = schema
        .strings("SELECT COUNT(*)::TEXT FROM account_keys")
        .await
        .expect("count");
    assert_eq!(
        keys,
        vec!["1".to_owned()],
        "the closed account's key is gone"
    );
}
