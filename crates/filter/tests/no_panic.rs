//! The analysis runs on every message of the platform: no text may panic it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use proptest::prelude::*;
use switchboard_filter::{link_blind, FilterInput, Shield, ShieldConfig};

/// Pieces URLs and lures are made of, mixed with arbitrary (often non-ASCII) text.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("http://".to_owned()),
        Just("https://".to_owned()),
        Just("hxxps://".to_owned()),
        Just("www.".to_owned()),
        Just("[.]".to_owned()),
        Just(".com".to_owned()),
        Just("xn--".to_owned()),
        Just("@".to_owned()),
        Just(":8080/".to_owned()),
        Just(" ".to_owned()),
        Just("аррle".to_owned()),
        Just("пример.рф".to_owned()),
        Just("twilio-sso".to_owned()),
        Just("£150p/msg 09061701461".to_owned()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn any_text_is_analysed_without_panicking(parts in proptest::collection::vec(piece(), 0..8)) {
        let text = parts.concat();
        let shield = Shield::new(ShieldConfig::default());
        let a = shield.analyze(&FilterInput::text(&text));
        prop_assert!(a.score <= 100);
        let _ = link_blind(&text);
    }
}
