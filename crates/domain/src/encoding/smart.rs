// Attribution: the Smart Encoding replacement map used here (in `smart_map.rs`)
// is ported as data from `src/libs/SmartEncodingMap.ts` of Twilio's
// TwilioDevEd/message-segment-calculator, Copyright (c) 2021 Twilio Inc,
// MIT License (full licence text at the top of `smart_map.rs`).

//! Twilio "Smart Encoding": replaces look-alike Unicode characters (curly
//! quotes, dashes, the ellipsis, Unicode spaces, full-width forms, ...) with
//! GSM-7 characters, and removes invisible ones (zero-width space, word joiner,
//! byte order mark, some C0 controls), so that more bodies fit in GSM-7.

use super::smart_map::SMART_ENCODING_MAP;

/// The Smart Encoding replacement of `c`, or `None` if `c` is kept as is.
fn replacement(c: char) -> Option<&'static str> {
    SMART_ENCODING_MAP
        .binary_search_by_key(&c, |&(k, _)| k)
        .ok()
        .and_then(|i| SMART_ENCODING_MAP.get(i))
        .map(|&(_, r)| r)
}

/// Applies Twilio's Smart Encoding replacement map to `text`, one Unicode
/// scalar value at a time; characters without a replacement are kept.
///
/// The result is not necessarily GSM-7 (e.g. emoji and Cyrillic are kept),
/// and applying the function again does not change it (it is idempotent).
///
/// ```
/// use switchboard_domain::encoding::smart_encode;
/// assert_eq!(smart_encode("“quote” — dash…"), "\"quote\" - dash...");
/// ```
pub fn smart_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match replacement(c) {
            Some(r) => out.push_str(r),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::is_gsm7;
    use proptest::prelude::*;

    #[test]
    fn map_is_sorted_and_unique() {
        assert_eq!(SMART_ENCODING_MAP.len(), 270);
        for pair in SMART_ENCODING_MAP.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{:?} !< {:?}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn every_entry_is_found() {
        for &(c, r) in SMART_ENCODING_MAP {
            assert_eq!(replacement(c), Some(r));
        }
    }

    #[test]
    fn replacements_are_gsm7_and_never_keys() {
        for &(c, r) in SMART_ENCODING_MAP {
            assert!(is_gsm7(r), "{c:?} -> {r:?} is not GSM-7");
            assert!(
                r.chars().all(|rc| replacement(rc).is_none()),
                "{c:?} -> {r:?} would be replaced again"
            );
        }
    }

    #[test]
    fn examples() {
        assert_eq!(smart_encode(""), "");
        assert_eq!(smart_encode("plain text"), "plain text");
        assert_eq!(smart_encode("“quote” — dash"), "\"quote\" - dash");
        assert_eq!(smart_encode("it‘s’ ‚x„"), "it's' ,x\"");
        assert_eq!(smart_encode("a–b—c"), "a-b-c");
        assert_eq!(smart_encode("wait…"), "wait...");
        assert_eq!(smart_encode("a\u{A0}b\u{2009}c\u{3000}d"), "a b c d");
        assert_eq!(
            smart_encode("zero\u{200B}width\u{FEFF}\u{2060}"),
            "zerowidth"
        );
        assert_eq!(smart_encode("ＡＢＣ１２３！"), "ABC123!");
        assert_eq!(smart_encode("½ ¼ ¾ ÷"), "1/2 1/4 3/4 /");
        assert_eq!(smart_encode("a\tb"), "a       b");
        assert_eq!(smart_encode("`"), "'");
        assert_eq!(smart_encode("• ‼"), "- !!");
        // Unmapped non-GSM characters stay.
        assert_eq!(smart_encode("Ж 😀 È"), "Ж 😀 È");
    }

    #[test]
    fn smart_quotes_vector_becomes_gsm7() {
        assert!(is_gsm7(&smart_encode("“quote” — dash")));
    }

    proptest! {
        #[test]
        fn idempotent_on_arbitrary_strings(s in any::<String>()) {
            let once = smart_encode(&s);
            prop_assert_eq!(smart_encode(&once), once);
        }

        #[test]
        fn idempotent_on_mapped_characters(
            idx in prop::collection::vec(0..SMART_ENCODING_MAP.len(), 0..50),
            filler in "[a-zЖ€ ]{0,20}",
        ) {
            let mut s: String = idx.iter().map(|&i| SMART_ENCODING_MAP[i].0).collect();
            s.push_str(&filler);
            let once = smart_encode(&s);
            prop_assert!(once.chars().all(|c| replacement(c).is_none()));
            prop_assert_eq!(smart_encode(&once), once);
        }
    }
}
