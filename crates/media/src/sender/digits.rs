//! Key presses to send (Twilio's `SendDigits`, `<Play digits>`), as RFC 4733 telephone
//! events in the outgoing stream: per key, 100 ms of event packets (one every 20 ms, all
//! with the timestamp of the press's first packet and a growing duration, the first with the
//! marker bit), the end packet three times, then 60 ms of silence; `w` is a 500 ms pause.

use crate::dtmf::{key_event, TelephoneEvent};
use std::collections::VecDeque;

/// Event packets per key (100 ms).
const TONE_SLOTS: u16 = 5;
/// Times the end packet is sent (RFC 4733 §2.5.1.4).
const END_COPIES: u16 = 3;
/// Silent slots after each key.
const GAP_SLOTS: usize = 3;
/// Silent slots of a `w` (500 ms).
const WAIT_SLOTS: usize = 25;
/// Volume of our tones, −dBm0.
const VOLUME: u8 = 10;

/// One 20 ms slot of a digit string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// An event packet; `first` starts a press (its timestamp is this slot's).
    Event { event: TelephoneEvent, first: bool },
    /// Silence between keys, or a `w`.
    Gap,
}

/// The slots of `keys`; characters that are neither keys nor `w` are skipped.
pub(crate) fn slots(keys: &str) -> VecDeque<Slot> {
    let mut out = VecDeque::new();
    for c in keys.chars() {
        if c.eq_ignore_ascii_case(&'w') {
            out.extend(std::iter::repeat_n(Slot::Gap, WAIT_SLOTS));
            continue;
        }
        let Some(code) = key_event(c) else {
            continue;
        };
        for i in 1..=TONE_SLOTS + END_COPIES - 1 {
            let end = i >= TONE_SLOTS;
            out.push_back(Slot::Event {
                event: TelephoneEvent {
                    event: code,
                    end,
                    volume: VOLUME,
                    duration: 160 * i.min(TONE_SLOTS),
                },
                first: i == 1,
            });
        }
        out.extend(std::iter::repeat_n(Slot::Gap, GAP_SLOTS));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_five_event_slots_three_end_copies_and_a_gap() {
        let s = slots("1w#x");
        let events: Vec<&Slot> = s
            .iter()
            .filter(|x| matches!(x, Slot::Event { .. }))
            .collect();
        assert_eq!(events.len(), 14, "two keys of 7 packets; x is skipped");
        assert_eq!(s.len(), 7 + GAP_SLOTS + WAIT_SLOTS + 7 + GAP_SLOTS);
        let Slot::Event { event, first } = s[0] else {
            panic!()
        };
        assert!(first && !event.end && event.event == 1 && event.duration == 160);
        let Slot::Event { event, .. } = s[6] else {
            panic!()
        };
        assert!(event.end && event.duration == 800);
    }
}
