//! The smishing shield's storage: per-account settings, verdicts stored with messages, and the
//! webhook rows its verdicts cause (a refused outbound message's callback, inbound alerts).

use super::{account, new_message};
use crate::model::*;
use crate::Store;
use switchboard_domain::ids::PhoneNumberSid;
use switchboard_domain::message::{Direction, MessageStatus};

pub(super) async fn settings_round_trip(store: &dyn Store) {
    let a = account(store).await;
    assert_eq!(store.get_shield_settings(&a).await.expect("get"), None);
    let s = ShieldSettings {
        protected_names: vec!["acme".into(), "acme-corp".into()],
        protected_domains: vec!["acme.com".into()],
        alert_url: "https://soc.acme.example/alert".into(),
        flag_threshold: Some(40),
        block_threshold: None,
        date_updated: 5,
    };
    store.put_shield_settings(&a, s.clone()).await.expect("put");
    assert_eq!(
        store.get_shield_settings(&a).await.expect("get"),
        Some(s.clone())
    );
    let changed = ShieldSettings {
        protected_names: vec![],
        alert_url: String::new(),
        flag_threshold: None,
        block_threshold: Some(90),
        date_updated: 6,
        ..s
    };
    store
        .put_shield_settings(&a, changed.clone())
        .await
        .expect("replace");
    assert_eq!(
        store.get_shield_settings(&a).await.expect("get"),
        Some(changed)
    );
    // Another account sees nothing of it.
    let b = account(store).await;
    assert_eq!(store.get_shield_settings(&b).await.expect("get"), None);
}

pub(super) async fn verdicts_are_stored_and_cause_webhooks(store: &dyn Store) {
    let t = 40_000_000;
    let a = account(store).await;
    // Outbound, blocked: stored failed with 30007, never queued, its callback reports it.
    let blocked = NewMessage {
        status: MessageStatus::Failed,
        error_code: Some(30007),
        error_message: Some("Message filtered".into()),
        status_callback: Some("https://app.example/status".into()),
        shield: Some(ShieldRecord {
            verdict: "block".into(),
            score: 100,
            reasons: vec!["twilio-sso.com imitates twilio".into(), "urgency".into()],
        }),
        ..new_message(&a, "+15550009601", t)
    };
    let sid = blocked.sid.clone();
    let stored = store.insert_message(blocked.clone()).await.expect("insert");
    assert_eq!(stored.shield, blocked.shield);
    assert_eq!(stored.error_code, Some(30007));
    let got = store
        .get_message(&a, &sid)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(got.status, MessageStatus::Failed);
    assert_eq!(
        (got.error_code, got.error_message.as_deref()),
        (Some(30007), Some("Message filtered"))
    );
    assert_eq!(got.shield, blocked.shield);
    assert!(
        store
            .claim_due(t + 1, 1000, t + 100)
            .await
            .expect("claim")
            .iter()
            .all(|c| c.sid != sid),
        "a refused message is never queued"
    );
    let hooks = store.list_webhooks(&a, &sid).await.expect("hooks");
    assert_eq!(hooks.len(), 1);
    assert_eq!(
        (hooks[0].kind, hooks[0].status, hooks[0].error_code),
        (WebhookKind::Status, MessageStatus::Failed, Some(30007))
    );

    // Inbound: an alert row only for flag/block and only with an alert URL; the alert does not
    // wait for the incoming webhook of the same message (nor the reverse).
    store
        .put_shield_settings(
            &a,
            ShieldSettings {
                alert_url: "https://soc.example/alert".into(),
                date_updated: t,
                ..ShieldSettings::default()
            },
        )
        .await
        .expect("settings");
    store
        .add_number(NewNumber {
            sid: PhoneNumberSid::generate(),
            account_sid: a.clone(),
            phone_number: "+15550009602".into(),
            friendly_name: String::new(),
            config: NumberConfig {
                sms_url: "https://app.example/sms".into(),
                ..NumberConfig::default()
            },
            now: t,
        })
        .await
        .expect("number");
    let inbound = |verdict: &str| NewMessage {
        direction: Direction::Inbound,
        status: MessageStatus::Received,
        from: "+15550009699".into(),
        shield: Some(ShieldRecord {
            verdict: verdict.into(),
            score: if verdict == "allow" { 5 } else { 85 },
            reasons: vec![],
        }),
        ..new_message(&a, "+15550009602", t + 10)
    };
    let ok = inbound("allow");
    let ok_sid = ok.sid.clone();
    store.insert_message(ok).await.expect("inbound");
    let bad = inbound("block");
    let bad_sid = bad.sid.clone();
    store.insert_message(bad).await.expect("inbound");
    let kinds = |hooks: Vec<WebhookRecord>| hooks.iter().map(|h| h.kind).collect::<Vec<_>>();
    assert_eq!(
        kinds(store.list_webhooks(&a, &ok_sid).await.expect("hooks")),
        [WebhookKind::Incoming]
    );
    let mut bad_kinds = kinds(store.list_webhooks(&a, &bad_sid).await.expect("hooks"));
    bad_kinds.sort_by_key(|k| k.as_str());
    assert_eq!(bad_kinds, [WebhookKind::Alert, WebhookKind::Incoming]);
    let claimed: Vec<WebhookRecord> = store
        .claim_webhooks(t + 11, 1000, t + 10_000)
        .await
        .expect("claim")
        .into_iter()
        .filter(|h| h.message.sid == bad_sid)
        .collect();
    assert_eq!(
        claimed.len(),
        2,
        "the alert and the incoming row are claimable together"
    );
    let alert = claimed
        .iter()
        .find(|h| h.kind == WebhookKind::Alert)
        .expect("alert");
    assert_eq!(alert.url, "https://soc.example/alert");
    assert_eq!(
        alert.message.shield.as_ref().map(|s| s.verdict.as_str()),
        Some("block")
    );
    for h in claimed {
        store
            .record_webhook(h.id, t + 12, super::two_way::done())
            .await
            .expect("record");
    }
    // Leave nothing pending for later checks.
    for h in store
        .claim_webhooks(t + 13, 1000, t + 10_000)
        .await
        .expect("claim")
    {
        store
            .record_webhook(h.id, t + 14, super::two_way::done())
            .await
            .expect("record");
    }
}
