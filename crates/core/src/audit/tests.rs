#![allow(clippy::expect_used, clippy::unwrap_used)]

use super::*;
use switchboard_domain::clock::ManualClock;
use switchboard_store::sqlite::Synchronous;
use switchboard_store::SqliteStore;

struct Fixture {
    audit: Audit,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path().join("a.db"), Synchronous::Normal).expect("open"));
    let key = MasterKey::generate();
    let clock = Arc::new(ManualClock::new(1_000));
    Fixture {
        audit: Audit::new(store.clone(), clock, &key),
        store,
        _dir: dir,
    }
}

async fn five(f: &Fixture) -> Vec<AuditEntry> {
    let a = AccountSid::generate();
    for i in 0..5 {
        let e = AuditEvent::new("key:SK1", "number.update")
            .account(&a)
            .target(format!("PN{i}"))
            .details(format!("{{\"i\":{i}}}"));
        f.audit.record(e).await.expect("record");
    }
    f.store.audit_page(0, 100).await.expect("page")
}

fn walk(f: &Fixture, entries: &[AuditEntry]) -> VerifyReport {
    let mut w = Walk::new(f.audit.chainer.clone());
    for e in entries {
        if !w.step(e) {
            break;
        }
    }
    w.report
}

#[tokio::test]
async fn an_intact_chain_verifies_and_links() {
    let f = fixture();
    let entries = five(&f).await;
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert!(entries[0].prev_hash.is_empty());
    assert_eq!(entries[3].prev_hash, entries[2].hash);
    assert_eq!(entries[0].at, 1_000);
    let report = f.audit.verify().await.expect("verify");
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.entries, 5);
    assert_eq!(report.head, Some((5, entries[4].hash.clone())));
}

#[tokio::test]
async fn edits_removals_and_reorders_are_named() {
    let f = fixture();
    let entries = five(&f).await;

    let mut edited = entries.clone();
    edited[2].details = Some("{\"i\":99}".into());
    assert_eq!(walk(&f, &edited).broken, Some((3, Broken::Edited)));

    let mut removed = entries.clone();
    removed.remove(1);
    assert_eq!(
        walk(&f, &removed).broken,
        Some((2, Broken::Removed { found: 3 }))
    );

    // removed and renumbered: the gap is gone, the link is not
    let mut renumbered = removed.clone();
    for (i, e) in renumbered.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
    }
    assert_eq!(walk(&f, &renumbered).broken, Some((2, Broken::Relinked)));

    // two entries' content swapped (seq kept)
    let mut swapped = entries.clone();
    let (s1, s2) = (swapped[1].seq, swapped[2].seq);
    swapped.swap(1, 2);
    (swapped[1].seq, swapped[2].seq) = (s1, s2);
    assert_eq!(walk(&f, &swapped).broken, Some((2, Broken::Relinked)));

    // a whole new chain under another key does not verify
    let other = Audit::new(
        f.store.clone(),
        Arc::new(ManualClock::new(0)),
        &MasterKey::generate(),
    );
    let report = other.verify().await.expect("verify");
    assert_eq!(report.broken, Some((1, Broken::Edited)));
    assert_eq!(report.entries, 0);
}

#[tokio::test]
async fn an_anchor_catches_truncation() {
    let f = fixture();
    let entries = five(&f).await;
    let anchor = |seq: i64, hash: &[u8]| {
        Some(
            format!("{seq}:{}", hex::encode(hash))
                .parse::<Anchor>()
                .expect("anchor"),
        )
    };
    let at4 = anchor(4, &entries[3].hash);
    let ok = f.audit.verify_with(at4).await.expect("verify");
    assert!(ok.is_intact(), "{ok:?}");
    let beyond = f
        .audit
        .verify_with(anchor(9, &[1, 2]))
        .await
        .expect("verify");
    assert_eq!(beyond.broken, Some((6, Broken::Truncated { head: 5 })));
    let wrong = f
        .audit
        .verify_with(anchor(2, &entries[3].hash))
        .await
        .expect("verify");
    assert_eq!(wrong.broken, Some((2, Broken::NotAnchor)));
    assert!("12".parse::<Anchor>().is_err());
}

#[test]
fn the_encoding_is_unambiguous() {
    let base = AuditEntry {
        seq: 1,
        at: 2,
        account_sid: None,
        actor: "ab".into(),
        action: "c".into(),
        target: None,
        details: None,
        prev_hash: Vec::new(),
        hash: Vec::new(),
    };
    let moved = AuditEntry {
        actor: "a".into(),
        action: "bc".into(),
        ..base.clone()
    };
    assert_ne!(canonical(&base), canonical(&moved));
    let empty_target = AuditEntry {
        target: Some(String::new()),
        ..base.clone()
    };
    assert_ne!(canonical(&base), canonical(&empty_target));
    let as_details = AuditEntry {
        details: Some(String::new()),
        ..base.clone()
    };
    assert_ne!(canonical(&empty_target), canonical(&as_details));
}
