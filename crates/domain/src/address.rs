//! `To`/`From` addresses: E.164 phone numbers (normalised with the `phonenumber`
//! crate) or, for `From` only, an alphanumeric sender ID of 1–11 characters.

use std::fmt;

/// A parsed, normalised address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// `+` followed by 8–15 digits.
    E164(String),
    /// 1–11 ASCII letters, digits or spaces, at least one letter.
    Alphanumeric(String),
}

impl Address {
    pub fn as_str(&self) -> &str {
        match self {
            Address::E164(s) | Address::Alphanumeric(s) => s,
        }
    }

    /// Parses a destination: only phone numbers are allowed.
    pub fn parse_to(raw: &str) -> Option<Address> {
        parse_e164(raw).map(Address::E164)
    }

    /// Parses a sender: a phone number or an alphanumeric sender ID.
    pub fn parse_from(raw: &str) -> Option<Address> {
        if let Some(n) = parse_e164(raw) {
            return Some(Address::E164(n));
        }
        let t = raw.trim();
        let ok = (1..=11).contains(&t.len())
            && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ')
            && t.bytes().any(|b| b.is_ascii_alphabetic());
        ok.then(|| Address::Alphanumeric(t.to_owned()))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Already canonical `+` and 8–15 digits: the common case, checked without a full parse.
fn is_canonical(s: &str) -> bool {
    let b = s.as_bytes();
    (9..=16).contains(&b.len())
        && b[0] == b'+'
        && b[1] != b'0'
        && b[1..].iter().all(u8::is_ascii_digit)
}

/// Normalises an international number to E.164. Numbers must carry a country
/// code (`+`); punctuation such as spaces, dashes and brackets is accepted.
pub fn parse_e164(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if is_canonical_nanp(raw) {
        return Some(raw.to_owned());
    }
    parse_full(raw)
}

/// `+1` and ten digits whose area code does not start with 0 or 1: the full
/// parser returns such input unchanged (checked by a property test), and it is
/// by far the most common input, so it skips the ~15 µs parse.
fn is_canonical_nanp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12
        && b.starts_with(b"+1")
        && (b'2'..=b'9').contains(&b[2])
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// The ISO 3166 region of an E.164 number (`"US"`, `"IT"`), if known.
pub fn region_of(e164: &str) -> Option<String> {
    let number = phonenumber::parse(None, e164).ok()?;
    number.country().id().map(|id| format!("{id:?}"))
}

fn parse_full(raw: &str) -> Option<String> {
    if !raw.starts_with('+') || raw.len() > 32 {
        return None;
    }
    let number = phonenumber::parse(None, raw).ok()?;
    let formatted = number.format().mode(phonenumber::Mode::E164).to_string();
    is_canonical(&formatted).then_some(formatted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_e164() {
        assert_eq!(
            parse_e164("+1 (555) 000-1111").as_deref(),
            Some("+15550001111")
        );
        assert_eq!(
            parse_e164("+39 333 123 4567").as_deref(),
            Some("+393331234567")
        );
        assert_eq!(parse_e164("123"), None);
        assert_eq!(parse_e164("+1"), None);
        assert_eq!(parse_e164(""), None);
        assert_eq!(parse_e164("+15005550006").as_deref(), Some("+15005550006"));
    }

    #[test]
    fn sender_ids() {
        assert_eq!(
            Address::parse_from("Switchboard"),
            Some(Address::Alphanumeric("Switchboard".into()))
        );
        assert_eq!(Address::parse_from("TooLongSender1"), None);
        assert_eq!(Address::parse_from("12345"), None);
        assert_eq!(Address::parse_to("Switchboard"), None);
    }

    proptest! {
        #[test]
        fn nanp_fast_path_agrees_with_the_full_parser(n in "\\+1[2-9][0-9]{9}") {
            prop_assert!(is_canonical_nanp(&n));
            prop_assert_eq!(parse_full(&n), Some(n.clone()));
        }

        #[test]
        fn never_panics_and_output_is_canonical(s in "\\PC{0,40}") {
            if let Some(n) = parse_e164(&s) {
                prop_assert!(is_canonical(&n));
                prop_assert_eq!(parse_e164(&n), Some(n.clone()));
            }
            let _ = Address::parse_from(&s);
        }
    }
}
