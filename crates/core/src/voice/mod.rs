//! Programmable Voice: outbound calls over SIP trunks, RTP media, text-to-speech and the
//! voice TwiML interpreter.
//!
//! - [`engine`]: claims queued calls (leased, multi-node safe) and drives each in a task.
//! - `call`: one outbound call's life — trunk, INVITE, SIP → status, media, script, hang-up.
//! - `inbound`: a trunk's INVITE to one of our numbers: `VoiceUrl`, `<Reject>`, answer, script.
//! - [`trunks`]: `[[sip_trunks]]` routing by prefix and priority with a concurrency cap.
//! - [`rtp_session`]: the RTP I/O loop (20 ms G.711 frames, silence fill, RFC 4733 keys).
//! - [`interp`]: the TwiML interpreter over [`interp::Step`]s; [`steps`] maps parsed TwiML.
//! - [`fetch`]: signed TwiML and `<Play>` fetches through the webhook client.
//! - [`tts`]: the [`tts::Tts`] trait and espeak-ng.
//!
//! Codecs (RTP, G.711, RFC 4733, SDP, WAV, resampling) are sans-IO in `switchboard_media`;
//! SIP signalling is `switchboard_sip` (rsipstack).

mod call;
pub mod engine;
pub mod fetch;
mod inbound;
pub mod interp;
pub mod rtp_session;
pub mod steps;
pub mod trunks;
pub mod tts;

use std::net::IpAddr;
use std::time::Duration;

/// Engine settings (`[voice]`).
#[derive(Debug, Clone)]
pub struct VoiceSettings {
    /// The address RTP sockets bind and our SDP advertises.
    pub media_ip: IpAddr,
    /// How long a claimed call that is still `queued` stays this node's: long enough to see
    /// any answer to its INVITE (timer B, 32 s), short enough that a call claimed by a node
    /// that died is dialed by another soon. Once ringing, a call is no longer claimable.
    pub claim_lease: Duration,
    pub claim_batch: u32,
    pub poll_interval: Duration,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        Self {
            media_ip: IpAddr::from([127, 0, 0, 1]),
            claim_lease: Duration::from_secs(120),
            claim_batch: 64,
            poll_interval: Duration::from_millis(500),
        }
    }
}
