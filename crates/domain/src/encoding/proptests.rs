//! Property tests for the encoding module.

use super::*;
use proptest::prelude::*;

/// One character from a mix of GSM basic, GSM extension, non-GSM BMP
/// (including look-alikes such as `È` and Smart Encoding keys) and emoji.
fn mixed_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(
            "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà"
                .chars()
                .collect::<Vec<_>>()
        ),
        2 => prop::sample::select("\u{0C}^{}\\[~]|€".chars().collect::<Vec<_>>()),
        1 => prop::sample::select("ÈÀЖ中“”—…\u{A0}\u{200B}ＡＺ".chars().collect::<Vec<_>>()),
        1 => prop::char::range('\u{100}', '\u{FFFF}'),
        1 => prop::char::range('\u{1F300}', '\u{1FAFF}'),
    ]
}

/// Mostly GSM text with an occasional other character, up to ~480 chars,
/// so that boundaries of both encodings are crossed.
fn mixed_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(mixed_char(), 0..480),
        prop::collection::vec(
            prop::sample::select("a€{}".chars().collect::<Vec<_>>()),
            140..480
        ),
    ]
    .prop_map(|v| v.into_iter().collect())
}

fn cost(encoding: Encoding, s: &str) -> usize {
    match encoding {
        Encoding::Gsm7 => s
            .chars()
            .map(|c| usize::from(gsm7_septets(c).unwrap_or(u8::MAX)))
            .sum(),
        Encoding::Ucs2 => s.encode_utf16().count(),
    }
}

fn check_segmentation(text: &str) -> Result<(), TestCaseError> {
    let seg = segment(text);
    prop_assert_eq!(seg.segments.concat(), text);
    prop_assert_eq!(seg.encoding == Encoding::Gsm7, is_gsm7(text));
    prop_assert!(seg.num_segments() >= 1);
    prop_assert_eq!(seg.num_segments(), seg.segments.len());
    let (single, multi) = match seg.encoding {
        Encoding::Gsm7 => (GSM7_SINGLE_SEPTETS, GSM7_MULTI_SEPTETS),
        Encoding::Ucs2 => (UCS2_SINGLE_UNITS, UCS2_MULTI_UNITS),
    };
    let total = cost(seg.encoding, text);
    if total <= single {
        prop_assert_eq!(seg.segments.len(), 1);
    } else {
        prop_assert!(seg.segments.len() > 1);
        for s in &seg.segments {
            let n = cost(seg.encoding, s);
            prop_assert!(n > 0 && n <= multi, "segment of {} units", n);
        }
        // Greedy: a segment is only closed when the next character does not fit.
        for pair in seg.segments.windows(2) {
            let first = pair[1]
                .chars()
                .next()
                .map_or(0, |c| cost(seg.encoding, &c.to_string()));
            prop_assert!(cost(seg.encoding, &pair[0]) + first > multi);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn segmentation_invariants_arbitrary(text in any::<String>()) {
        check_segmentation(&text)?;
    }

    #[test]
    fn segmentation_invariants_mixed(text in mixed_text()) {
        check_segmentation(&text)?;
    }

    #[test]
    fn smart_encode_total_and_idempotent(text in mixed_text()) {
        let once = smart_encode(&text);
        prop_assert_eq!(smart_encode(&once), once.clone());
        check_segmentation(&once)?;
    }

    #[test]
    fn gsm7_roundtrip(text in mixed_text()) {
        match gsm7_encode_unpacked(&text) {
            Some(bytes) => {
                prop_assert!(is_gsm7(&text));
                prop_assert_eq!(bytes.len(), cost(Encoding::Gsm7, &text));
                prop_assert!(bytes.iter().all(|&b| b < 0x80));
                prop_assert_eq!(gsm7_decode_unpacked(&bytes), text);
            }
            None => prop_assert!(!is_gsm7(&text)),
        }
    }

    #[test]
    fn gsm7_decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = gsm7_decode_unpacked(&bytes);
        prop_assert!(is_gsm7(&text));
    }

    #[test]
    fn ucs2_matches_utf16(text in any::<String>()) {
        let bytes = ucs2_encode(&text);
        prop_assert_eq!(bytes.len(), 2 * text.encode_utf16().count());
        let units: Vec<u16> = bytes.chunks(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
        prop_assert_eq!(String::from_utf16(&units).ok(), Some(text.clone()));
        prop_assert_eq!(char_count(&text), text.chars().count());
    }
}
