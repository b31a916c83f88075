//! An in-process carrier for development and tests: configurable latency and
//! outcome rules by destination prefix, and Twilio's magic test numbers.

use super::{Carrier, CarrierEvent, OutboundSms, QueryOutcome, SubmitOutcome};
use async_trait::async_trait;
use rand::RngCore;
use std::time::Duration;
use switchboard_domain::error_codes;
use switchboard_domain::message::{DeliveryOutcome, MessageStatus};
use switchboard_store::Receipt;
use tokio::sync::mpsc;

/// What the simulated network does with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimOutcome {
    /// Accepted, then a `delivered` receipt.
    Deliver,
    /// Accepted, then an `undelivered` receipt with this code.
    Undelivered(u32),
    /// Accepted, then a `failed` receipt with this code.
    Failed(u32),
    /// Refused at submit: the message fails with this code.
    Reject(u32),
    /// Refused for now (throttled): retried after this long.
    Throttle(Duration),
}

/// A rule: destinations (or, with `match_from`, senders) starting with `prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRule {
    pub prefix: String,
    pub match_from: bool,
    pub outcome: SimOutcome,
}

#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    pub submit_latency: Duration,
    pub receipt_latency: Duration,
    /// Checked in order before the built-in magic numbers; first match wins.
    pub rules: Vec<SimRule>,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            submit_latency: Duration::ZERO,
            receipt_latency: Duration::from_millis(20),
            rules: Vec::new(),
        }
    }
}

/// Twilio's test-credential magic numbers (reference §5.2), as carrier rejections.
fn magic(sms: &OutboundSms) -> Option<SimOutcome> {
    let code = match (sms.from.as_str(), sms.to.as_str()) {
        ("+15005550001", _) => 21212,
        ("+15005550007", _) => 21606,
        ("+15005550008", _) => 21611,
        (_, "+15005550001") => 21211,
        (_, "+15005550002") => 21612,
        (_, "+15005550003") => 21408,
        (_, "+15005550004") => 21610,
        (_, "+15005550009") => 21614,
        _ => return None,
    };
    Some(SimOutcome::Reject(code))
}

pub struct SimulatedCarrier {
    cfg: SimulatorConfig,
    receipts: mpsc::Sender<CarrierEvent>,
    /// Random per start, so references never repeat across restarts.
    ref_prefix: String,
    next_ref: std::sync::atomic::AtomicU64,
}

impl SimulatedCarrier {
    pub fn new(cfg: SimulatorConfig, receipts: mpsc::Sender<CarrierEvent>) -> Self {
        let mut prefix = [0u8; 4];
        rand::thread_rng().fill_bytes(&mut prefix);
        Self {
            cfg,
            receipts,
            ref_prefix: hex::encode(prefix),
            next_ref: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn outcome_for(&self, sms: &OutboundSms) -> SimOutcome {
        self.cfg
            .rules
            .iter()
            .find(|r| {
                let addr = if r.match_from { &sms.from } else { &sms.to };
                addr.starts_with(&r.prefix)
            })
            .map(|r| r.outcome.clone())
            .or_else(|| magic(sms))
            .unwrap_or(SimOutcome::Deliver)
    }
}

fn final_outcome(o: &SimOutcome) -> Option<DeliveryOutcome> {
    let (status, code) = match o {
        SimOutcome::Deliver => (MessageStatus::Delivered, None),
        SimOutcome::Undelivered(c) => (MessageStatus::Undelivered, Some(*c)),
        SimOutcome::Failed(c) => (MessageStatus::Failed, Some(*c)),
        SimOutcome::Reject(_) | SimOutcome::Throttle(_) => return None,
    };
    Some(DeliveryOutcome {
        status,
        error_code: code,
        error_message: code.map(|c| error_codes::lookup(c).message.to_owned()),
    })
}

#[async_trait]
impl Carrier for SimulatedCarrier {
    fn name(&self) -> &str {
        "simulator"
    }

    fn submit_timeout(&self) -> Duration {
        self.cfg.submit_latency + Duration::from_secs(1)
    }

    async fn submit(&self, sms: &OutboundSms) -> SubmitOutcome {
        if !self.cfg.submit_latency.is_zero() {
            tokio::time::sleep(self.cfg.submit_latency).await;
        }
        let outcome = self.outcome_for(sms);
        match &outcome {
            SimOutcome::Reject(code) => {
                return SubmitOutcome::Permanent {
                    code: *code,
                    reason: error_codes::lookup(*code).message.to_owned(),
                }
            }
            SimOutcome::Throttle(after) => {
                return SubmitOutcome::Temporary {
                    reason: "throttled by simulator rule".into(),
                    retry_after: Some(*after),
                }
            }
            _ => {}
        }
        // Like a real SMSC's ids: unique and increasing.
        let n = self
            .next_ref
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let carrier_ref = format!("{}{n:010x}", self.ref_prefix);
        if let Some(final_outcome) = final_outcome(&outcome) {
            let receipt = Receipt {
                carrier_ref: carrier_ref.clone(),
                outcome: final_outcome,
                done_date: None,
            };
            let tx = self.receipts.clone();
            let delay = self.cfg.receipt_latency;
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                // A closed channel means shutdown: the receipt timeout's query recovers it.
                let _ = tx.send(CarrierEvent::Receipt { receipt, ack: None }).await;
            });
        }
        SubmitOutcome::Accepted {
            carrier_refs: vec![carrier_ref],
        }
    }

    async fn query(&self, sms: &OutboundSms, _carrier_refs: &[String]) -> QueryOutcome {
        final_outcome(&self.outcome_for(sms)).map_or(QueryOutcome::Unknown, QueryOutcome::Final)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::ids::MessageSid;

    fn sms(to: &str) -> OutboundSms {
        OutboundSms {
            sid: MessageSid::generate(),
            to: to.into(),
            from: "+15005550006".into(),
            body: "hi".into(),
            encoding: "GSM-7".into(),
            not_after: std::time::Instant::now() + std::time::Duration::from_secs(60),
        }
    }

    #[tokio::test]
    async fn delivers_and_sends_a_receipt() {
        let (tx, mut rx) = mpsc::channel(4);
        let c = SimulatedCarrier::new(SimulatorConfig::default(), tx);
        let SubmitOutcome::Accepted { carrier_refs } = c.submit(&sms("+15550001111")).await else {
            panic!("not accepted");
        };
        let Some(CarrierEvent::Receipt { receipt: r, .. }) = rx.recv().await else {
            panic!("no receipt");
        };
        assert_eq!(vec![r.carrier_ref], carrier_refs);
        assert_eq!(r.outcome.status, MessageStatus::Delivered);
    }

    #[tokio::test]
    async fn magic_numbers_and_rules() {
        let (tx, _rx) = mpsc::channel(4);
        let cfg = SimulatorConfig {
            rules: vec![SimRule {
                prefix: "+1555999".into(),
                match_from: false,
                outcome: SimOutcome::Throttle(Duration::from_secs(60)),
            }],
            ..Default::default()
        };
        let c = SimulatedCarrier::new(cfg, tx);
        assert!(matches!(
            c.submit(&sms("+15005550002")).await,
            SubmitOutcome::Permanent { code: 21612, .. }
        ));
        assert!(matches!(
            c.submit(&sms("+15559990000")).await,
            SubmitOutcome::Temporary { .. }
        ));
        assert!(matches!(
            c.query(&sms("+15550001111"), &["x".to_owned()]).await,
            QueryOutcome::Final(DeliveryOutcome {
                status: MessageStatus::Delivered,
                ..
            })
        ));
    }
}
