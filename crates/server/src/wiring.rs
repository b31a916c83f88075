//! Turning settings into the typed values `core` takes.

use crate::config::{PipelineSettings, SimRuleSettings, SimulatorSettings};
use anyhow::bail;
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::carrier::simulated::{SimOutcome, SimRule, SimulatorConfig};
use switchboard_core::delivery::PipelineConfig;
use switchboard_core::shield::Screening;
use switchboard_domain::retry::RetryPolicy;

pub fn sim_rule(r: &SimRuleSettings) -> anyhow::Result<SimRule> {
    let code = || {
        r.error_code.ok_or_else(|| {
            anyhow::anyhow!(
                "simulator rule '{}': outcome '{}' needs error_code",
                r.prefix,
                r.outcome
            )
        })
    };
    let outcome = match r.outcome.as_str() {
        "deliver" => SimOutcome::Deliver,
        "undelivered" => SimOutcome::Undelivered(code()?),
        "failed" => SimOutcome::Failed(code()?),
        "reject" => SimOutcome::Reject(code()?),
        "throttle" => SimOutcome::Throttle(Duration::from_secs(r.retry_after_secs.unwrap_or(1))),
        other => bail!(
            "simulator rule '{}': outcome '{other}' is not one of deliver, undelivered, failed, reject, throttle",
            r.prefix
        ),
    };
    Ok(SimRule {
        prefix: r.prefix.clone(),
        match_from: r.match_from,
        outcome,
    })
}

pub fn simulator(s: &SimulatorSettings) -> anyhow::Result<SimulatorConfig> {
    Ok(SimulatorConfig {
        submit_latency: Duration::from_millis(s.submit_latency_ms),
        receipt_latency: Duration::from_millis(s.receipt_latency_ms),
        rules: s
            .rules
            .iter()
            .map(sim_rule)
            .collect::<anyhow::Result<_>>()?,
    })
}

/// The sender rates of `[shaping]`; the test sender is exempt.
pub fn sender_rates(s: &crate::config::Settings) -> switchboard_core::shaping::SenderRates {
    switchboard_core::shaping::SenderRates {
        long_code: s.shaping.long_code_per_sec,
        toll_free: s.shaping.toll_free_per_sec,
        short_code: s.shaping.short_code_per_sec,
        alphanumeric: s.shaping.alphanumeric_per_sec,
        exempt: vec![s.messaging.test_sender.clone()]
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect(),
    }
}

pub fn pipeline_shaped(
    p: &PipelineSettings,
    sender_rates: switchboard_core::shaping::SenderRates,
    shield: Option<Arc<Screening>>,
) -> PipelineConfig {
    PipelineConfig {
        batch_size: p.batch_size,
        max_in_flight: p.max_in_flight,
        lease: Duration::from_secs(p.lease_secs),
        poll_interval: Duration::from_millis(p.poll_interval_ms),
        receipt_timeout: Duration::from_secs(p.receipt_timeout_secs),
        retry: RetryPolicy {
            base: Duration::from_millis(p.retry_base_ms),
            max: Duration::from_secs(p.retry_max_secs),
            max_attempts: p.max_attempts,
        },
        sender_rates,
        shield,
    }
}

/// The webhook dispatcher's settings.
pub fn webhooks(
    w: &crate::config::WebhookSettings,
) -> switchboard_core::webhooks::dispatch::WebhookConfig {
    switchboard_core::webhooks::dispatch::WebhookConfig {
        concurrency: w.concurrency,
        lease: Duration::from_secs(w.lease_secs),
        poll_interval: Duration::from_millis(w.poll_interval_ms),
        connect_timeout: Duration::from_millis(w.connect_timeout_ms),
        read_timeout: Duration::from_millis(w.read_timeout_ms),
        retry: RetryPolicy {
            base: Duration::from_millis(w.retry_base_ms),
            max: Duration::from_secs(w.retry_max_secs),
            max_attempts: w.max_attempts.max(1),
        },
        ..Default::default()
    }
}

/// The address policy of webhooks; an unparsable network is a startup error.
pub fn address_policy(
    w: &crate::config::WebhookSettings,
) -> anyhow::Result<switchboard_api::webhook_client::AddressPolicy> {
    let mut allowed = Vec::new();
    for n in &w.allowed_networks {
        let net = n
            .parse::<ipnet::IpNet>()
            .or_else(|_| n.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| anyhow::anyhow!("webhooks.allowed_networks: '{n}' is not a network (e.g. 10.0.0.0/8) or an address"))?;
        allowed.push(net);
    }
    Ok(switchboard_api::webhook_client::AddressPolicy { allowed })
}
