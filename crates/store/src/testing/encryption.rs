//! Encryption at rest, on a store opened with an encrypting key ring: everything reads back
//! in clear, `To`/`From` filters and number lookups work through the blind indexes, and
//! closing an account destroys its data key (crypto-shredding). What the raw tables hold is
//! checked by each backend's own tests ([`EncryptedSample`] says what to look for).

use super::{account, new_message};
use crate::model::*;
use crate::Store;
use switchboard_domain::ids::{AccountSid, MessageSid, PhoneNumberSid};

/// Distinctive values written by [`encryption`], which must never appear in the raw tables.
pub struct EncryptedSample {
    /// Two accounts that sent the same number and body (their ciphertexts must differ).
    pub accounts: [AccountSid; 2],
    /// The message of the account that was closed.
    pub shredded: MessageSid,
    pub numbers: Vec<String>,
    pub bodies: Vec<String>,
}

/// The shared number the two accounts both send to.
pub const SHARED_TO: &str = "+15557654321";
const SHARED_FROM: &str = "+15559871234";
const SHARED_BODY: &str = "zebra-quartz-7731 secret body";
const REASON: &str = "look-alike domain quetzal-bank-login.example";
const HASH: &str = "9f1c2e-request-digest-marker";
const SPOKEN: &str = "vervain-4417 spoken code";

/// Runs the checks on `store`, which must encrypt; returns what must not be readable in it.
pub async fn encryption(store: &dyn Store) -> EncryptedSample {
    let a = account(store).await;
    let b = account(store).await;
    let mut sids = Vec::new();
    for acct in [&a, &b] {
        let mut m = new_message(acct, SHARED_TO, 5_000);
        m.from = SHARED_FROM.into();
        m.body = SHARED_BODY.into();
        let stored = store.insert_message(m.clone()).await.expect("insert");
        assert_eq!(stored.body, SHARED_BODY);
        sids.push(m.sid);
        let mut other = new_message(acct, "+15550009999", 5_001);
        other.body = "another".into();
        store.insert_message(other).await.expect("insert");
    }
    // Round trip and filters, per account.
    let got = store
        .get_message(&a, &sids[0])
        .await
        .expect("get")
        .expect("found");
    assert_eq!(
        (got.to.as_str(), got.from.as_str(), got.body.as_str()),
        (SHARED_TO, SHARED_FROM, SHARED_BODY)
    );
    for (acct, sid) in [(&a, &sids[0]), (&b, &sids[1])] {
        let by_to = MessageFilter {
            to: Some(SHARED_TO.into()),
            ..Default::default()
        };
        let found = store.list_messages(acct, &by_to, 10).await.expect("list");
        assert_eq!(found.len(), 1, "one message to {SHARED_TO}");
        assert_eq!(&found[0].sid, sid);
        assert_eq!(found[0].body, SHARED_BODY);
        let by_from = MessageFilter {
            from: Some(SHARED_FROM.into()),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_messages(acct, &by_from, 10)
                .await
                .expect("list")
                .len(),
            1
        );
    }
    // The pipeline sees clear text.
    let claimed = store.claim_due(5_000, 100, 60_000).await.expect("claim");
    let mine = claimed.iter().find(|c| c.sid == sids[0]).expect("claimed");
    assert_eq!(
        (mine.to.as_str(), mine.body.as_str()),
        (SHARED_TO, SHARED_BODY)
    );
    assert!(store.queued_from(SHARED_FROM, 10).await.is_ok());
    // Opt-outs and numbers through their blind indexes.
    store
        .opt_out(&a, SHARED_FROM, SHARED_TO, 5_000)
        .await
        .expect("opt out");
    assert!(store
        .is_opted_out(&a, SHARED_FROM, SHARED_TO)
        .await
        .expect("read"));
    assert!(!store
        .is_opted_out(&b, SHARED_FROM, SHARED_TO)
        .await
        .expect("read"));
    let listed = store.list_opt_outs(&a).await.expect("list");
    assert_eq!(listed[0].recipient, SHARED_TO);
    let number = "+15553332211";
    store
        .add_number(NewNumber {
            sid: PhoneNumberSid::generate(),
            account_sid: b.clone(),
            phone_number: number.into(),
            friendly_name: "n".into(),
            config: NumberConfig::default(),
            now: 5_000,
        })
        .await
        .expect("add number");
    let found = store
        .find_number(number)
        .await
        .expect("find")
        .expect("found");
    assert_eq!(
        (found.phone_number.as_str(), &found.account_sid),
        (number, &b)
    );
    assert_eq!(
        store.list_numbers(&b).await.expect("list")[0].phone_number,
        number
    );
    // Shield reasons quote the message's URLs; idempotency hashes digest the whole request.
    let mut screened = new_message(&b, "+15550001111", 5_002);
    screened.shield = Some(ShieldRecord {
        verdict: "flag".into(),
        score: 60,
        reasons: vec![REASON.into(), "second".into()],
    });
    let key = IdempotencyKey {
        key: "k-1".into(),
        request_hash: HASH.into(),
        not_before: 0,
    };
    let first = store
        .insert_message_once(screened.clone(), key.clone())
        .await
        .expect("once");
    assert!(matches!(first, Idempotent::Created(_)));
    let mut again = screened.clone();
    again.sid = MessageSid::generate();
    match store.insert_message_once(again.clone(), key.clone()).await {
        Ok(Idempotent::Replayed(m)) => {
            assert_eq!(m.sid, screened.sid);
            assert_eq!(m.shield.expect("shield").reasons, vec![REASON, "second"]);
        }
        other => panic!("expected a replay, got {other:?}"),
    }
    let other_hash = IdempotencyKey {
        request_hash: "different".into(),
        ..key
    };
    assert!(matches!(
        store.insert_message_once(again, other_hash).await,
        Ok(Idempotent::Mismatch)
    ));
    // Shredding: closing A destroys its key; B is untouched.
    assert!(store.close_account(&a, 6_000).await.expect("close"));
    assert!(!store
        .close_account(&AccountSid::generate(), 6_000)
        .await
        .expect("close unknown"));
    let account_a = store.get_account(&a).await.expect("get").expect("kept");
    assert_eq!(account_a.status, "closed");
    let err = store
        .get_message(&a, &sids[0])
        .await
        .expect_err("destroyed");
    assert!(err.to_string().contains("data destroyed"), "{err}");
    let again = store
        .insert_message(new_message(&a, SHARED_TO, 6_001))
        .await;
    assert!(again.is_err(), "a closed account gets no new key");
    assert!(store.list_opt_outs(&a).await.expect("list").is_empty());
    let kept = store
        .get_message(&b, &sids[1])
        .await
        .expect("get")
        .expect("found");
    assert_eq!(kept.body, SHARED_BODY);
    // A call's inline TwiML (Verify's `call` channel speaks the code in it) is sealed too.
    let mut call = super::calls::new_call(&b, SHARED_TO, 7_000);
    call.twiml = Some(format!("<Response><Say>{SPOKEN}</Say></Response>"));
    let stored = store.insert_call(call.clone()).await.expect("insert call");
    assert!(stored.twiml.as_deref().is_some_and(|t| t.contains(SPOKEN)));
    let read = store
        .get_call(&b, &call.sid)
        .await
        .expect("get")
        .expect("found");
    assert_eq!((read.to.as_str(), read.twiml), (SHARED_TO, call.twiml));
    EncryptedSample {
        accounts: [a, b],
        shredded: sids[0].clone(),
        numbers: vec![SHARED_TO.into(), SHARED_FROM.into(), number.into()],
        bodies: vec![
            SHARED_BODY.into(),
            "quetzal-bank-login".into(),
            HASH.into(),
            SPOKEN.into(),
        ],
    }
}
