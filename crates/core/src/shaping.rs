//! Throughput shaping per sender: each sender type has a rate (messages per
//! second) and every message of a sender gets the next free slot at that
//! rate. A message whose slot is later is deferred to it (the claim is not an
//! attempt) and sent when it comes back. Limits are per node.

use std::collections::HashMap;
use std::sync::Mutex;
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::MessageSid;

/// What kind of sender a `From` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderKind {
    LongCode,
    TollFree,
    ShortCode,
    Alphanumeric,
}

/// North-American toll-free prefixes.
const TOLL_FREE: [&str; 7] = [
    "+1800", "+1833", "+1844", "+1855", "+1866", "+1877", "+1888",
];

pub fn sender_kind(from: &str) -> SenderKind {
    if let Some(digits) = from.strip_prefix('+') {
        if TOLL_FREE.iter().any(|p| from.starts_with(p)) {
            return SenderKind::TollFree;
        }
        if digits.len() <= 8 {
            return SenderKind::ShortCode;
        }
        return SenderKind::LongCode;
    }
    if !from.is_empty() && from.len() <= 8 && from.bytes().all(|b| b.is_ascii_digit()) {
        SenderKind::ShortCode
    } else {
        SenderKind::Alphanumeric
    }
}

/// Messages per second per sender, by kind; `0` = unlimited.
#[derive(Debug, Clone, PartialEq)]
pub struct SenderRates {
    pub long_code: f64,
    pub toll_free: f64,
    pub short_code: f64,
    pub alphanumeric: f64,
    /// Senders never shaped (the test sender).
    pub exempt: Vec<String>,
}

impl Default for SenderRates {
    fn default() -> Self {
        Self {
            long_code: 1.0,
            toll_free: 3.0,
            short_code: 100.0,
            alphanumeric: 10.0,
            exempt: Vec::new(),
        }
    }
}

impl SenderRates {
    /// No shaping at all.
    pub fn unlimited() -> Self {
        Self {
            long_code: 0.0,
            toll_free: 0.0,
            short_code: 0.0,
            alphanumeric: 0.0,
            exempt: Vec::new(),
        }
    }

    /// The rate of `from` (messages per second), `None` if not shaped.
    pub fn rate_of(&self, from: &str) -> Option<f64> {
        if self.exempt.iter().any(|e| e == from) {
            return None;
        }
        let rate = match sender_kind(from) {
            SenderKind::LongCode => self.long_code,
            SenderKind::TollFree => self.toll_free,
            SenderKind::ShortCode => self.short_code,
            SenderKind::Alphanumeric => self.alphanumeric,
        };
        (rate > 0.0).then_some(rate)
    }

    fn interval_ms(&self, from: &str) -> Option<i64> {
        self.rate_of(from)
            .map(|rate| ((1000.0 / rate).round() as i64).max(1))
    }
}

/// Slots closer than this are sent at once.
const TOLERANCE_MS: i64 = 20;

#[derive(Default)]
struct State {
    /// Per sender: the next free slot.
    next: HashMap<String, Millis>,
    /// Messages deferred to a slot they own.
    booked: HashMap<MessageSid, Millis>,
}

pub struct SenderLimiter {
    rates: SenderRates,
    state: Mutex<State>,
}

impl SenderLimiter {
    pub fn new(rates: SenderRates) -> Self {
        Self {
            rates,
            state: Mutex::new(State::default()),
        }
    }

    /// `None`: send now. `Some(t)`: defer the message to `t`, its slot.
    pub fn admit(&self, sid: &MessageSid, from: &str, now: Millis) -> Option<Millis> {
        let interval = self.rates.interval_ms(from)?;
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(slot) = s.booked.remove(sid) {
            if slot <= now + TOLERANCE_MS {
                return None;
            }
            s.booked.insert(sid.clone(), slot);
            return Some(slot);
        }
        if s.next.len() > 100_000 {
            s.next.retain(|_, t| *t > now - 60_000);
        }
        let next = s.next.entry(from.to_owned()).or_insert(now);
        let slot = (*next).max(now);
        *next = slot + interval;
        if slot <= now + TOLERANCE_MS {
            None
        } else {
            s.booked.insert(sid.clone(), slot);
            Some(slot)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(sender_kind("+15551234567"), SenderKind::LongCode);
        assert_eq!(sender_kind("+18005551234"), SenderKind::TollFree);
        assert_eq!(sender_kind("12345"), SenderKind::ShortCode);
        assert_eq!(sender_kind("Salon"), SenderKind::Alphanumeric);
        assert_eq!(sender_kind("+393331234567"), SenderKind::LongCode);
    }

    #[test]
    fn slots_are_spaced_by_the_rate_and_owned() {
        let l = SenderLimiter::new(SenderRates {
            long_code: 2.0,
            ..SenderRates::default()
        });
        let sids: Vec<MessageSid> = (0..4).map(|_| MessageSid::generate()).collect();
        let from = "+15551230001";
        assert_eq!(l.admit(&sids[0], from, 1_000), None);
        assert_eq!(l.admit(&sids[1], from, 1_000), Some(1_500));
        assert_eq!(l.admit(&sids[2], from, 1_000), Some(2_000));
        // another sender is not held back
        assert_eq!(l.admit(&sids[3], "+15551230002", 1_000), None);
        // back at its slot, a deferred message goes, without booking again
        assert_eq!(l.admit(&sids[1], from, 1_500), None);
        assert_eq!(
            l.admit(&sids[2], from, 1_600),
            Some(2_000),
            "too early: same slot"
        );
        assert_eq!(l.admit(&sids[2], from, 2_000), None);
        let late = MessageSid::generate();
        assert_eq!(l.admit(&late, from, 2_000), Some(2_500));
    }

    #[test]
    fn exempt_and_unlimited() {
        let l = SenderLimiter::new(SenderRates {
            exempt: vec!["+15005550006".into()],
            ..SenderRates::default()
        });
        for _ in 0..5 {
            assert_eq!(l.admit(&MessageSid::generate(), "+15005550006", 0), None);
        }
        let u = SenderLimiter::new(SenderRates::unlimited());
        for _ in 0..5 {
            assert_eq!(u.admit(&MessageSid::generate(), "+15551230001", 0), None);
        }
    }
}
