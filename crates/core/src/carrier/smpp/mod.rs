//! `SmppCarrier`: the `Carrier` over SMPP 3.4 connections to SMSCs.
//!
//! Each configured carrier has `connections` links (a transceiver each, or a
//! transmitter + receiver pair), kept bound by their own tasks. A message is
//! routed to the carriers whose `routes` match its destination, lowest
//! `priority` first (equal priorities share the traffic); if none of a
//! priority's links is bound, the next priority takes it (failover).
//! Carrier references are `<carrier name>:<SMSC message id>`, so receipts
//! match whichever link they arrive on.

mod codes;
mod inbound;
mod link;
mod parts;

use super::{Carrier, CarrierEvent, OutboundSms, QueryOutcome, SubmitOutcome};
use async_trait::async_trait;
use inbound::Reassembly;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use switchboard_smpp::pdu::{BindKind, ShortMessage};
use switchboard_smpp::status::{self, Class};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

pub use codes::{receipt_outcome, refused_code};
pub use parts::submit_parts;

/// How a carrier's connections bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindMode {
    Transceiver,
    /// A transmitter and a receiver connection per `connections`.
    TxRx,
}

/// One `[[carriers]]` entry.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub system_id: String,
    pub password: String,
    pub bind: BindMode,
    pub window: usize,
    /// `submit_sm` per second per connection; 0 = unlimited.
    pub max_tps: u32,
    pub connections: usize,
    /// Destination prefixes (`+39`, `+1`); `*` matches everything.
    pub routes: Vec<String>,
    pub priority: u32,
    pub enquire_link: Duration,
    pub response_timeout: Duration,
}

/// What happened to one part.
#[derive(Debug)]
pub(crate) enum PartResult {
    Accepted(String),
    Refused(u32),
    /// Sent, but no answer came (timeout or lost connection).
    Unknown,
    /// Never left this process.
    NotSent,
}

pub(crate) struct Job {
    pub sm: ShortMessage,
    pub reply: oneshot::Sender<PartResult>,
    /// Not written to the SMSC after this (the claim would expire before the answer).
    pub not_after: std::time::Instant,
}

/// Whether a destination matches a route list: `*` or a prefix of its digits (a leading `+`
/// is ignored on both). Shared by SMPP carriers and SIP trunks.
pub fn route_matches(routes: &[String], to: &str) -> bool {
    let digits = to.trim_start_matches('+');
    routes
        .iter()
        .any(|r| r == "*" || digits.starts_with(r.trim_start_matches('+')))
}

struct Route {
    cfg: Arc<LinkConfig>,
    links: Vec<(mpsc::Sender<Job>, Arc<AtomicBool>)>,
    next: AtomicUsize,
}

impl Route {
    fn matches(&self, to: &str) -> bool {
        route_matches(&self.cfg.routes, to)
    }

    fn bound_link(&self) -> Option<&mpsc::Sender<Job>> {
        let n = self.links.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|i| &self.links[(start + i) % n])
            .find(|(_, bound)| bound.load(Ordering::Acquire))
            .map(|(tx, _)| tx)
    }
}

pub(crate) fn carrier_ref(carrier: &str, message_id: &str) -> String {
    format!("{carrier}:{}", message_id.trim().to_ascii_lowercase())
}

pub struct SmppCarrier {
    routes: Vec<Route>,
    next_reference: AtomicUsize,
}

impl SmppCarrier {
    /// Starts every connection's task; they run until `shutdown`.
    pub fn start(
        configs: Vec<LinkConfig>,
        events: mpsc::Sender<CarrierEvent>,
        shutdown: CancellationToken,
    ) -> Self {
        let reassembly = Arc::new(Reassembly::new(Duration::from_secs(60)));
        let submitted = Arc::new(link::SubmitTimes::default());
        let mut routes = Vec::new();
        for cfg in configs {
            let cfg = Arc::new(cfg);
            let mut links = Vec::new();
            for i in 0..cfg.connections.max(1) {
                let (tx, rx) = mpsc::channel(cfg.window.max(1) * 4);
                let bound = Arc::new(AtomicBool::new(false));
                let (kind, receiver) = match cfg.bind {
                    BindMode::Transceiver => (BindKind::Transceiver, false),
                    BindMode::TxRx => (BindKind::Transmitter, true),
                };
                let spawn = |kind, jobs, bound: Arc<AtomicBool>, suffix: &str| {
                    let link = link::Link {
                        cfg: cfg.clone(),
                        kind,
                        label: format!("{}#{i}{suffix}", cfg.name),
                        jobs,
                        bound,
                        events: events.clone(),
                        reassembly: reassembly.clone(),
                        submitted: submitted.clone(),
                    };
                    tokio::spawn(link.run(shutdown.clone()));
                };
                spawn(kind, Some(rx), bound.clone(), "");
                if receiver {
                    spawn(
                        BindKind::Receiver,
                        None,
                        Arc::new(AtomicBool::new(false)),
                        "rx",
                    );
                }
                links.push((tx, bound));
            }
            routes.push(Route {
                cfg,
                links,
                next: AtomicUsize::new(0),
            });
        }
        routes.sort_by_key(|r| r.cfg.priority);
        tokio::spawn(flush_expired(reassembly, events, shutdown));
        Self {
            routes,
            next_reference: AtomicUsize::new(0),
        }
    }

    /// The link for a destination: lowest priority first, failing over when
    /// none of a priority's links is bound; equal priorities alternate.
    fn pick(&self, to: &str) -> Option<(&Arc<LinkConfig>, &mpsc::Sender<Job>)> {
        let matching: Vec<&Route> = self.routes.iter().filter(|r| r.matches(to)).collect();
        let mut i = 0;
        while i < matching.len() {
            let prio = matching[i].cfg.priority;
            let group: Vec<&Route> = matching[i..]
                .iter()
                .take_while(|r| r.cfg.priority == prio)
                .copied()
                .collect();
            let start = self.next_reference.load(Ordering::Relaxed);
            for k in 0..group.len() {
                let r = group[(start + k) % group.len()];
                if let Some(tx) = r.bound_link() {
                    return Some((&r.cfg, tx));
                }
            }
            i += group.len();
        }
        None
    }
}

async fn flush_expired(
    reassembly: Arc<Reassembly>,
    events: mpsc::Sender<CarrierEvent>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
        for sms in reassembly.expired() {
            tracing::warn!(from = %sms.from, to = %sms.to, "Inbound message incomplete after the reassembly timeout.");
            let _ = events.send(CarrierEvent::Inbound { sms, ack: None }).await;
        }
    }
}

fn temporary(reason: impl Into<String>, after: Duration) -> SubmitOutcome {
    SubmitOutcome::Temporary {
        reason: reason.into(),
        retry_after: Some(after),
    }
}

#[async_trait]
impl Carrier for SmppCarrier {
    fn name(&self) -> &str {
        "smpp"
    }

    fn submit_timeout(&self) -> Duration {
        self.routes
            .iter()
            .map(|r| r.cfg.response_timeout)
            .max()
            .unwrap_or(Duration::from_secs(30))
    }

    async fn submit(&self, sms: &OutboundSms) -> SubmitOutcome {
        let Some((cfg, link)) = self.pick(&sms.to) else {
            return temporary(
                "no bound SMPP connection for this destination",
                Duration::from_secs(1),
            );
        };
        let reference = (self.next_reference.fetch_add(1, Ordering::Relaxed) & 0xff) as u8;
        let mut replies = Vec::new();
        for sm in parts::submit_parts(&sms.from, &sms.to, &sms.body, reference) {
            let (tx, rx) = oneshot::channel();
            if link
                .send(Job {
                    sm,
                    reply: tx,
                    not_after: sms.not_after,
                })
                .await
                .is_err()
            {
                return temporary("SMPP connection closed", Duration::from_millis(200));
            }
            replies.push(rx);
        }
        let mut refs = Vec::with_capacity(replies.len());
        for rx in replies {
            match rx.await.unwrap_or(PartResult::NotSent) {
                PartResult::Accepted(id) => refs.push(carrier_ref(&cfg.name, &id)),
                PartResult::Refused(st) => {
                    return match status::classify(st) {
                        Class::Permanent => SubmitOutcome::Permanent {
                            code: refused_code(st),
                            reason: format!("SMSC refused the message: {}", status::name(st)),
                        },
                        _ => temporary(
                            format!("SMSC answered {}", status::name(st)),
                            Duration::from_secs(1),
                        ),
                    };
                }
                PartResult::Unknown => {
                    return temporary("no response to submit_sm", Duration::from_secs(1))
                }
                PartResult::NotSent => {
                    return temporary("SMPP connection lost", Duration::from_millis(200))
                }
            }
        }
        SubmitOutcome::Accepted { carrier_refs: refs }
    }

    async fn query(&self, _sms: &OutboundSms, _carrier_refs: &[String]) -> QueryOutcome {
        // Receipts are the source of truth; without one the message stays `sent`.
        QueryOutcome::Unknown
    }
}
