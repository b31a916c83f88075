//! Encoding choice and segmentation of SMS bodies, following the behaviour of
//! Twilio's segment calculator.
//!
//! * GSM-7 when every character is in the GSM 03.38 basic or extension table.
//!   One segment holds up to 160 septets; a concatenated message holds 153
//!   septets per segment. Extension characters cost two septets (escape +
//!   code) and are never split across segments.
//! * UCS-2 otherwise. One segment holds up to 70 UTF-16 code units; a
//!   concatenated message holds 67 per segment. A surrogate pair (two code
//!   units, e.g. most emoji) is never split across segments.

use super::gsm7::{gsm7_septets, is_gsm7};

/// Septets in a single-segment GSM-7 message.
pub const GSM7_SINGLE_SEPTETS: usize = 160;
/// Septets per segment of a concatenated GSM-7 message (7 septets go to the
/// user data header).
pub const GSM7_MULTI_SEPTETS: usize = 153;
/// UTF-16 code units in a single-segment UCS-2 message.
pub const UCS2_SINGLE_UNITS: usize = 70;
/// UTF-16 code units per segment of a concatenated UCS-2 message (3 units go
/// to the user data header).
pub const UCS2_MULTI_UNITS: usize = 67;

/// The character encoding (data coding) of an SMS body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// GSM 03.38 7-bit default alphabet (with the extension table).
    Gsm7,
    /// UCS-2 / UTF-16BE (surrogate pairs allowed, as Twilio and handsets do).
    Ucs2,
}

impl Encoding {
    /// Twilio's name for the encoding: `"GSM-7"` or `"UCS-2"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }
}

/// An SMS body split into the segments it is sent as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segmentation {
    /// The encoding chosen for the whole body.
    pub encoding: Encoding,
    /// The text of each segment, in order; concatenated they give the body.
    /// An empty body yields one empty segment.
    pub segments: Vec<String>,
}

impl Segmentation {
    /// Number of segments billed for the body; at least 1 (Twilio counts an
    /// empty body as one segment).
    pub fn num_segments(&self) -> usize {
        self.segments.len().max(1)
    }
}

/// Number of Unicode scalar values in `text` (what the 1600-character body
/// limit counts).
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// Encodes `text` as UCS-2 / UTF-16 big-endian bytes; characters outside the
/// BMP become surrogate pairs (4 bytes).
pub fn ucs2_encode(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// Chooses the encoding of `text` and splits it into segments.
///
/// ```
/// use switchboard_domain::encoding::{segment, Encoding};
/// let s = segment(&"a".repeat(161));
/// assert_eq!(s.encoding, Encoding::Gsm7);
/// assert_eq!(s.num_segments(), 2);
/// assert_eq!(s.segments[0].len(), 153);
/// ```
pub fn segment(text: &str) -> Segmentation {
    let (encoding, segments) = if is_gsm7(text) {
        let cost = |c: char| usize::from(gsm7_septets(c).unwrap_or(1));
        let segments = split(text, cost, GSM7_SINGLE_SEPTETS, GSM7_MULTI_SEPTETS);
        (Encoding::Gsm7, segments)
    } else {
        let segments = split(text, char::len_utf16, UCS2_SINGLE_UNITS, UCS2_MULTI_UNITS);
        (Encoding::Ucs2, segments)
    };
    Segmentation { encoding, segments }
}

/// Splits `text` into segments, where each character costs `cost(c)` units
/// and is never split. The whole text is one segment if its total cost is at
/// most `single`; otherwise segments are filled greedily up to `multi` units.
/// Every `cost(c)` must be at most `multi` (here: at most 2).
fn split(text: &str, cost: impl Fn(char) -> usize, single: usize, multi: usize) -> Vec<String> {
    let total: usize = text.chars().map(&cost).sum();
    if total <= single {
        return vec![text.to_owned()];
    }
    let mut segments = Vec::with_capacity(total / multi + 1);
    let mut start = 0;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let units = cost(c);
        if used + units > multi && used > 0 {
            segments.push(text.get(start..i).unwrap_or_default().to_owned());
            start = i;
            used = 0;
        }
        used += units;
    }
    segments.push(text.get(start..).unwrap_or_default().to_owned());
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn septets(s: &str) -> usize {
        s.chars()
            .map(|c| usize::from(gsm7_septets(c).unwrap()))
            .sum()
    }

    fn units(s: &str) -> usize {
        s.encode_utf16().count()
    }

    /// Checks the invariants and returns the segment lengths in cost units.
    fn check(text: &str) -> (Encoding, Vec<usize>) {
        let seg = segment(text);
        assert_eq!(seg.segments.concat(), text);
        assert!(seg.num_segments() >= 1);
        let (measure, single, multi): (fn(&str) -> usize, _, _) = match seg.encoding {
            Encoding::Gsm7 => (septets, GSM7_SINGLE_SEPTETS, GSM7_MULTI_SEPTETS),
            Encoding::Ucs2 => (units, UCS2_SINGLE_UNITS, UCS2_MULTI_UNITS),
        };
        let sizes: Vec<usize> = seg.segments.iter().map(|s| measure(s)).collect();
        let limit = if sizes.len() == 1 { single } else { multi };
        assert!(sizes.iter().all(|&n| n <= limit), "{sizes:?}");
        if sizes.len() > 1 {
            assert!(sizes.iter().all(|&n| n > 0), "{sizes:?}");
        }
        (seg.encoding, sizes)
    }

    #[test]
    fn encoding_names() {
        assert_eq!(Encoding::Gsm7.as_str(), "GSM-7");
        assert_eq!(Encoding::Ucs2.as_str(), "UCS-2");
    }

    #[test]
    fn empty_body_is_one_segment() {
        let seg = segment("");
        assert_eq!(seg.encoding, Encoding::Gsm7);
        assert_eq!(seg.segments, vec![String::new()]);
        assert_eq!(seg.num_segments(), 1);
        let none = Segmentation {
            encoding: Encoding::Gsm7,
            segments: vec![],
        };
        assert_eq!(none.num_segments(), 1);
    }

    #[test]
    fn gsm_boundaries() {
        let a = |n| "a".repeat(n);
        assert_eq!(check(&a(160)), (Encoding::Gsm7, vec![160]));
        assert_eq!(check(&a(161)), (Encoding::Gsm7, vec![153, 8]));
        assert_eq!(check(&a(306)), (Encoding::Gsm7, vec![153, 153]));
        assert_eq!(check(&a(307)), (Encoding::Gsm7, vec![153, 153, 1]));
        assert_eq!(check(&"€".repeat(80)), (Encoding::Gsm7, vec![160]));
        assert_eq!(check(&"€".repeat(81)), (Encoding::Gsm7, vec![152, 10]));
    }

    #[test]
    fn escape_pair_is_never_split() {
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        let seg = segment(&text);
        assert_eq!(check(&text).1, vec![152, 153, 1]);
        assert!(seg.segments[1].starts_with('€'));

        let text = format!("{}€{}", "a".repeat(153), "a".repeat(151));
        assert_eq!(check(&text).1, vec![153, 153]);
    }

    #[test]
    fn ucs2_boundaries() {
        let zh = |n| "Ж".repeat(n);
        assert_eq!(check(&zh(70)), (Encoding::Ucs2, vec![70]));
        assert_eq!(check(&zh(71)), (Encoding::Ucs2, vec![67, 4]));
        assert_eq!(check(&zh(134)), (Encoding::Ucs2, vec![67, 67]));
        assert_eq!(check(&zh(135)), (Encoding::Ucs2, vec![67, 67, 1]));
    }

    #[test]
    fn surrogate_pair_is_never_split() {
        let text = format!("{}😀{}", "Ж".repeat(66), "Ж".repeat(66));
        let seg = segment(&text);
        assert_eq!(check(&text).1, vec![66, 67, 1]);
        assert!(seg.segments[1].starts_with('😀'));
        assert_eq!(check(&"😀".repeat(35)).1, vec![70]);
        assert_eq!(check(&"😀".repeat(36)).1, vec![66, 6]);
    }

    #[test]
    fn one_non_gsm_char_makes_everything_ucs2() {
        let text = format!("{}È", "a".repeat(100));
        assert_eq!(check(&text), (Encoding::Ucs2, vec![67, 34]));
        // GSM extension characters cost one unit in UCS-2.
        assert_eq!(check(&"€Ж".repeat(35)).1, vec![70]);
    }

    #[test]
    fn char_count_counts_scalars() {
        assert_eq!(char_count(""), 0);
        assert_eq!(char_count("ciao 😀"), 6);
        assert_eq!(char_count("€è"), 2);
    }

    #[test]
    fn ucs2_bytes() {
        assert_eq!(ucs2_encode(""), Vec::<u8>::new());
        assert_eq!(ucs2_encode("AЖ"), vec![0x00, 0x41, 0x04, 0x16]);
        assert_eq!(ucs2_encode("😀"), vec![0xD8, 0x3D, 0xDE, 0x00]);
    }
}
