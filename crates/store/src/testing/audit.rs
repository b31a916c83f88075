//! The audit log: gap-free sequence numbers, links to the previous entry, the caller's
//! chainer, account-scoped newest-first listing and in-order paging.

use super::account;
use crate::audit::{AuditEntry, Chainer, NewAuditEntry};
use crate::Store;
use std::sync::Arc;
use switchboard_domain::ids::AccountSid;

/// A stand-in for core's keyed MAC: the entry's `seq` then a (non-cryptographic, fixed-size)
/// digest of every other field, so tests can check what the chainer was given.
pub fn test_chainer() -> Chainer {
    use std::hash::{Hash, Hasher};
    Arc::new(|e: &AuditEntry| {
        assert!(
            e.hash.is_empty(),
            "the chainer sees the entry before its hash"
        );
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (e.seq, e.at, &e.account_sid, &e.actor, &e.action).hash(&mut h);
        (&e.target, &e.details, &e.prev_hash).hash(&mut h);
        [e.seq.to_be_bytes(), h.finish().to_be_bytes()].concat()
    })
}

/// Panics unless `entries` (in `seq` order, from the first) form a chain under [`test_chainer`].
pub fn assert_chain(entries: &[AuditEntry]) {
    let chainer = test_chainer();
    let mut prev: Vec<u8> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1, "gap-free from 1");
        assert_eq!(e.prev_hash, prev, "entry {} links to the one before", e.seq);
        let unhashed = AuditEntry {
            hash: Vec::new(),
            ..e.clone()
        };
        assert_eq!(chainer(&unhashed), e.hash, "entry {} hash", e.seq);
        prev = e.hash.clone();
    }
}

pub fn new_entry(account: Option<&AccountSid>, action: &str, at: i64) -> NewAuditEntry {
    NewAuditEntry {
        at,
        account_sid: account.cloned(),
        actor: "cli".into(),
        action: action.into(),
        target: Some("SK0123".into()),
        details: Some("{\"friendly_name\":\"ci\"}".into()),
    }
}

/// Every entry, in `seq` order, read through `audit_page` in pages of `page`.
pub async fn whole_chain(store: &dyn Store, page: u32) -> Vec<AuditEntry> {
    let mut all: Vec<AuditEntry> = Vec::new();
    loop {
        let after = all.last().map_or(0, |e| e.seq);
        let got = store.audit_page(after, page).await.expect("page");
        assert!(got.len() <= page as usize);
        if got.is_empty() {
            return all;
        }
        all.extend(got);
    }
}

pub(super) async fn appends_chain_and_list(store: &dyn Store) {
    let before = whole_chain(store, 1000).await.len() as i64;
    let (a, b) = (account(store).await, account(store).await);
    let mut stored = Vec::new();
    for i in 0..7 {
        let who = if i % 2 == 0 { Some(&a) } else { Some(&b) };
        let who = if i == 6 { None } else { who };
        let e = store
            .append_audit(
                new_entry(who, &format!("act.{i}"), 5_000 + i),
                test_chainer(),
            )
            .await
            .expect("append");
        assert_eq!(e.seq, before + i + 1);
        assert_eq!(e.at, 5_000 + i);
        assert_eq!(e.actor, "cli");
        assert_eq!(e.target.as_deref(), Some("SK0123"));
        stored.push(e);
    }
    assert_eq!(stored[6].account_sid, None, "installation-level entry");
    let chain = whole_chain(store, 3).await;
    assert_chain(&chain);
    assert_eq!(
        &chain[chain.len() - 7..],
        stored.as_slice(),
        "read back as stored"
    );

    // account-scoped, newest first, paged by the seq cursor
    let mine = store.list_audit(Some(&a), None, 10).await.expect("list");
    let actions: Vec<_> = mine.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["act.4", "act.2", "act.0"]);
    let first = store.list_audit(Some(&a), None, 2).await.expect("list");
    assert_eq!(first.len(), 2);
    let rest = store
        .list_audit(Some(&a), Some(first[1].seq), 2)
        .await
        .expect("list");
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].action, "act.0");
    let theirs = store.list_audit(Some(&b), None, 10).await.expect("list");
    assert_eq!(theirs.len(), 3);
    assert!(theirs
        .iter()
        .all(|e| e.account_sid.as_deref() == Some(b.as_str())));
    let nobody = store
        .list_audit(Some(&AccountSid::generate()), None, 10)
        .await
        .expect("list");
    assert!(nobody.is_empty());
    // everything, newest first
    let all = store.list_audit(None, None, 3).await.expect("list");
    assert_eq!(
        all.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [before + 7, before + 6, before + 5]
    );
    assert!(store
        .audit_page(before + 7, 10)
        .await
        .expect("page")
        .is_empty());
}
