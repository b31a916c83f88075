//! The delivery pipeline.
//!
//! A dispatcher claims due queue entries with a lease, hands each to the carrier
//! (at most `max_in_flight` at once), classifies the outcome into a
//! `QueueUpdate`, and a recorder writes updates in batches. A receipt task
//! applies delivery receipts in batches. A crashed node's leases run out and its
//! entries are claimed again, so delivery is at-least-once per attempt and no
//! accepted message is lost.

use crate::carrier::{Carrier, CarrierEvent, OutboundSms, QueryOutcome, SubmitOutcome};
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use switchboard_domain::clock::Clock;
use switchboard_domain::error_codes;
use switchboard_domain::message::{DeliveryOutcome, MessageStatus};
use switchboard_domain::retry::{next_attempt, RetryPolicy};
use switchboard_store::{Claimed, Phase, QueueUpdate, Store};
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What wakes the pipeline's tasks and its neighbours early.
#[derive(Clone, Default)]
pub struct Wakes {
    /// Notified when messages are queued (wakes the dispatcher).
    pub queued: Arc<Notify>,
    /// Notified when inbound messages were stored (wakes the webhook dispatcher).
    pub webhooks: Arc<Notify>,
}

/// Tasks writing delivery outcomes to the store.
const RECORDERS: usize = 3;

#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Most entries claimed per store round trip.
    pub batch_size: u32,
    /// Most carrier submissions awaiting an answer.
    pub max_in_flight: usize,
    /// How long a claim is held before another worker may take it.
    pub lease: Duration,
    /// How often to look for due entries when nothing wakes the dispatcher.
    pub poll_interval: Duration,
    /// How long to wait for a receipt before asking the carrier.
    pub receipt_timeout: Duration,
    pub retry: RetryPolicy,
    /// Per-sender rates (messages per second by sender kind).
    pub sender_rates: crate::shaping::SenderRates,
    /// Screens inbound messages before they are stored (`None`: not screened).
    pub shield: Option<Arc<crate::shield::Screening>>,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            batch_size: 512,
            max_in_flight: 2048,
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_millis(250),
            receipt_timeout: Duration::from_secs(600),
            retry: RetryPolicy::default(),
            sender_rates: crate::shaping::SenderRates::default(),
            shield: None,
        }
    }
}

/// The running pipeline's tasks.
pub struct Pipeline {
    handles: Vec<JoinHandle<()>>,
}

impl Pipeline {
    /// Starts the dispatcher, the recorder and the receipt task.
    pub fn start(
        store: Arc<dyn Store>,
        carrier: Arc<dyn Carrier>,
        clock: Arc<dyn Clock>,
        cfg: PipelineConfig,
        wakes: Wakes,
        receipts: mpsc::Receiver<CarrierEvent>,
        shutdown: CancellationToken,
    ) -> Self {
        let (updates_tx, updates_rx) =
            mpsc::channel::<(i64, QueueUpdate)>(cfg.max_in_flight.max(1) * 2);
        // Several recorders, so a slow transaction (PostgreSQL under load) does not
        // hold every update back past its lease.
        let updates_rx = Arc::new(tokio::sync::Mutex::new(updates_rx));
        let mut handles: Vec<JoinHandle<()>> = (0..RECORDERS)
            .map(|_| {
                tokio::spawn(record_loop(
                    store.clone(),
                    clock.clone(),
                    updates_rx.clone(),
                ))
            })
            .collect();
        let receipt_task = tokio::spawn(receipt_loop(
            store.clone(),
            clock.clone(),
            cfg.shield.clone(),
            receipts,
            shutdown.clone(),
            [wakes.queued.clone(), wakes.webhooks],
        ));
        let limiter = crate::shaping::SenderLimiter::new(cfg.sender_rates.clone());
        let dispatcher = Dispatcher {
            limiter,
            store,
            carrier,
            clock,
            cfg,
            wake: wakes.queued,
            updates: updates_tx,
        };
        let dispatch = tokio::spawn(dispatcher.run(shutdown));
        Self {
            handles: {
                handles.push(dispatch);
                handles.push(receipt_task);
                handles
            },
        }
    }

    /// Waits until every task has finished (after the shutdown token fired).
    pub async fn join(self) {
        for h in self.handles {
            let _ = h.await;
        }
    }
}

struct Dispatcher {
    limiter: crate::shaping::SenderLimiter,
    store: Arc<dyn Store>,
    carrier: Arc<dyn Carrier>,
    clock: Arc<dyn Clock>,
    cfg: PipelineConfig,
    wake: Arc<Notify>,
    updates: mpsc::Sender<(i64, QueueUpdate)>,
}

impl Dispatcher {
    async fn run(self, shutdown: CancellationToken) {
        let slots = Arc::new(Semaphore::new(self.cfg.max_in_flight.max(1)));
        let this = Arc::new(self);
        while !shutdown.is_cancelled() {
            let free = slots.available_permits();
            if free == 0 {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    p = slots.clone().acquire_owned() => drop(p),
                }
                continue;
            }
            let limit = this
                .cfg
                .batch_size
                .min(u32::try_from(free).unwrap_or(u32::MAX));
            let now = this.clock.now_millis();
            let lease_until = now + millis(this.cfg.lease);
            let claimed = match this.store.claim_due(now, limit, lease_until).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "Claiming due messages failed; retrying.");
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = this.wake.notified() => {}
                    _ = tokio::time::sleep(this.cfg.poll_interval) => {}
                }
                continue;
            }
            for entry in claimed {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    break;
                };
                let this = this.clone();
                tokio::spawn(async move {
                    let lease = entry.lease_until;
                    if let Some(update) = this.handle(entry).await {
                        let _ = this.updates.send((lease, update)).await;
                    }
                    drop(permit);
                });
            }
        }
        // Finish what was claimed: wait until every in-flight submission has reported.
        let _ = slots
            .acquire_many(u32::try_from(this.cfg.max_in_flight.max(1)).unwrap_or(u32::MAX))
            .await;
        tracing::info!("Delivery dispatcher stopped.");
    }

    /// Acts on a claimed entry; `None` when the claim is too close to its end
    /// to hand the message over safely (it is left for the next claim).
    async fn handle(&self, c: Claimed) -> Option<QueueUpdate> {
        let now = self.clock.now_millis();
        // The carrier must have answered before the lease ends, or another node
        // could claim and send the message again.
        // …and its outcome recorded: a quarter of the lease is kept for that.
        let record_margin = millis(self.cfg.lease) / 4;
        let mut budget =
            c.lease_until - now - millis(self.carrier.submit_timeout()) - record_margin;
        // Never handed to a carrier after its ValidityPeriod: a submit still
        // waiting for a link at that point is given up (and the message failed).
        if let (Phase::Submit, Some(v)) = (&c.phase, c.validity_secs) {
            let left = c.date_created + i64::from(v) * 1000 - now;
            if left <= 0 {
                return Some(finish_failed(c.sid, 30001));
            }
            budget = budget.min(left);
        }
        if budget <= 0 {
            tracing::warn!(message_sid = %c.sid, "Claim too close to its lease end; leaving it for the next claim.");
            return None;
        }
        let not_after =
            std::time::Instant::now() + Duration::from_millis(u64::try_from(budget).unwrap_or(0));
        let sms = OutboundSms {
            sid: c.sid.clone(),
            to: c.to,
            from: c.from,
            body: c.body,
            encoding: c.encoding,
            not_after,
        };
        match c.phase {
            Phase::Submit => {
                let now = self.clock.now_millis();
                let expired = c
                    .validity_secs
                    .is_some_and(|v| now > c.date_created + i64::from(v) * 1000);
                if expired {
                    return Some(finish_failed(c.sid, 30001));
                }
                if let Some(slot) = self.limiter.admit(&c.sid, &sms.from, now) {
                    metrics::counter!("switchboard_messages_deferred_total").increment(1);
                    return Some(QueueUpdate::Defer {
                        sid: c.sid,
                        due_at: slot,
                    });
                }
                let outcome = self.carrier.submit(&sms).await;
                metrics::counter!("switchboard_carrier_submits_total", "carrier" => self.carrier.name().to_owned(), "outcome" => outcome_label(&outcome)).increment(1);
                Some(self.classify(c.sid, c.attempts, outcome))
            }
            Phase::AwaitReceipt { carrier_refs } => {
                Some(match self.carrier.query(&sms, &carrier_refs).await {
                    QueryOutcome::Final(outcome) => QueueUpdate::Finish {
                        sid: c.sid,
                        outcome,
                    },
                    QueryOutcome::Unknown => QueueUpdate::StopWaiting { sid: c.sid },
                })
            }
        }
    }

    fn classify(
        &self,
        sid: switchboard_domain::ids::MessageSid,
        attempts: u32,
        outcome: SubmitOutcome,
    ) -> QueueUpdate {
        let now = self.clock.now_millis();
        match outcome {
            SubmitOutcome::Accepted { carrier_refs } => QueueUpdate::Sent {
                sid,
                carrier_refs,
                receipt_due: now + millis(self.cfg.receipt_timeout),
            },
            SubmitOutcome::Permanent { code, .. } => finish_failed(sid, code),
            SubmitOutcome::Temporary {
                reason,
                retry_after,
            } => {
                let jitter = rand::thread_rng().gen::<f64>();
                match next_attempt(attempts, &self.cfg.retry, jitter) {
                    Some(backoff) => {
                        let wait = retry_after.map_or(backoff, |r| r.max(backoff));
                        tracing::debug!(message_sid = %sid, reason, "Temporary carrier failure; will retry.");
                        QueueUpdate::Retry {
                            sid,
                            due_at: now + millis(wait),
                            error: None,
                        }
                    }
                    None => finish_failed(sid, 30001),
                }
            }
        }
    }
}

fn finish_failed(sid: switchboard_domain::ids::MessageSid, code: u32) -> QueueUpdate {
    QueueUpdate::Finish {
        sid,
        outcome: DeliveryOutcome {
            status: MessageStatus::Failed,
            error_code: Some(code),
            error_message: Some(error_codes::lookup(code).message.to_owned()),
        },
    }
}

fn outcome_label(o: &SubmitOutcome) -> &'static str {
    match o {
        SubmitOutcome::Accepted { .. } => "accepted",
        SubmitOutcome::Temporary { .. } => "temporary",
        SubmitOutcome::Permanent { .. } => "permanent",
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// Drains a channel into batches: waits for one item, then takes what is ready.
async fn next_batch<T>(rx: &mut mpsc::Receiver<T>, max: usize) -> Option<Vec<T>> {
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < max {
        match rx.try_recv() {
            Ok(x) => batch.push(x),
            Err(_) => break,
        }
    }
    Some(batch)
}

async fn record_loop(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<(i64, QueueUpdate)>>>,
) {
    loop {
        let batch = {
            let mut rx = rx.lock().await;
            next_batch(&mut rx, 1024).await
        };
        let Some(batch) = batch else { break };
        record_batch(store.as_ref(), clock.as_ref(), batch).await;
    }
}

/// Writes a batch of updates. While the store is unavailable it keeps trying
/// (the leases still protect the entries). If the batch is refused for another
/// reason, each update is tried on its own so one bad update cannot block the
/// rest; an update that still fails is dropped and its lease expiry retries it.
async fn record_batch(store: &dyn Store, clock: &dyn Clock, batch: Vec<(i64, QueueUpdate)>) {
    let mut delay = Duration::from_millis(50);
    loop {
        match store.record_fenced(clock.now_millis(), batch.clone()).await {
            Ok(()) => return,
            Err(switchboard_store::Error::Unavailable(e)) => {
                tracing::warn!(error = %e, count = batch.len(), "Recording delivery updates failed; retrying.");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                tracing::warn!(error = %e, count = batch.len(), "A batch of delivery updates was refused; recording them one by one.");
                break;
            }
        }
    }
    for update in batch {
        if let Err(e) = store
            .record_fenced(clock.now_millis(), vec![update.clone()])
            .await
        {
            tracing::error!(error = %e, update = ?update, "Dropped a delivery update; the lease will bring the message back.");
        }
    }
}

async fn receipt_loop(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    shield: Option<Arc<crate::shield::Screening>>,
    mut rx: mpsc::Receiver<CarrierEvent>,
    shutdown: CancellationToken,
    // Woken after inbound messages are stored: the pipeline (auto-replies) and the webhook dispatcher.
    wakes: [Arc<Notify>; 2],
) {
    // A receipt committed at the same moment as its submit record sees no
    // part to match and is kept; this applies it soon after (cheap when none are kept).
    let mut settle = tokio::time::interval(Duration::from_millis(250));
    loop {
        let batch = tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = settle.tick() => {
                if let Err(e) = store.settle_orphans(clock.now_millis()).await {
                    tracing::warn!(error = %e, "Settling kept receipts failed.");
                }
                continue;
            }
            b = next_batch(&mut rx, 1024) => match b { Some(b) => b, None => break },
        };
        let mut receipts = Vec::new();
        let mut acks = Vec::new();
        // Inbound messages of a batch are stored concurrently (one group commit).
        let mut inbound = tokio::task::JoinSet::new();
        for event in batch {
            match event {
                CarrierEvent::Receipt { receipt, ack } => {
                    receipts.push(receipt);
                    acks.extend(ack);
                }
                CarrierEvent::Inbound { sms, ack } => {
                    let (store, clock, shield) = (store.clone(), clock.clone(), shield.clone());
                    inbound.spawn(async move {
                        let shield = shield.as_deref();
                        match crate::inbound::receive(store.as_ref(), clock.as_ref(), shield, sms)
                            .await
                        {
                            Ok(_) => ack.into_iter().for_each(|a| a.done()),
                            // Not acknowledged: the network redelivers it.
                            Err(e) => {
                                tracing::warn!(error = %e, "Storing an inbound message failed.")
                            }
                        }
                    });
                }
            }
        }
        if !inbound.is_empty() {
            while inbound.join_next().await.is_some() {}
            wakes.iter().for_each(|w| w.notify_one());
        }
        if receipts.is_empty() {
            continue;
        }
        match store.apply_receipts(clock.now_millis(), receipts).await {
            Ok(stats) => {
                acks.into_iter().for_each(|a| a.done());
                metrics::counter!("switchboard_receipts_total", "matched" => "true")
                    .increment(stats.matched);
                metrics::counter!("switchboard_receipts_total", "matched" => "false")
                    .increment(stats.orphaned);
            }
            // Unacknowledged receipts are redelivered by the network; the
            // receipt-timeout query covers carriers that do not.
            Err(e) => tracing::warn!(error = %e, "Applying delivery receipts failed."),
        }
    }
}
