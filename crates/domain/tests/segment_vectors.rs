//! Cross-checks the segmenter against vectors computed by Twilio's segment
//! calculator (npm `sms-segments-calculator`) and `split-sms`; see
//! `testdata/SOURCES.md`.

use serde_json::Value;
use switchboard_domain::encoding::{char_count, gsm7_septets, segment, smart_encode, Encoding};

/// The text of each named case, as built by `peers/smpp/segment_vectors.js`
/// (the JSON omits texts longer than 40 UTF-16 units).
fn case_text(name: &str) -> Option<String> {
    let r = |s: &str, n: usize| s.repeat(n);
    let text = match name {
        "e-grave" => "è".to_owned(),
        "u-grave" => "ù".to_owned(),
        "euro" => "€".to_owned(),
        "E-grave-capital" => "È".to_owned(),
        "A-grave-capital" => "À".to_owned(),
        "it-lower-accents" => "à ì ò é".to_owned(),
        "it-sentence" => "Perché costa 5€? Più tardi.".to_owned(),
        "it-capital-E-grave" => "È già lì".to_owned(),
        "gsm-160" => r("a", 160),
        "gsm-161" => r("a", 161),
        "gsm-306" => r("a", 306),
        "gsm-307" => r("a", 307),
        "euro-x80" => r("€", 80),
        "euro-x81" => r("€", 81),
        "escape-straddles-boundary" => r("a", 152) + "€" + &r("a", 152),
        "escape-no-straddle" => r("a", 153) + "€" + &r("a", 151),
        "ucs2-70" => r("Ж", 70),
        "ucs2-71" => r("Ж", 71),
        "ucs2-134" => r("Ж", 134),
        "ucs2-135" => r("Ж", 135),
        "surrogate-straddles-boundary" => r("Ж", 66) + "😀" + &r("Ж", 66),
        "emoji-short" => "ciao 😀".to_owned(),
        "smart-quotes" => "“quote” — dash".to_owned(),
        _ => return None,
    };
    Some(text)
}

fn load_vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/segment_vectors.json"
    );
    let raw = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let json: Value = serde_json::from_str(&raw).unwrap_or_else(|e| panic!("parsing {path}: {e}"));
    match json {
        Value::Array(vectors) => vectors,
        other => panic!("{path}: top level is not an array: {other}"),
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string field {key} in {v}"))
}

fn usize_field(v: &Value, key: &str) -> usize {
    let n = v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("missing number field {key} in {v}"));
    usize::try_from(n).unwrap_or_else(|e| panic!("{key} = {n}: {e}"))
}

#[test]
fn all_vectors_match_twilio() {
    let vectors = load_vectors();
    assert_eq!(
        vectors.len(),
        23,
        "expected the 23 vectors of segment_vectors.js"
    );

    let mut failures = Vec::new();
    for v in &vectors {
        let name = str_field(v, "name");
        let text =
            case_text(name).unwrap_or_else(|| panic!("vector {name:?} is not in the case table"));

        // The case table must reproduce the generator's text.
        if let Some(given) = v.get("text").and_then(Value::as_str) {
            assert_eq!(text, given, "{name}: case table text differs from the JSON");
        }
        assert_eq!(
            char_count(&text),
            usize_field(v, "length"),
            "{name}: length"
        );
        assert_eq!(
            text.encode_utf16().count(),
            usize_field(v, "utf16_units"),
            "{name}: utf16"
        );

        let seg = segment(&text);
        let got = (seg.encoding.as_str(), seg.num_segments());
        let want = (str_field(v, "encoding"), usize_field(v, "segments"));
        if got != want {
            failures.push(format!("{name}: got {got:?}, Twilio {want:?}"));
        }
        assert_eq!(
            seg.segments.concat(),
            text,
            "{name}: segments do not rebuild the text"
        );

        // Twilio's character count: septets for GSM-7 (escapes count 2).
        if seg.encoding == Encoding::Gsm7 {
            let septets: usize = text
                .chars()
                .map(|c| usize::from(gsm7_septets(c).unwrap()))
                .sum();
            assert_eq!(
                septets,
                usize_field(v, "twilio_characters"),
                "{name}: septets"
            );
        }

        let smart = segment(&smart_encode(&text));
        let got = (smart.encoding.as_str(), smart.num_segments());
        let want = (
            str_field(&v["smart_encoding"], "encoding"),
            usize_field(&v["smart_encoding"], "segments"),
        );
        if got != want {
            failures.push(format!(
                "{name} (smart encoding): got {got:?}, Twilio {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}
