//! Attribute values of voice verbs: counts and durations (clamped with a
//! warning when too large), `loop`, `input`, DTMF digits and keys,
//! booleans, `<Reject reason>`. A value that is not what Twilio documents
//! is an [`TwimlError::InvalidAttribute`] (12200).

use std::num::NonZeroU32;

use super::ast::{Loop, RejectReason, MAX_LOOP};
use crate::schema::Cx;
use crate::xml::Element;
use crate::TwimlError;

/// Keys a DTMF `digits` string may hold (`w` waits half a second).
const DTMF: &str = "0123456789*#ABCDw";
/// Keys that may end a `<Gather>`.
const FINISH_KEYS: &str = "0123456789*#";

fn invalid(
    element: &Element,
    attribute: &str,
    value: String,
    expected: &'static str,
) -> TwimlError {
    TwimlError::InvalidAttribute {
        element: element.name.clone(),
        attribute: attribute.to_owned(),
        value,
        expected,
    }
}

/// A whole number written with ASCII digits only (no sign). Numbers too
/// big for `u32` saturate: they are valid, just over every cap.
fn whole_number(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(value.parse().unwrap_or(u32::MAX))
}

impl Cx<'_> {
    /// A positive whole number, lowered to `cap` with a warning.
    pub(super) fn positive(
        &mut self,
        element: &Element,
        attribute: &str,
        value: String,
        cap: u32,
    ) -> Result<NonZeroU32, TwimlError> {
        let expected = "a positive whole number";
        let Some(n) = whole_number(&value).and_then(NonZeroU32::new) else {
            return Err(invalid(element, attribute, value, expected));
        };
        Ok(self.clamp(element, attribute, n, cap))
    }

    fn clamp(&mut self, element: &Element, attribute: &str, n: NonZeroU32, cap: u32) -> NonZeroU32 {
        match NonZeroU32::new(cap) {
            Some(capped) if n > capped => {
                let name = &element.name;
                self.warn(format!("lowered {attribute} {n} on <{name}> to {cap}"));
                capped
            }
            _ => n,
        }
    }

    /// `loop`: absent is once, `0` is forever, anything else a count of
    /// at most [`MAX_LOOP`].
    pub(super) fn repeat(
        &mut self,
        element: &Element,
        value: Option<String>,
    ) -> Result<Loop, TwimlError> {
        let Some(value) = value else {
            return Ok(Loop::ONCE);
        };
        let Some(n) = whole_number(&value) else {
            let expected = "a whole number (0 repeats until hangup)";
            return Err(invalid(element, "loop", value, expected));
        };
        Ok(match NonZeroU32::new(n) {
            None => Loop::Forever,
            Some(n) => Loop::Times(self.clamp(element, "loop", n, MAX_LOOP)),
        })
    }

    /// `<Gather input>`: `dtmf`, `speech` or both, space-separated. Only
    /// DTMF is gathered; asking for speech warns.
    pub(super) fn input(&mut self, element: &Element, value: String) -> Result<(), TwimlError> {
        let mut speech = false;
        for token in value.split_ascii_whitespace() {
            if token.eq_ignore_ascii_case("speech") {
                speech = true;
            } else if !token.eq_ignore_ascii_case("dtmf") {
                let expected = "dtmf, speech or \"dtmf speech\"";
                return Err(invalid(element, "input", value, expected));
            }
        }
        if speech {
            let name = &element.name;
            self.warn(format!(
                "ignored speech input on <{name}>: only DTMF is gathered"
            ));
        }
        Ok(())
    }
}

/// `<Play digits>`: DTMF keys and waits.
pub(super) fn digits(element: &Element, value: String) -> Result<String, TwimlError> {
    if value.chars().all(|c| DTMF.contains(c)) {
        Ok(value)
    } else {
        let expected = "DTMF keys 0-9, *, #, A-D and w (wait)";
        Err(invalid(element, "digits", value, expected))
    }
}

/// `<Gather finishOnKey>`: one key, or empty to disable.
pub(super) fn finish_on_key(element: &Element, value: String) -> Result<Option<char>, TwimlError> {
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(None),
        (Some(key), None) if FINISH_KEYS.contains(key) => Ok(Some(key)),
        _ => {
            let expected = "one of 0-9, * and #, or empty";
            Err(invalid(element, "finishOnKey", value, expected))
        }
    }
}

/// `true` or `false`, in any case.
pub(super) fn boolean(
    element: &Element,
    attribute: &str,
    value: String,
) -> Result<bool, TwimlError> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(invalid(element, attribute, value, "true or false"))
    }
}

/// `<Reject reason>`: `rejected` or `busy`, in any case.
pub(super) fn reject_reason(element: &Element, value: String) -> Result<RejectReason, TwimlError> {
    if value.eq_ignore_ascii_case("rejected") {
        Ok(RejectReason::Rejected)
    } else if value.eq_ignore_ascii_case("busy") {
        Ok(RejectReason::Busy)
    } else {
        Err(invalid(element, "reason", value, "rejected or busy"))
    }
}
