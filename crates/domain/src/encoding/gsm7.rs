//! The GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table.
//!
//! Code points here are *unpacked*: one byte per septet, values `0x00..=0x7F`.
//! Characters of the extension table are written as the escape septet `0x1B`
//! followed by their extension code, so they cost two septets.

/// The escape septet that introduces a character of the extension table.
pub(crate) const ESC: u8 = 0x1B;

/// The 128 code points of the GSM 03.38 basic table, indexed by septet value.
///
/// Index `0x1B` is the escape septet, not a character; [`basic_code`] and
/// [`gsm7_decode_unpacked`] never treat it as one (it holds a placeholder).
const BASIC: [char; 128] = [
    // 0x00
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
    // 0x10
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É',
    // 0x20
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
    // 0x30
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
    // 0x40
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
    // 0x50
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
    // 0x60
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    // 0x70
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/// The GSM 03.38 default extension table: `(code after ESC, character)`.
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'), // FORM FEED (page break)
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// Septet value of `c` in the basic table, if it is there.
fn basic_code(c: char) -> Option<u8> {
    let cp = u32::from(c);
    // Fast path: most printable ASCII sits at its own code point.
    if cp != u32::from(ESC) && BASIC.get(cp as usize) == Some(&c) {
        return u8::try_from(cp).ok();
    }
    BASIC
        .iter()
        .position(|&b| b == c)
        .filter(|&i| i != usize::from(ESC))
        .and_then(|i| u8::try_from(i).ok())
}

/// Extension-table code of `c` (the septet that follows ESC), if it is there.
fn extension_code(c: char) -> Option<u8> {
    EXTENSION
        .iter()
        .find(|&&(_, e)| e == c)
        .map(|&(code, _)| code)
}

/// Number of septets `c` needs in GSM-7: `Some(1)` for the basic table,
/// `Some(2)` for the extension table (escape + code), `None` if `c` cannot be
/// written in the GSM 03.38 default alphabet.
pub fn gsm7_septets(c: char) -> Option<u8> {
    if basic_code(c).is_some() {
        Some(1)
    } else if extension_code(c).is_some() {
        Some(2)
    } else {
        None
    }
}

/// `true` if every character of `text` is in the GSM 03.38 basic or extension
/// table (the empty string is GSM-7).
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| gsm7_septets(c).is_some())
}

/// Encodes `text` as unpacked GSM 03.38 septets (one byte per septet, values
/// `0x00..=0x7F`), writing `0x1B` before each extension-table character.
///
/// Returns `None` if any character is not in the GSM-7 alphabet.
pub fn gsm7_encode_unpacked(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Some(code) = basic_code(c) {
            out.push(code);
        } else {
            out.push(ESC);
            out.push(extension_code(c)?);
        }
    }
    Some(out)
}

/// Decodes unpacked GSM 03.38 septets (one byte per septet) into text.
///
/// Lenient: bytes above `0x7F`, escape sequences that are not in the
/// extension table, and a trailing lone escape each decode to `'?'`.
pub fn gsm7_decode_unpacked(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut iter = bytes.iter().copied();
    while let Some(b) = iter.next() {
        let c = if b == ESC {
            iter.next()
                .and_then(|code| EXTENSION.iter().find(|&&(e, _)| e == code))
                .map_or('?', |&(_, c)| c)
        } else {
            BASIC.get(usize::from(b)).copied().unwrap_or('?')
        };
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_table_has_127_distinct_characters() {
        let mut chars: Vec<char> = BASIC
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != usize::from(ESC))
            .map(|(_, &c)| c)
            .collect();
        assert_eq!(chars.len(), 127);
        chars.sort_unstable();
        chars.dedup();
        assert_eq!(chars.len(), 127);
        for (_, e) in EXTENSION {
            assert!(!chars.contains(&e), "{e:?} is in both tables");
        }
    }

    #[test]
    fn septet_costs() {
        for c in "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ ¤¡ÄÖÑÜ§¿äöñüàAz09".chars()
        {
            assert_eq!(gsm7_septets(c), Some(1), "{c:?}");
        }
        for c in "\u{0C}^{}\\[~]|€".chars() {
            assert_eq!(gsm7_septets(c), Some(2), "{c:?}");
        }
        for c in "ÈÀ`\u{1B}\tЖ😀\u{A0}’çÁí".chars() {
            assert_eq!(gsm7_septets(c), None, "{c:?}");
        }
    }

    #[test]
    fn is_gsm7_examples() {
        assert!(is_gsm7(""));
        assert!(is_gsm7("Perché costa 5€? Più tardi."));
        assert!(!is_gsm7("È già lì"));
        assert!(!is_gsm7("ciao 😀"));
    }

    #[test]
    fn encode_known_code_points() {
        assert_eq!(gsm7_encode_unpacked("@$_"), Some(vec![0x00, 0x02, 0x11]));
        assert_eq!(gsm7_encode_unpacked("a€"), Some(vec![0x61, 0x1B, 0x65]));
        assert_eq!(
            gsm7_encode_unpacked("\u{0C}|"),
            Some(vec![0x1B, 0x0A, 0x1B, 0x40])
        );
        assert_eq!(gsm7_encode_unpacked(""), Some(vec![]));
        assert_eq!(gsm7_encode_unpacked("È"), None);
        assert_eq!(gsm7_encode_unpacked("\u{1B}"), None);
    }

    #[test]
    fn roundtrip_every_table_entry() {
        let all: String = BASIC
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != usize::from(ESC))
            .map(|(_, &c)| c)
            .chain(EXTENSION.iter().map(|&(_, c)| c))
            .collect();
        let bytes = gsm7_encode_unpacked(&all).unwrap();
        assert_eq!(bytes.len(), 127 + 2 * 10);
        assert!(bytes.iter().all(|&b| b < 0x80));
        assert_eq!(gsm7_decode_unpacked(&bytes), all);
    }

    #[test]
    fn decode_is_lenient() {
        assert_eq!(gsm7_decode_unpacked(&[0x80, 0xFF]), "??");
        assert_eq!(gsm7_decode_unpacked(&[0x1B, 0x00, 0x61]), "?a");
        assert_eq!(gsm7_decode_unpacked(&[0x61, 0x1B]), "a?");
        assert_eq!(gsm7_decode_unpacked(&[]), "");
    }
}
