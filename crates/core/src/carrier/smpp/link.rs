//! One SMPP connection kept bound: connect, bind, submit within the window and
//! the TPS limit, answer keepalives, hand receipts and MO messages up, and on
//! any failure reconnect with capped exponential backoff and jitter.

use super::inbound::Reassembly;
use super::{codes, Job, LinkConfig, PartResult};
use crate::carrier::{Ack, CarrierEvent};
use bytes::BytesMut;
use rand::Rng;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_smpp::codec;
use switchboard_smpp::pdu::{esm, find_tlv, tags, Bind, BindKind, Frame, Pdu};
use switchboard_smpp::session::{Event, Session, SessionConfig, State};
use switchboard_smpp::status::{self, Class};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const MAX_THROTTLE_RETRIES: u32 = 5;

pub(crate) struct Link {
    pub cfg: Arc<LinkConfig>,
    pub kind: BindKind,
    pub label: String,
    pub jobs: Option<mpsc::Receiver<Job>>,
    pub bound: Arc<AtomicBool>,
    pub events: mpsc::Sender<CarrierEvent>,
    pub reassembly: Arc<Reassembly>,
    /// When each accepted message id was answered, for the receipt latency histogram.
    pub submitted: Arc<SubmitTimes>,
}

/// Submit times by carrier reference, bounded (ids whose receipt never comes are forgotten).
#[derive(Default)]
pub(crate) struct SubmitTimes(std::sync::Mutex<HashMap<String, Instant>>);

impl SubmitTimes {
    const MAX: usize = 1_000_000;

    fn record(&self, carrier_ref: String) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= Self::MAX {
                m.clear();
            }
            m.insert(carrier_ref, Instant::now());
        }
    }

    fn take(&self, carrier_ref: &str) -> Option<Duration> {
        self.0.lock().ok()?.remove(carrier_ref).map(|t| t.elapsed())
    }
}

/// Acks for `data_sm` carry this bit (sequence numbers never use it).
const DATA_SM_ACK: u32 = 0x8000_0000;

fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(200).saturating_mul(1 << attempt.min(8));
    let capped = base.min(Duration::from_secs(30));
    capped.mul_f64(0.5 + rand::thread_rng().gen::<f64>() / 2.0)
}

impl Link {
    pub(crate) async fn run(mut self, shutdown: CancellationToken) {
        let mut attempt = 0u32;
        let mut waiting: VecDeque<(Job, u32)> = VecDeque::new();
        while !shutdown.is_cancelled() {
            let addr = format!("{}:{}", self.cfg.host, self.cfg.port);
            let connected = tokio::select! {
                _ = shutdown.cancelled() => break,
                c = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(&addr)) => c,
            };
            match connected {
                Ok(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    if self.session(stream, &mut waiting, &shutdown).await {
                        attempt = 0;
                    }
                }
                Ok(Err(e)) => {
                    tracing::warn!(link = %self.label, %addr, error = %e, "SMPP connect failed.")
                }
                Err(_) => tracing::warn!(link = %self.label, %addr, "SMPP connect timed out."),
            }
            self.bound.store(false, Ordering::Release);
            metrics::gauge!("switchboard_smpp_bound", "link" => self.label.clone()).set(0.0);
            // Jobs that never left this process can go to another connection.
            for (job, _) in waiting.drain(..) {
                let _ = job.reply.send(PartResult::NotSent);
            }
            if shutdown.is_cancelled() {
                break;
            }
            metrics::counter!("switchboard_smpp_reconnects_total", "link" => self.label.clone())
                .increment(1);
            let wait = backoff(attempt);
            attempt = attempt.saturating_add(1);
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(wait) => {}
            }
        }
        // Fail what is still queued for us so callers retry elsewhere.
        if let Some(jobs) = self.jobs.as_mut() {
            jobs.close();
            while let Ok(job) = jobs.try_recv() {
                let _ = job.reply.send(PartResult::NotSent);
            }
        }
    }

    /// One connection's life. Returns whether it got bound.
    async fn session(
        &mut self,
        stream: TcpStream,
        waiting: &mut VecDeque<(Job, u32)>,
        shutdown: &CancellationToken,
    ) -> bool {
        let (mut rd, mut wr) = stream.into_split();
        let cfg = self.cfg.clone();
        let mut session = Session::new(SessionConfig {
            bind: Bind::new(self.kind, &cfg.system_id, &cfg.password),
            window: cfg.window.max(1),
            enquire_link_interval: cfg.enquire_link,
            response_timeout: cfg.response_timeout,
        });
        let mut out = BytesMut::with_capacity(4096);
        let mut ever_bound = false;
        if write(&mut wr, &mut out, session.start(Instant::now()))
            .await
            .is_err()
        {
            return false;
        }
        let (ack_tx, mut ack_rx) = mpsc::unbounded_channel::<u32>();
        let mut inflight: HashMap<u32, (Job, u32)> = HashMap::new();
        let mut buf = BytesMut::with_capacity(16 * 1024);
        let mut paused_until = Instant::now();
        let mut throttle_pause = Duration::from_millis(100);
        let interval = (cfg.max_tps > 0).then(|| Duration::from_secs(1) / cfg.max_tps);
        let mut next_send = Instant::now();
        loop {
            if flush(&mut wr, &mut out).await.is_err() {
                break;
            }
            let now = Instant::now();
            let can_send = session.state() == State::Bound
                && self.kind.can_transmit()
                && session.outstanding() < cfg.window.max(1)
                && now >= paused_until
                && now >= next_send;
            // Throttled parts go first, before new work.
            if can_send {
                if let Some((job, throttles)) = waiting.pop_front() {
                    if self
                        .send_job(
                            &mut session,
                            &mut wr,
                            &mut out,
                            job,
                            throttles,
                            &mut inflight,
                        )
                        .await
                        .is_err()
                    {
                        break;
                    }
                    next_send = interval.map_or(now, |i| now + i);
                    continue;
                }
            }
            let deadline = [session.next_deadline(), Some(paused_until), Some(next_send)]
                .into_iter()
                .flatten()
                .filter(|d| *d > now)
                .min()
                .unwrap_or(now + Duration::from_secs(1));
            let take_jobs = can_send && self.jobs.is_some();
            tokio::select! {
                _ = shutdown.cancelled() => {
                    codec::encode(&session.unbind(Instant::now()), &mut out);
                    let _ = flush(&mut wr, &mut out).await;
                    break;
                }
                n = rd.read_buf(&mut buf) => {
                    match n {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    let mut dead = false;
                    loop {
                        let events = match codec::decode(&mut buf) {
                            Ok(Some(frame)) => session.on_frame(frame, Instant::now()),
                            Ok(None) => break,
                            Err(e) => {
                                let fatal = e.is_fatal();
                                let ev = session.on_decode_error(&e, Instant::now());
                                dead |= fatal;
                                ev
                            }
                        };
                        for ev in events {
                            match self.on_event(ev, &mut session, &mut wr, &mut out, &mut inflight, waiting, &ack_tx).await {
                                Flow::Continue => {}
                                Flow::Bound => {
                                    ever_bound = true;
                                    throttle_pause = Duration::from_millis(100);
                                }
                                Flow::Throttled => {
                                    paused_until = Instant::now() + throttle_pause;
                                    throttle_pause = (throttle_pause * 2).min(Duration::from_secs(5));
                                }
                                Flow::Close => dead = true,
                            }
                        }
                    }
                    if dead {
                        break;
                    }
                }
                job = recv_job(&mut self.jobs), if take_jobs => {
                    let Some(job) = job else { break };
                    if self.send_job(&mut session, &mut wr, &mut out, job, 0, &mut inflight).await.is_err() {
                        break;
                    }
                    // Without a TPS limit, fill the window in one write.
                    if interval.is_none() {
                        while session.outstanding() < cfg.window.max(1) {
                            let Some(job) = self.jobs.as_mut().and_then(|j| j.try_recv().ok()) else { break };
                            if self.send_job(&mut session, &mut wr, &mut out, job, 0, &mut inflight).await.is_err() {
                                break;
                            }
                        }
                    }
                    next_send = interval.map_or(Instant::now(), |i| Instant::now() + i);
                }
                Some(seq) = ack_rx.recv() => {
                    for seq in std::iter::once(seq).chain(std::iter::from_fn(|| ack_rx.try_recv().ok())) {
                        let frame = if seq & DATA_SM_ACK != 0 {
                            session.respond_data_sm(seq & !DATA_SM_ACK, 0)
                        } else {
                            session.respond_deliver(seq)
                        };
                        codec::encode(&frame, &mut out);
                    }
                }
                _ = tokio::time::sleep_until(deadline.into()) => {
                    let mut close = false;
                    for ev in session.poll(Instant::now()) {
                        if let Flow::Close = self.on_event(ev, &mut session, &mut wr, &mut out, &mut inflight, waiting, &ack_tx).await {
                            close = true;
                        }
                    }
                    if close {
                        break;
                    }
                }
            }
            metrics::gauge!("switchboard_smpp_window_in_use", "link" => self.label.clone())
                .set(session.outstanding() as f64);
        }
        // Submits that got no answer: their outcome is unknown.
        for (_, (job, _)) in inflight.drain() {
            let _ = job.reply.send(PartResult::Unknown);
        }
        let _ = wr.shutdown().await;
        ever_bound
    }

    async fn send_job(
        &self,
        session: &mut Session,
        wr: &mut OwnedWriteHalf,
        out: &mut BytesMut,
        job: Job,
        throttles: u32,
        inflight: &mut HashMap<u32, (Job, u32)>,
    ) -> std::io::Result<()> {
        if Instant::now() > job.not_after {
            // Too late: the claim ends before an answer could come; leave it for the next claim.
            let _ = job.reply.send(PartResult::NotSent);
            return Ok(());
        }
        match session.submit(job.sm.clone(), Instant::now()) {
            Ok((seq, frame)) => {
                inflight.insert(seq, (job, throttles));
                metrics::counter!("switchboard_smpp_submits_total", "link" => self.label.clone())
                    .increment(1);
                write(wr, out, frame).await
            }
            Err(_) => {
                let _ = job.reply.send(PartResult::NotSent);
                Ok(())
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn on_event(
        &self,
        ev: Event,
        session: &mut Session,
        wr: &mut OwnedWriteHalf,
        out: &mut BytesMut,
        inflight: &mut HashMap<u32, (Job, u32)>,
        waiting: &mut VecDeque<(Job, u32)>,
        acks: &mpsc::UnboundedSender<u32>,
    ) -> Flow {
        match ev {
            Event::Send(frame) => {
                if write(wr, out, frame).await.is_err() {
                    return Flow::Close;
                }
            }
            Event::Bound { system_id } => {
                tracing::info!(link = %self.label, peer = %system_id, "SMPP bound.");
                self.bound.store(true, Ordering::Release);
                metrics::gauge!("switchboard_smpp_bound", "link" => self.label.clone()).set(1.0);
                return Flow::Bound;
            }
            Event::BindFailed { status } => {
                tracing::error!(link = %self.label, status = status::name(status), "SMPP bind refused.");
                return Flow::Close;
            }
            Event::SubmitResponse {
                sequence,
                status: st,
                message_id,
            } => {
                let Some((job, throttles)) = inflight.remove(&sequence) else {
                    return Flow::Continue;
                };
                match status::classify(st) {
                    Class::Accepted => {
                        self.submitted
                            .record(super::carrier_ref(&self.cfg.name, &message_id));
                        let _ = job.reply.send(PartResult::Accepted(message_id));
                    }
                    Class::Throttled if throttles < MAX_THROTTLE_RETRIES => {
                        metrics::counter!("switchboard_smpp_throttled_total", "link" => self.label.clone()).increment(1);
                        waiting.push_back((job, throttles + 1));
                        return Flow::Throttled;
                    }
                    _ => {
                        let _ = job.reply.send(PartResult::Refused(st));
                    }
                }
            }
            Event::GenericNack {
                sequence,
                status: st,
            } => {
                if let Some((job, _)) = inflight.remove(&sequence) {
                    let _ = job.reply.send(PartResult::Refused(st));
                }
            }
            Event::Timeout { sequence } => {
                if let Some((job, _)) = inflight.remove(&sequence) {
                    let _ = job.reply.send(PartResult::Unknown);
                }
            }
            Event::Deliver { sequence, sm } => {
                let ack = Ack::new(sequence, acks.clone());
                if esm::is_receipt(sm.esm_class) {
                    self.receipt(&sm, ack).await;
                } else if let Some(sms) = self.reassembly.add(&sm) {
                    let _ = self
                        .events
                        .send(CarrierEvent::Inbound {
                            sms,
                            ack: Some(ack),
                        })
                        .await;
                } else {
                    ack.done(); // a part held for reassembly
                }
            }
            Event::DataSm { sequence, pdu } => {
                let receipt = match &pdu {
                    Pdu::DataSm {
                        esm_class,
                        data_coding,
                        tlvs,
                        ..
                    } => {
                        let payload = find_tlv(tlvs, tags::MESSAGE_PAYLOAD).unwrap_or(&[]);
                        switchboard_smpp::receipt::parse_parts(
                            *esm_class,
                            *data_coding,
                            payload,
                            tlvs,
                        )
                    }
                    _ => None,
                };
                match receipt {
                    Some(r) => {
                        self.send_receipt(r, Ack::new(sequence | DATA_SM_ACK, acks.clone()))
                            .await
                    }
                    None => {
                        // Only receipts are expected in data_sm; anything else is acknowledged and logged.
                        tracing::warn!(link = %self.label, "Ignored a data_sm that is not a delivery receipt.");
                        if write(wr, out, session.respond_data_sm(sequence, 0))
                            .await
                            .is_err()
                        {
                            return Flow::Close;
                        }
                    }
                }
            }
            Event::Response { .. } => {}
            Event::Unbound | Event::LinkDead => return Flow::Close,
        }
        Flow::Continue
    }

    async fn receipt(&self, sm: &switchboard_smpp::pdu::ShortMessage, ack: Ack) {
        let Some(r) = switchboard_smpp::receipt::parse(sm) else {
            tracing::warn!(link = %self.label, "Unparsable delivery receipt.");
            metrics::counter!("switchboard_smpp_unknown_receipts_total", "link" => self.label.clone()).increment(1);
            ack.done();
            return;
        };
        self.send_receipt(r, ack).await;
    }

    async fn send_receipt(&self, r: switchboard_smpp::receipt::DeliveryReceipt, ack: Ack) {
        let Some(outcome) = codes::receipt_outcome(&r) else {
            ack.done(); // intermediate state
            return;
        };
        let receipt = switchboard_store::Receipt {
            carrier_ref: super::carrier_ref(&self.cfg.name, &r.message_id),
            outcome,
            done_date: r.done_date.clone(),
        };
        if let Some(latency) = self.submitted.take(&receipt.carrier_ref) {
            metrics::histogram!("switchboard_smpp_receipt_latency_seconds", "carrier" => self.cfg.name.clone())
                .record(latency.as_secs_f64());
        }
        metrics::counter!("switchboard_smpp_receipts_total", "link" => self.label.clone())
            .increment(1);
        let _ = self
            .events
            .send(CarrierEvent::Receipt {
                receipt,
                ack: Some(ack),
            })
            .await;
    }
}

enum Flow {
    Continue,
    Bound,
    Throttled,
    Close,
}

async fn recv_job(jobs: &mut Option<mpsc::Receiver<Job>>) -> Option<Job> {
    match jobs {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Queues a frame; frames are written together at the top of the next loop turn.
async fn write(_wr: &mut OwnedWriteHalf, out: &mut BytesMut, frame: Frame) -> std::io::Result<()> {
    codec::encode(&frame, out);
    Ok(())
}

async fn flush(wr: &mut OwnedWriteHalf, out: &mut BytesMut) -> std::io::Result<()> {
    if !out.is_empty() {
        wr.write_all(out).await?;
        out.clear();
    }
    Ok(())
}
