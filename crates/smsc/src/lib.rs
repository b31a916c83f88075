//! The built-in SMSC simulator: a real SMPP 3.4 server (on the `switchboard-smpp`
//! codec) that accepts binds, answers `submit_sm`, sends delivery receipts after
//! a delay, applies outcome rules by destination, and can inject mobile-originated
//! messages ("reply from a phone") through a small HTTP control endpoint.
//!
//! `switchboard smsc-sim` runs it alone; `switchboard serve` starts it in-process
//! on loopback when no `[[carriers]]` are configured, so even a laptop setup
//! sends over real SMPP.
//!
//! Layout:
//! - [`rules`]: outcome rules by destination prefix.
//! - `conn`: one task per SMPP connection.
//! - `control`: the HTTP control endpoint (`POST /mo`, `GET /stats`).

mod conn;
mod control;
pub mod journal;
pub mod rules;

use rules::Rule;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_smpp::pdu::{Frame, Pdu, ShortMessage};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SmscConfig {
    /// SMPP listener, e.g. `127.0.0.1:2775` (port 0 picks one).
    pub bind: SocketAddr,
    /// HTTP control listener; `None` disables it.
    pub control_bind: Option<SocketAddr>,
    /// Required `system_id`/`password`; `None` accepts any.
    pub credentials: Option<(String, String)>,
    /// Delay before a delivery receipt.
    pub receipt_delay: Duration,
    pub rules: Vec<Rule>,
    /// Append one line per `submit_sm` (`<dest>\t<message id or status>`) to this file.
    pub submit_log: Option<PathBuf>,
    /// Told of every accepted `submit_sm` (destination, when), for embedders
    /// that measure (benchmarks).
    pub submit_observer: Option<tokio::sync::mpsc::UnboundedSender<SubmitSeen>>,
}

/// An accepted `submit_sm`, as told to [`SmscConfig::submit_observer`].
#[derive(Debug, Clone)]
pub struct SubmitSeen {
    pub source: String,
    pub dest: String,
    pub at: std::time::Instant,
    /// The decoded text of the part.
    pub text: String,
}

impl Default for SmscConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 2775)),
            control_bind: Some(SocketAddr::from(([127, 0, 0, 1], 2776))),
            credentials: None,
            receipt_delay: Duration::from_millis(50),
            rules: Vec::new(),
            submit_log: None,
            submit_observer: None,
        }
    }
}

/// Counters, readable at `GET /stats`.
#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub binds: AtomicU64,
    pub submit_sm: AtomicU64,
    pub submit_ok: AtomicU64,
    pub rejected: AtomicU64,
    pub throttled: AtomicU64,
    pub receipts_sent: AtomicU64,
    pub mo_sent: AtomicU64,
    pub deliver_sm_resp: AtomicU64,
}

/// A bound session that can receive `deliver_sm`.
struct Receiver {
    id: u64,
    tx: mpsc::UnboundedSender<Frame>,
    seq: Arc<AtomicU32>,
}

pub(crate) struct Shared {
    cfg: SmscConfig,
    next_message_id: AtomicU64,
    next_session: AtomicU64,
    receivers: Mutex<Vec<Receiver>>,
    /// `deliver_sm`s waiting for a receiver to bind.
    pending: Mutex<VecDeque<ShortMessage>>,
    throttle_counts: Mutex<HashMap<String, u32>>,
    stats: Stats,
    journal: Mutex<Option<journal::Journal>>,
    /// Receipts written to a session and not yet answered: (session, sequence) → message id.
    unacked: Mutex<HashMap<(u64, u32), (String, ShortMessage)>>,
    /// Receipts waiting for their delay (see `conn::receipt_scheduler`).
    /// Receipts are journaled when the ESME answers them (`acked`), not here.
    receipts: mpsc::UnboundedSender<(tokio::time::Instant, ShortMessage, u64)>,
    /// The last [`INBOX_LEN`] accepted messages, newest last (`GET /messages`).
    inbox: Mutex<VecDeque<Submitted>>,
}

/// How many accepted messages the control endpoint's `GET /messages` keeps.
pub const INBOX_LEN: usize = 1000;

/// An accepted `submit_sm` as `GET /messages` shows it (one entry per part).
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Submitted {
    pub id: String,
    pub from: String,
    pub to: String,
    pub text: String,
}

impl Shared {
    /// Keeps an accepted message for `GET /messages` (the oldest goes beyond [`INBOX_LEN`]).
    fn keep(&self, m: Submitted) {
        if let Ok(mut inbox) = self.inbox.lock() {
            if inbox.len() >= INBOX_LEN {
                inbox.pop_front();
            }
            inbox.push_back(m);
        }
    }

    fn next_id(&self) -> String {
        format!("{:x}", self.next_message_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Sends a `deliver_sm` to a bound receiver (preferring `prefer`), or keeps it
    /// until one binds, as a real SMSC stores receipts for an absent ESME.
    fn deliver(&self, sm: ShortMessage, prefer: Option<u64>) {
        let Ok(receivers) = self.receivers.lock() else {
            return;
        };
        let target = prefer
            .and_then(|id| receivers.iter().find(|r| r.id == id))
            .or_else(|| receivers.first());
        if let Some(r) = target {
            let seq = next_seq(&r.seq);
            if r.tx
                .send(Frame::new(seq, Pdu::DeliverSm(sm.clone())))
                .is_ok()
            {
                // Receipts stay owed until answered (see `acked`, `session_closed`).
                let receipt_id = switchboard_smpp::pdu::esm::is_receipt(sm.esm_class)
                    .then(|| sm.tlv(switchboard_smpp::pdu::tags::RECEIPTED_MESSAGE_ID))
                    .flatten()
                    .map(|b| String::from_utf8_lossy(b).trim_end_matches('\0').to_owned());
                if let (Some(id), Ok(mut u)) = (receipt_id, self.unacked.lock()) {
                    u.insert((r.id, seq), (id, sm));
                }
                return;
            }
        }
        drop(receivers);
        if let Ok(mut p) = self.pending.lock() {
            p.push_back(sm);
        }
    }

    fn flush_pending(&self) {
        let waiting: Vec<ShortMessage> = match self.pending.lock() {
            Ok(mut p) => p.drain(..).collect(),
            Err(_) => return,
        };
        for sm in waiting {
            self.deliver(sm, None);
        }
    }

    /// A `deliver_sm_resp` arrived: a receipt is only settled (journaled) once answered.
    fn acked(&self, session: u64, sequence: u32) {
        let id = self
            .unacked
            .lock()
            .ok()
            .and_then(|mut u| u.remove(&(session, sequence)));
        if let Some((id, _)) = id {
            self.journal(|j| j.receipt(&id));
        }
    }

    /// A session ended: receipts it never answered go to another receiver (or
    /// wait for one), as an SMSC redelivers unacknowledged `deliver_sm`.
    fn session_closed(&self, session: u64) {
        let owed: Vec<ShortMessage> = match self.unacked.lock() {
            Ok(mut u) => {
                let keys: Vec<(u64, u32)> =
                    u.keys().filter(|(s, _)| *s == session).copied().collect();
                keys.into_iter()
                    .filter_map(|k| u.remove(&k))
                    .map(|(_, sm)| sm)
                    .collect()
            }
            Err(_) => Vec::new(),
        };
        for sm in owed {
            self.deliver(sm, None);
        }
    }

    fn journal(&self, f: impl FnOnce(&mut journal::Journal)) {
        if let Ok(mut guard) = self.journal.lock() {
            if let Some(j) = guard.as_mut() {
                f(j);
            }
        }
    }
}

/// Sequence numbers 1..=0x7FFFFFFF, wrapping to 1.
pub(crate) fn next_seq(seq: &AtomicU32) -> u32 {
    let n = seq.fetch_add(1, Ordering::Relaxed) & 0x7FFF_FFFF;
    if n == 0 {
        seq.fetch_add(1, Ordering::Relaxed) & 0x7FFF_FFFF
    } else {
        n
    }
}

/// A running simulator.
pub struct Smsc {
    pub smpp_addr: SocketAddr,
    pub control_addr: Option<SocketAddr>,
    shared: Arc<Shared>,
}

#[derive(Debug, thiserror::Error)]
pub enum SmscError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the submit log: {0}")]
    Log(std::io::Error),
}

impl Smsc {
    /// Binds the listeners and starts serving until `shutdown` fires.
    pub async fn start(cfg: SmscConfig, shutdown: CancellationToken) -> Result<Smsc, SmscError> {
        let listener = tokio::net::TcpListener::bind(cfg.bind)
            .await
            .map_err(|source| SmscError::Listen {
                addr: cfg.bind,
                source,
            })?;
        let smpp_addr = listener.local_addr().map_err(|source| SmscError::Listen {
            addr: cfg.bind,
            source,
        })?;
        let (log, recovered) = match &cfg.submit_log {
            Some(p) => (
                Some(journal::Journal::open(p).map_err(SmscError::Log)?),
                journal::read(p),
            ),
            None => (None, journal::Recovered::default()),
        };
        let (receipts, receipts_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            cfg: cfg.clone(),
            next_message_id: AtomicU64::new(recovered.max_id.map_or(0x1000, |m| m + 1)),
            next_session: AtomicU64::new(1),
            receivers: Mutex::new(Vec::new()),
            pending: Mutex::new(VecDeque::new()),
            throttle_counts: Mutex::new(HashMap::new()),
            stats: Stats::default(),
            journal: Mutex::new(log),
            unacked: Mutex::new(HashMap::new()),
            receipts,
            inbox: Mutex::new(VecDeque::new()),
        });
        tokio::spawn(conn::receipt_scheduler(
            shared.clone(),
            receipts_rx,
            shutdown.clone(),
        ));
        // Receipts an earlier run accepted a message for but never got answered.
        for (id, src, dst) in recovered.owed_receipts {
            let state = switchboard_smpp::receipt::ReceiptState::Delivered;
            let dlr = conn::receipt_for(&id, &src, &dst, state, "000", "");
            let _ = shared.receipts.send((tokio::time::Instant::now(), dlr, 0));
        }
        let control_addr = match cfg.control_bind {
            Some(addr) => Some(control::start(addr, shared.clone(), shutdown.clone()).await?),
            None => None,
        };
        tokio::spawn(conn::accept_loop(listener, shared.clone(), shutdown));
        tracing::info!(%smpp_addr, ?control_addr, "SMSC simulator listening.");
        Ok(Smsc {
            smpp_addr,
            control_addr,
            shared,
        })
    }

    /// Injects a mobile-originated message from `from` to `to`.
    pub fn inject_mo(&self, from: &str, to: &str, text: &str) -> usize {
        conn::inject_mo(&self.shared, from, to, text)
    }

    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }
}
