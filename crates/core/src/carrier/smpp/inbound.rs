//! Reassembly of concatenated mobile-originated messages (UDH or SAR TLVs).
//! Parts may arrive out of order or on different connections; a set that does
//! not complete within the timeout is delivered with what arrived, flagged.

use super::parts::e164;
use crate::carrier::InboundSms;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use switchboard_smpp::pdu::{esm, ShortMessage};
use switchboard_smpp::{charset, udh};

type Key = (String, String, u16, u8);

struct Pending {
    parts: HashMap<u8, String>,
    first_seen: Instant,
}

pub(crate) struct Reassembly {
    timeout: Duration,
    pending: Mutex<HashMap<Key, Pending>>,
}

fn text(data_coding: u8, payload: &[u8]) -> String {
    charset::decode_for(data_coding, payload)
}

impl Reassembly {
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// Adds a `deliver_sm`; returns the message once it is complete.
    pub(crate) fn add(&self, sm: &ShortMessage) -> Option<InboundSms> {
        let (from, to) = (e164(&sm.source), e164(&sm.dest));
        let concat = if esm::has_udh(sm.esm_class) {
            udh::find_concat(&sm.short_message)
        } else {
            udh::from_sar(&sm.tlvs).map(|c| (c, &sm.short_message[..]))
        };
        let Some((c, payload)) = concat.filter(|(c, _)| c.total > 1) else {
            let body =
                match udh::split_udh(&sm.short_message).filter(|_| esm::has_udh(sm.esm_class)) {
                    Some((_, payload)) => text(sm.data_coding, payload),
                    None => text(sm.data_coding, &sm.short_message),
                };
            return Some(InboundSms {
                from,
                to,
                body,
                num_segments: 1,
                incomplete: false,
            });
        };
        let key = (from.clone(), to.clone(), c.reference, c.total);
        let mut pending = self.pending.lock().ok()?;
        let entry = pending.entry(key.clone()).or_insert_with(|| Pending {
            parts: HashMap::new(),
            first_seen: Instant::now(),
        });
        entry.parts.insert(c.seq, text(sm.data_coding, payload));
        if entry.parts.len() < usize::from(c.total) {
            return None;
        }
        let done = pending.remove(&key)?;
        Some(assemble(from, to, c.total, done, false))
    }

    /// Sets that waited longer than the timeout, delivered with what arrived.
    pub(crate) fn expired(&self) -> Vec<InboundSms> {
        let Ok(mut pending) = self.pending.lock() else {
            return Vec::new();
        };
        let old: Vec<Key> = pending
            .iter()
            .filter(|(_, p)| p.first_seen.elapsed() >= self.timeout)
            .map(|(k, _)| k.clone())
            .collect();
        old.into_iter()
            .filter_map(|k| {
                let p = pending.remove(&k)?;
                Some(assemble(k.0, k.1, k.3, p, true))
            })
            .collect()
    }
}

fn assemble(from: String, to: String, total: u8, p: Pending, incomplete: bool) -> InboundSms {
    let body = (1..=total)
        .filter_map(|i| p.parts.get(&i).cloned())
        .collect::<String>();
    InboundSms {
        from,
        to,
        body,
        num_segments: u32::from(total),
        incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_smpp::pdu::Address;

    fn part(seq: u8, total: u8, text: &str) -> ShortMessage {
        let mut data = udh::concat_header(&udh::Concat {
            reference: 42,
            total,
            seq,
            wide: false,
        });
        data.extend(charset::gsm7_encode(text).expect("gsm"));
        ShortMessage {
            source: Address::new(1, 1, "393331234567"),
            dest: Address::new(1, 1, "15550001111"),
            esm_class: esm::UDHI,
            short_message: data,
            ..ShortMessage::default()
        }
    }

    #[test]
    fn out_of_order_parts_are_reassembled() {
        let r = Reassembly::new(Duration::from_secs(30));
        assert!(r.add(&part(2, 3, "world ")).is_none());
        assert!(r.add(&part(3, 3, "again")).is_none());
        let m = r.add(&part(1, 3, "hello ")).expect("complete");
        assert_eq!(m.body, "hello world again");
        assert_eq!(
            (m.from.as_str(), m.to.as_str(), m.num_segments),
            ("+393331234567", "+15550001111", 3)
        );
        assert!(!m.incomplete);
    }

    #[test]
    fn incomplete_sets_time_out_flagged() {
        let r = Reassembly::new(Duration::ZERO);
        assert!(r.add(&part(1, 2, "only half")).is_none());
        let m = r.expired();
        assert_eq!(m.len(), 1);
        assert!(m[0].incomplete);
        assert_eq!(m[0].body, "only half");
    }

    #[test]
    fn single_part() {
        let r = Reassembly::new(Duration::from_secs(30));
        let sm = ShortMessage {
            source: Address::new(1, 1, "393331234567"),
            dest: Address::new(1, 1, "15550001111"),
            short_message: b"1".to_vec(),
            ..ShortMessage::default()
        };
        assert_eq!(r.add(&sm).map(|m| m.body), Some("1".into()));
    }
}
