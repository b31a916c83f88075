//! The boundary between the pipeline and the networks it reaches.
//!
//! A carrier takes one SMS at a time and answers with one of three outcomes
//! (accepted / temporary / permanent). Delivery receipts arrive later and on
//! their own, through the `Receipt` channel the carrier was built with.

pub mod simulated;
pub mod smpp;

use async_trait::async_trait;
use std::time::Duration;
use switchboard_domain::ids::MessageSid;
use switchboard_domain::message::DeliveryOutcome;
use switchboard_store::Receipt;
use tokio::sync::mpsc;

/// What a carrier is asked to send.
#[derive(Debug, Clone)]
pub struct OutboundSms {
    pub sid: MessageSid,
    pub to: String,
    pub from: String,
    pub body: String,
    /// "GSM-7" or "UCS-2".
    pub encoding: String,
    /// Do not start sending after this instant: the claim's lease would end
    /// before the carrier's answer could arrive.
    pub not_after: std::time::Instant,
}

/// The classification of one submit attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// The carrier took it: one reference per part (a concatenated SMS is
    /// several submissions); each part's receipt references its own.
    Accepted { carrier_refs: Vec<String> },
    /// Try again later (throttled, link down, queue full); maybe elsewhere.
    Temporary {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// It will never succeed; the message fails with this Twilio code.
    Permanent { code: u32, reason: String },
}

/// The answer to "what happened to this message?" after no receipt came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryOutcome {
    Final(DeliveryOutcome),
    /// The carrier cannot tell; the message stays `sent`.
    Unknown,
}

#[async_trait]
pub trait Carrier: Send + Sync + 'static {
    fn name(&self) -> &str;
    /// The longest a `submit` can take once the message has been handed over;
    /// claims must outlive it (see `delivery`).
    fn submit_timeout(&self) -> Duration {
        Duration::from_secs(5)
    }
    async fn submit(&self, sms: &OutboundSms) -> SubmitOutcome;
    /// Asked after the receipt timeout, with the parts still pending.
    async fn query(&self, sms: &OutboundSms, carrier_refs: &[String]) -> QueryOutcome;
}

/// A mobile-originated message as a carrier delivered it (parts reassembled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSms {
    /// E.164 where the carrier gave an international number.
    pub from: String,
    pub to: String,
    pub body: String,
    pub num_segments: u32,
    /// Some parts never arrived before the reassembly timeout.
    pub incomplete: bool,
}

/// Tells the carrier that an event is safely stored, so it may acknowledge it
/// to the network (for SMPP: send `deliver_sm_resp`). Dropping it unacknowledged
/// leaves the network to redeliver.
#[derive(Debug)]
pub struct Ack {
    sequence: u32,
    to: mpsc::UnboundedSender<u32>,
}

impl Ack {
    pub fn new(sequence: u32, to: mpsc::UnboundedSender<u32>) -> Self {
        Self { sequence, to }
    }

    pub fn done(self) {
        let _ = self.to.send(self.sequence);
    }
}

/// What carriers report back on their own.
#[derive(Debug)]
pub enum CarrierEvent {
    Receipt { receipt: Receipt, ack: Option<Ack> },
    Inbound { sms: InboundSms, ack: Option<Ack> },
}
