//! The burst acceptance: 50 messages with the same new look-alike domain to 50 recipients
//! within 60 s are blocked from the first message when the domain scores high, and from the
//! 5th when it does not.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use switchboard_filter::{
    AccountContext, Direction, DomainIntel, FilterInput, Shield, ShieldConfig, Verdict,
};

/// Every domain was registered an hour ago.
struct Fresh;

impl DomainIntel for Fresh {
    fn age_hours(&self, _domain: &str) -> Option<u64> {
        Some(1)
    }
}

fn burst(shield: &Shield, body: &str, direction: Direction) -> Vec<Verdict> {
    let account = AccountContext::new("AC00000000000000000000000000000001", &[], &[]);
    (0..50u64)
        .map(|i| {
            let to = format!("+1555010{i:04}");
            let input = FilterInput {
                body,
                from: Some("+15559990000"),
                to: Some(&to),
                direction,
                account: Some(&account),
            };
            // 50 messages within 49 s.
            shield.screen(&input, 1_000_000 + i * 1_000).verdict
        })
        .collect()
}

#[test]
fn a_high_scoring_look_alike_is_blocked_from_the_first_message() {
    let shield = Shield::new(ShieldConfig::default());
    let v = burst(
        &shield,
        "Twilio IT: your password expires today. Re-verify at https://twilio-sso.com",
        Direction::Outbound,
    );
    assert!(v.iter().all(|v| *v == Verdict::Block), "{v:?}");
}

/// A weak look-alike (Dropbox's name under another TLD) with a neutral text: flagged alone.
const WEAK: &str = "Please see the file I shared: https://dropbox.co/s/8d7f2k";

#[test]
fn a_lower_scoring_look_alike_is_blocked_from_the_fifth_message() {
    let shield = Shield::new(ShieldConfig::default());
    let first = shield.analyze(&FilterInput::text(WEAK));
    assert_eq!(first.verdict, Verdict::Flag, "{first:?}");
    for direction in [Direction::Outbound, Direction::Inbound] {
        let shield = Shield::new(ShieldConfig::default());
        let v = burst(&shield, WEAK, direction);
        assert!(v[..4].iter().all(|v| *v == Verdict::Flag), "{v:?}");
        assert!(v[4..].iter().all(|v| *v == Verdict::Block), "{v:?}");
    }
}

#[test]
fn a_domain_known_to_be_new_scores_high_from_the_first_message() {
    let shield = Shield::new(ShieldConfig::default()).with_intel(Arc::new(Fresh));
    let v = burst(&shield, WEAK, Direction::Outbound);
    assert!(v.iter().all(|v| *v == Verdict::Block), "{v:?}");
}

#[test]
fn legitimate_bulk_traffic_is_not_a_campaign() {
    let shield = Shield::new(ShieldConfig::default());
    let v = burst(
        &shield,
        "Reminder: your appointment at Salon Bella is tomorrow at 10:00. Manage it at https://salonbella-booking.com",
        Direction::Outbound,
    );
    assert!(v.iter().all(|v| *v == Verdict::Allow), "{v:?}");
}

#[test]
fn one_sender_texting_many_employees_is_a_burst() {
    let shield = Shield::new(ShieldConfig::default());
    let v = burst(&shield, "hi, call me back when you can", Direction::Inbound);
    let account = AccountContext::new("AC00000000000000000000000000000001", &[], &[]);
    let a = shield.screen(
        &FilterInput {
            body: "hi, call me back when you can",
            from: Some("+15559990000"),
            to: Some("+15550100999"),
            direction: Direction::Inbound,
            account: Some(&account),
        },
        1_050_000,
    );
    assert!(a.has_tag("sender-burst"), "{a:?}");
    // A burst alone flags nothing: only content turns it into a verdict.
    assert!(v.iter().all(|v| *v == Verdict::Allow), "{v:?}");
}
