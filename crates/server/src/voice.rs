//! Starts the voice engine: the SIP user agent (only when trunks are configured),
//! espeak-ng (checked at start, with a clear message when missing) and the engine loop.

use crate::config::Settings;
use anyhow::Context;
use std::sync::Arc;
use switchboard_core::voice::engine::Engine;
use switchboard_core::voice::trunks::Trunks;
use switchboard_core::voice::tts::EspeakTts;
use switchboard_core::webhooks::WebhookClient;
use switchboard_core::Core;
use switchboard_sip::{SipUa, SipUaConfig};
use tokio_util::sync::CancellationToken;

/// Spawns the engine (unless `[voice] enabled = false`); returns its task.
pub async fn start(
    settings: &Settings,
    core: &Core,
    client: Arc<dyn WebhookClient>,
    stop: CancellationToken,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    if !settings.voice.enabled {
        tracing::info!(
            "Voice engine disabled on this node (voice.enabled = false): calls stay queued here."
        );
        return Ok(tokio::spawn(async {}));
    }
    let trunks = settings
        .sip_trunks
        .iter()
        .map(|t| t.build())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let tts = EspeakTts::new(&settings.voice.espeak_ng, settings.voice.tts_cache_entries);
    let ua = if trunks.is_empty() {
        None
    } else {
        match tts.check().await {
            Ok(version) => tracing::info!(%version, "Text-to-speech: espeak-ng."),
            Err(e) => tracing::error!(
                error = %e,
                "Text-to-speech is not available: <Say> will fail on every call. Install Debian's \
                 espeak-ng package (apt-get install espeak-ng) or set voice.espeak_ng."
            ),
        }
        let (bind, public) = settings.voice.sip_addr()?;
        let mut cfg = SipUaConfig::new(bind);
        cfg.public_addr = public;
        // Inbound INVITEs only from the trunks, when every trunk is given by IP address.
        let ips: Vec<std::net::IpAddr> = trunks
            .iter()
            .filter_map(|t| t.target.host.parse().ok())
            .collect();
        if ips.len() == trunks.len() {
            cfg.accept_from = Some(ips);
        }
        let ua = SipUa::bind(cfg)
            .await
            .with_context(|| format!("cannot start SIP on {bind} (voice.sip_bind)"))?;
        tracing::info!(addr = %ua.local_addr(), trunks = trunks.len(), "SIP user agent listening.");
        Some(ua)
    };
    let engine = Engine::new(
        core.store.clone(),
        core.clock.clone(),
        core.accounts.clone(),
        client,
        Arc::new(tts),
        ua,
        Trunks::new(trunks),
        settings.voice.engine(),
        core.calls.wake(),
    );
    Ok(tokio::spawn(engine.run(stop)))
}
