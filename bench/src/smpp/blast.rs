//! The minimal ESME: our sans-IO `Session` and codec over one tokio
//! `TcpStream` per connection, with no persistence, no routing and no TPS
//! limit. It measures how fast the SMPP link itself can go.
//!
//! Each connection binds as a transceiver, then loops: fill the window with
//! `submit_sm`, write everything queued in this turn with one `write_all`,
//! read what arrived, decode every whole PDU and hand it to the session.
//! Receipts (`deliver_sm`, esm_class 0x04) are answered with
//! `deliver_sm_resp` in the same batched write and matched to the ids the
//! `submit_sm_resp`s carried.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::BytesMut;
use switchboard_smpp::codec;
use switchboard_smpp::pdu::{tags, Address, Bind, BindKind, ShortMessage};
use switchboard_smpp::receipt;
use switchboard_smpp::session::{Event, Session, SessionConfig};
use switchboard_smpp::status;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

/// One blast: `messages` submits over `connections` connections.
#[derive(Debug, Clone)]
pub struct BlastConfig {
    pub addr: SocketAddr,
    pub messages: u64,
    /// Outstanding submits per connection.
    pub window: usize,
    /// Ask for receipts (registered_delivery = 1) and wait for them.
    pub receipts: bool,
    pub connections: usize,
    /// Stop submitting after this long; the rates are then over what was sent.
    pub max_submit: Duration,
    /// Give up waiting for responses and receipts this long after the start.
    pub timeout: Duration,
    /// Prefix of the progress lines.
    pub label: String,
}

/// What one blast measured.
#[derive(Debug, Clone, Default)]
pub struct BlastResult {
    pub submitted: u64,
    /// `submit_sm_resp` with status 0.
    pub accepted: u64,
    /// Non-zero `submit_sm_resp` status or `generic_nack`.
    pub refused: u64,
    /// Submits that never got an answer.
    pub timed_out: u64,
    pub receipts: u64,
    /// Receipts whose id matched an accepted submit.
    pub matched: u64,
    /// First submit → last response.
    pub submit_elapsed: Duration,
    /// First submit → last receipt (when receipts were asked for).
    pub receipt_elapsed: Option<Duration>,
    /// Why the blast stopped before every answer arrived.
    pub incomplete: Option<String>,
    /// Socket writes and reads (all connections).
    pub writes: u64,
    pub reads: u64,
}

impl BlastResult {
    /// Answered submits per second.
    pub fn submit_rate(&self) -> Option<f64> {
        let secs = self.submit_elapsed.as_secs_f64();
        (secs > 0.0).then(|| (self.accepted + self.refused) as f64 / secs)
    }

    /// Receipts per second (first submit → last receipt).
    pub fn receipt_rate(&self) -> Option<f64> {
        let secs = self.receipt_elapsed?.as_secs_f64();
        (secs > 0.0 && self.receipts > 0).then(|| self.receipts as f64 / secs)
    }

    /// The headline rate: receipts/s with receipts, else submits/s.
    pub fn rate(&self, receipts: bool) -> Option<f64> {
        if receipts {
            self.receipt_rate()
        } else {
            self.submit_rate()
        }
    }
}

#[derive(Default)]
struct Progress {
    responses: AtomicU64,
    receipts: AtomicU64,
}

/// Runs one blast and waits for every answer (or the timeout).
pub async fn blast(cfg: &BlastConfig) -> Result<BlastResult> {
    let conns = cfg.connections.max(1);
    let cfg = Arc::new(cfg.clone());
    let progress = Arc::new(Progress::default());
    let barrier = Arc::new(Barrier::new(conns));
    let mut tasks = JoinSet::new();
    let per = cfg.messages / conns as u64;
    let mut first = 0u64;
    for i in 0..conns {
        let quota = per + u64::from((i as u64) < cfg.messages % conns as u64);
        tasks.spawn(run_conn(
            Arc::clone(&cfg),
            quota,
            first,
            Arc::clone(&progress),
            Arc::clone(&barrier),
        ));
        first += quota;
    }
    let ticker = tokio::spawn(report_progress(Arc::clone(&cfg), Arc::clone(&progress)));
    let mut stats = Vec::new();
    let mut failure = None;
    while let Some(joined) = tasks.join_next().await {
        match joined.context("blast connection task panicked") {
            Ok(Ok(s)) => stats.push(s),
            Ok(Err(e)) | Err(e) => {
                failure = Some(e);
                break; // dropping the JoinSet aborts the other connections
            }
        }
    }
    ticker.abort();
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(aggregate(&stats, cfg.receipts))
}

fn aggregate(stats: &[ConnStats], receipts: bool) -> BlastResult {
    let mut r = BlastResult::default();
    let first = stats.iter().filter_map(|s| s.first_submit).min();
    let last_resp = stats.iter().filter_map(|s| s.last_response).max();
    let last_receipt = stats.iter().filter_map(|s| s.last_receipt).max();
    for s in stats {
        r.submitted += s.submitted;
        r.accepted += s.accepted;
        r.refused += s.refused;
        r.timed_out += s.timed_out;
        r.receipts += s.receipts;
        r.matched += s.matched;
        r.writes += s.writes;
        r.reads += s.reads;
        if r.incomplete.is_none() {
            r.incomplete.clone_from(&s.incomplete);
        }
    }
    if let (Some(f), Some(l)) = (first, last_resp) {
        r.submit_elapsed = l.saturating_duration_since(f);
    }
    if receipts {
        r.receipt_elapsed = first
            .zip(last_receipt)
            .map(|(f, l)| l.saturating_duration_since(f));
    }
    r
}

async fn report_progress(cfg: Arc<BlastConfig>, p: Arc<Progress>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let started = Instant::now();
    let (mut last_resp, mut last_rcpt) = (0u64, 0u64);
    loop {
        tick.tick().await;
        let resp = p.responses.load(Ordering::Relaxed);
        let rcpt = p.receipts.load(Ordering::Relaxed);
        let extra = if cfg.receipts {
            format!(" receipts={rcpt:>8} ({:>6}/s)", rcpt - last_rcpt)
        } else {
            String::new()
        };
        eprintln!(
            "  [{}] t={:>4.0}s responses={resp:>8} ({:>6}/s){extra}",
            cfg.label,
            started.elapsed().as_secs_f64(),
            resp - last_resp
        );
        (last_resp, last_rcpt) = (resp, rcpt);
    }
}

#[derive(Default)]
struct ConnStats {
    submitted: u64,
    accepted: u64,
    refused: u64,
    timed_out: u64,
    receipts: u64,
    matched: u64,
    first_submit: Option<Instant>,
    last_response: Option<Instant>,
    last_receipt: Option<Instant>,
    incomplete: Option<String>,
    writes: u64,
    reads: u64,
}

struct Conn {
    stream: TcpStream,
    session: Session,
    out: BytesMut,
    inb: BytesMut,
    st: ConnStats,
    /// Accepted ids whose receipt has not come yet.
    awaiting: HashSet<String>,
    /// Receipt ids that came before their submit_sm_resp.
    early: HashSet<String>,
    receipts: bool,
    bound: bool,
    /// Unbound, link dead or bind refused.
    closed: Option<String>,
}

const READ_CHUNK: usize = 64 * 1024;

impl Conn {
    /// Writes everything queued this turn in one go.
    async fn flush(&mut self) -> Result<()> {
        if !self.out.is_empty() {
            self.stream
                .write_all(&self.out)
                .await
                .context("writing to the SMSC")?;
            self.out.clear();
            self.st.writes += 1;
        }
        Ok(())
    }

    /// Reads once (or until `deadline`) and handles every whole PDU that
    /// arrived. `Ok(false)` on timeout.
    async fn read_until(&mut self, deadline: Instant) -> Result<bool> {
        if self.inb.capacity() - self.inb.len() < READ_CHUNK / 4 {
            self.inb.reserve(READ_CHUNK);
        }
        let read =
            tokio::time::timeout_at(deadline.into(), self.stream.read_buf(&mut self.inb)).await;
        let n = match read {
            Err(_) => return Ok(false),
            Ok(r) => r.context("reading from the SMSC")?,
        };
        if n == 0 {
            self.closed
                .get_or_insert_with(|| "the SMSC closed the connection".into());
            return Ok(true);
        }
        self.st.reads += 1;
        let now = Instant::now();
        loop {
            let events = match codec::decode(&mut self.inb) {
                Ok(Some(frame)) => self.session.on_frame(frame, now),
                Ok(None) => break,
                Err(e) => {
                    let fatal = e.is_fatal();
                    let events = self.session.on_decode_error(&e, now);
                    if fatal {
                        self.closed = Some(format!("undecodable stream: {e}"));
                    }
                    events
                }
            };
            for ev in events {
                self.handle(ev, now);
            }
            if self.closed.is_some() {
                break;
            }
        }
        Ok(true)
    }

    fn handle(&mut self, ev: Event, now: Instant) {
        match ev {
            Event::Send(frame) => codec::encode(&frame, &mut self.out),
            Event::Bound { .. } => self.bound = true,
            Event::BindFailed { status: st } => {
                self.closed = Some(format!("bind refused: {}", status::name(st)));
            }
            Event::SubmitResponse {
                status: st,
                message_id,
                ..
            } => {
                self.st.last_response = Some(now);
                if st != 0 {
                    self.st.refused += 1;
                    return;
                }
                self.st.accepted += 1;
                if self.receipts {
                    if self.early.remove(&message_id) {
                        self.st.matched += 1;
                    } else {
                        self.awaiting.insert(message_id);
                    }
                }
            }
            Event::GenericNack { .. } => {
                self.st.last_response = Some(now);
                self.st.refused += 1;
            }
            Event::Timeout { .. } => self.st.timed_out += 1,
            Event::Deliver { sequence, sm } => {
                codec::encode(&self.session.respond_deliver(sequence), &mut self.out);
                if sm.is_receipt() {
                    self.st.receipts += 1;
                    self.st.last_receipt = Some(now);
                    let id = receipt_id(&sm);
                    if self.awaiting.remove(&id) {
                        self.st.matched += 1;
                    } else {
                        self.early.insert(id);
                    }
                }
            }
            Event::DataSm { sequence, .. } => {
                codec::encode(&self.session.respond_data_sm(sequence, 0), &mut self.out);
            }
            Event::Response { .. } => {}
            Event::Unbound => {
                self.closed.get_or_insert_with(|| "unbound".into());
            }
            Event::LinkDead => {
                self.closed.get_or_insert_with(|| "link dead".into());
            }
        }
    }

    fn resolved(&self) -> u64 {
        self.st.accepted + self.st.refused + self.st.timed_out
    }
}

async fn run_conn(
    cfg: Arc<BlastConfig>,
    quota: u64,
    first_n: u64,
    progress: Arc<Progress>,
    barrier: Arc<Barrier>,
) -> Result<ConnStats> {
    let stream = TcpStream::connect(cfg.addr)
        .await
        .with_context(|| format!("connecting to {}", cfg.addr))?;
    stream.set_nodelay(true).context("setting TCP_NODELAY")?;
    let mut session = Session::new(SessionConfig {
        bind: Bind::new(BindKind::Transceiver, "bench", "bench"),
        window: cfg.window.max(1),
        enquire_link_interval: Duration::from_secs(30),
        response_timeout: Duration::from_secs(30),
    });
    let mut out = BytesMut::with_capacity(READ_CHUNK);
    codec::encode(&session.start(Instant::now()), &mut out);
    let mut c = Conn {
        stream,
        session,
        out,
        inb: BytesMut::with_capacity(READ_CHUNK),
        st: ConnStats::default(),
        awaiting: HashSet::new(),
        early: HashSet::new(),
        receipts: cfg.receipts,
        bound: false,
        closed: None,
    };
    c.flush().await?;
    let bind_deadline = Instant::now() + Duration::from_secs(10);
    while !c.bound {
        if let Some(why) = &c.closed {
            bail!("SMPP bind to {} failed: {why}", cfg.addr);
        }
        if !c.read_until(bind_deadline).await? {
            bail!("no bind_resp from {} within 10 s", cfg.addr);
        }
        c.flush().await?;
    }
    barrier.wait().await;

    let start = Instant::now();
    let stop_submitting = start + cfg.max_submit;
    let give_up = start + cfg.timeout;
    let mut next_poll = start + Duration::from_secs(1);
    let mut n = first_n;
    let (mut told_resp, mut told_rcpt) = (0u64, 0u64);
    loop {
        let now = Instant::now();
        if now < stop_submitting {
            while c.st.submitted < quota && c.session.outstanding() < cfg.window.max(1) {
                let (_, frame) = c
                    .session
                    .submit(short_message(n, cfg.receipts), now)
                    .map_err(|e| anyhow::anyhow!("the session refused a submit: {e}"))?;
                codec::encode(&frame, &mut c.out);
                n += 1;
                c.st.submitted += 1;
                c.st.first_submit.get_or_insert(now);
            }
        }
        c.flush().await?;

        let resp = c.st.accepted + c.st.refused;
        if resp > told_resp || c.st.receipts > told_rcpt {
            progress
                .responses
                .fetch_add(resp - told_resp, Ordering::Relaxed);
            progress
                .receipts
                .fetch_add(c.st.receipts - told_rcpt, Ordering::Relaxed);
            (told_resp, told_rcpt) = (resp, c.st.receipts);
        }

        let all_sent = c.st.submitted == quota || now >= stop_submitting;
        let answered = c.resolved() == c.st.submitted;
        let receipted = !cfg.receipts || c.st.receipts >= c.st.accepted;
        if all_sent && answered && receipted {
            break;
        }
        if let Some(why) = &c.closed {
            c.st.incomplete = Some(why.clone());
            break;
        }
        if now >= give_up {
            c.st.incomplete = Some(format!(
                "gave up after {:?}: {} of {} submits answered, {} receipts",
                cfg.timeout,
                c.resolved(),
                c.st.submitted,
                c.st.receipts
            ));
            break;
        }
        c.read_until(next_poll.min(give_up)).await?;
        let now = Instant::now();
        if now >= next_poll {
            for ev in c.session.poll(now) {
                c.handle(ev, now);
            }
            next_poll = now + Duration::from_secs(1);
        }
    }

    // Polite goodbye; its outcome does not matter.
    if c.closed.is_none() {
        codec::encode(&c.session.unbind(Instant::now()), &mut c.out);
        if c.flush().await.is_ok() {
            let until = Instant::now() + Duration::from_secs(1);
            while c.closed.is_none() && Instant::now() < until {
                match c.read_until(until).await {
                    Ok(true) => {
                        let _ = c.flush().await;
                    }
                    _ => break,
                }
            }
        }
    }
    Ok(c.st)
}

/// Submit number `n`: a one-part GSM-7 text to a +1555 number.
fn short_message(n: u64, receipts: bool) -> ShortMessage {
    ShortMessage {
        source: Address::new(1, 1, "15005550006"),
        dest: Address::new(1, 1, &format!("1555{:07}", n % 10_000_000)),
        registered_delivery: u8::from(receipts),
        short_message: format!("Benchmark message {n}").into_bytes(),
        ..ShortMessage::default()
    }
}

/// The id a receipt refers to: the `receipted_message_id` TLV, else the text.
fn receipt_id(sm: &ShortMessage) -> String {
    if let Some(v) = sm.tlv(tags::RECEIPTED_MESSAGE_ID) {
        return String::from_utf8_lossy(v)
            .trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .to_owned();
    }
    receipt::parse(sm).map(|r| r.message_id).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_smpp::pdu::{esm, Tlv};

    #[test]
    fn builds_submits() {
        let sm = short_message(42, true);
        assert_eq!(sm.dest.addr, "15550000042");
        assert_eq!(sm.registered_delivery, 1);
        assert_eq!(sm.short_message, b"Benchmark message 42");
        assert_eq!(short_message(1, false).registered_delivery, 0);
    }

    #[test]
    fn finds_receipt_ids() {
        let mut sm = ShortMessage {
            esm_class: esm::RECEIPT,
            short_message: b"id:abc sub:001 dlvrd:001 submit date:2401010000 done date:2401010000 stat:DELIVRD err:000 text:".to_vec(),
            ..ShortMessage::default()
        };
        assert_eq!(receipt_id(&sm), "abc");
        sm.tlvs.push(Tlv::cstring(tags::RECEIPTED_MESSAGE_ID, "1f"));
        assert_eq!(receipt_id(&sm), "1f");
    }

    #[test]
    fn rates() {
        let r = BlastResult {
            accepted: 900,
            refused: 100,
            receipts: 500,
            submit_elapsed: Duration::from_millis(500),
            receipt_elapsed: Some(Duration::from_secs(1)),
            ..BlastResult::default()
        };
        assert_eq!(r.submit_rate(), Some(2000.0));
        assert_eq!(r.receipt_rate(), Some(500.0));
        assert_eq!(r.rate(true), Some(500.0));
        assert_eq!(BlastResult::default().submit_rate(), None);
    }
}
