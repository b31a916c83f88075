//! SIP trunks (`[[sip_trunks]]`): where a call to a number goes, with a cap on concurrent
//! calls per trunk. Routing follows SMPP carriers: destination prefixes (`*` = default),
//! the lowest `priority` first, equal priorities alternating; a full trunk overflows to the
//! next one that matches.

use crate::carrier::smpp::route_matches;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use switchboard_sip::TrunkTarget;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One trunk's settings.
#[derive(Debug, Clone)]
pub struct TrunkConfig {
    pub name: String,
    pub target: TrunkTarget,
    /// Destination prefixes; `*` = default route.
    pub routes: Vec<String>,
    /// Lower wins; equal priorities share calls.
    pub priority: u32,
    pub max_concurrent_calls: usize,
    /// Caller ID sent instead of the call's `From` (some trunks allow only their numbers).
    pub caller_id: Option<String>,
    /// Send numbers without the leading `+` (many trunks want bare digits).
    pub strip_plus: bool,
}

impl TrunkConfig {
    /// The user part to dial or present for `number`.
    pub fn user_part(&self, number: &str) -> String {
        if self.strip_plus {
            number.trim_start_matches('+').to_owned()
        } else {
            number.to_owned()
        }
    }

    /// The caller ID for a call from `from`.
    pub fn caller_id_for(&self, from: &str) -> String {
        self.user_part(self.caller_id.as_deref().unwrap_or(from))
    }
}

struct Trunk {
    cfg: Arc<TrunkConfig>,
    slots: Arc<Semaphore>,
}

/// The configured trunks.
pub struct Trunks {
    trunks: Vec<Trunk>,
    next: AtomicUsize,
}

/// A trunk chosen for one call; the slot is freed when this is dropped.
pub struct Seized {
    pub trunk: Arc<TrunkConfig>,
    _slot: OwnedSemaphorePermit,
}

/// Why no trunk took a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoTrunk {
    /// No trunk routes this destination: the call fails.
    NoRoute,
    /// Every matching trunk is at its limit: try again later.
    Busy,
}

impl Trunks {
    pub fn new(configs: Vec<TrunkConfig>) -> Self {
        let mut trunks: Vec<Trunk> = configs
            .into_iter()
            .map(|c| Trunk {
                slots: Arc::new(Semaphore::new(c.max_concurrent_calls)),
                cfg: Arc::new(c),
            })
            .collect();
        trunks.sort_by_key(|t| t.cfg.priority);
        Self {
            trunks,
            next: AtomicUsize::new(0),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.trunks.is_empty()
    }

    /// A trunk with a free slot for a call to `to`.
    pub fn seize(&self, to: &str) -> Result<Seized, NoTrunk> {
        let matching: Vec<&Trunk> = self
            .trunks
            .iter()
            .filter(|t| route_matches(&t.cfg.routes, to))
            .collect();
        if matching.is_empty() {
            return Err(NoTrunk::NoRoute);
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let mut i = 0;
        while i < matching.len() {
            let prio = matching[i].cfg.priority;
            let group = matching[i..]
                .iter()
                .take_while(|t| t.cfg.priority == prio)
                .count();
            for k in 0..group {
                let t = matching[i + (start + k) % group];
                if let Ok(slot) = t.slots.clone().try_acquire_owned() {
                    return Ok(Seized {
                        trunk: t.cfg.clone(),
                        _slot: slot,
                    });
                }
            }
            i += group;
        }
        Err(NoTrunk::Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trunk(name: &str, routes: &[&str], priority: u32, max: usize) -> TrunkConfig {
        TrunkConfig {
            name: name.into(),
            target: TrunkTarget {
                host: "127.0.0.1".into(),
                port: 5060,
                username: None,
                password: None,
            },
            routes: routes.iter().map(|r| (*r).to_owned()).collect(),
            priority,
            max_concurrent_calls: max,
            caller_id: None,
            strip_plus: false,
        }
    }

    #[test]
    fn prefix_priority_and_overflow() {
        let t = Trunks::new(vec![
            trunk("it", &["+39"], 1, 1),
            trunk("backup", &["*"], 2, 1),
        ]);
        let a = t.seize("+393331234567").expect("it");
        assert_eq!(a.trunk.name, "it");
        let b = t.seize("+393331234568").expect("overflow");
        assert_eq!(b.trunk.name, "backup");
        assert_eq!(t.seize("+39333").err(), Some(NoTrunk::Busy));
        drop(a);
        assert_eq!(
            t.seize("+39333").ok().map(|s| s.trunk.name.clone()),
            Some("it".into())
        );
        assert_eq!(
            Trunks::new(vec![trunk("us", &["1"], 1, 1)])
                .seize("+44")
                .err(),
            Some(NoTrunk::NoRoute)
        );
    }

    #[test]
    fn caller_id_rules() {
        let mut c = trunk("x", &["*"], 1, 1);
        c.strip_plus = true;
        assert_eq!(c.caller_id_for("+15551234567"), "15551234567");
        c.caller_id = Some("+15550000000".into());
        assert_eq!(c.caller_id_for("+15551234567"), "15550000000");
    }
}
