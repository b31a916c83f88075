//! Outbound SIP user agent for Programmable Voice: signalling only.
//!
//! [`SipUa`] binds one UDP socket and runs rsipstack's transaction layer
//! and dialog layer on tokio. [`SipUa::invite`] places one call to a SIP
//! trunk and returns a [`CallHandle`] that yields [`CallEvent`]s
//! (`Trying`, `Ringing`, `Answered { remote_sdp }`, `Refreshed`, `Ended`)
//! and can [`hangup`](CallHandle::hangup) or [`cancel`](CallHandle::cancel).
//! Media is someone else's: the SDP offer comes in as a `String` and the
//! answer goes out as one.
//!
//! ```no_run
//! # async fn demo() -> Result<(), switchboard_sip::SipError> {
//! use std::time::Duration;
//! use switchboard_sip::{CallEvent, CallRequest, SipUa, SipUaConfig, TrunkTarget};
//!
//! let ua = SipUa::bind(SipUaConfig::new("127.0.0.1:0".parse().unwrap())).await?;
//! let mut call = ua.invite(CallRequest {
//!     trunk: TrunkTarget { host: "127.0.0.1".into(), port: 5070, username: None, password: None },
//!     to_user: "+15551230000".into(),
//!     from_user: "+15550001111".into(),
//!     sdp_offer: "v=0\r\n…".into(),
//!     ring_timeout: Duration::from_secs(60),
//!     call_id: None,
//! })?;
//! while let Some(event) = call.next_event().await {
//!     match event {
//!         CallEvent::Answered { remote_sdp } => { /* start media, later: */ call.hangup() }
//!         CallEvent::Ended(reason) => println!("{}", reason.twilio_status()),
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # How calls end (reference `voice.md` §4)
//!
//! | [`EndReason`] | Twilio status | SIP trigger |
//! | --- | --- | --- |
//! | `Completed { by: Local }` | `completed` | answered (2xx + ACK), then our BYE ([`CallHandle::hangup`]) |
//! | `Completed { by: Remote }` | `completed` | answered, then the callee's BYE (answered 200) |
//! | `Busy` | `busy` | 486 Busy Here, 600 Busy Everywhere |
//! | `NoAnswer` | `no-answer` | ring timeout: our CANCEL, then 487 (ACKed); also a 408 or 480 final response |
//! | `Canceled` | `canceled` | [`CallHandle::cancel`] / `hangup` / every handle dropped before answer: CANCEL, then 487 |
//! | `Failed { sip_code, reason }` | `failed` | any other 3xx–6xx (403 after a wrong password, a second 401/407, 404, 5xx, 603…), timer B (no response, `sip_code: None`), transport error |
//!
//! Progress maps as: INVITE sent = `initiated` (the handle exists),
//! 180/183 = `ringing` ([`CallEvent::Ringing`]), 200 + ACK = `in-progress`
//! ([`CallEvent::Answered`]). After our CANCEL, a 487, a 2xx crossing it
//! (ACKed and ended with a BYE by rsipstack) or no response at all report
//! the CANCEL's cause (`NoAnswer` or `Canceled`); another final response
//! that crossed it (486…) is reported as itself.
//!
//! # SIP behaviour
//!
//! - Digest auth (RFC 2617/7616) on 401 and 407, MD5 with or without
//!   `qop=auth`, `opaque` echoed; one retry (plus rsipstack's retries of a
//!   `stale=true` challenge), so a second challenge or a 403 fails the call.
//! - In-dialog requests from the callee: re-INVITE gets 200 with our
//!   unchanged SDP, UPDATE 200 (with our SDP if it carried an offer),
//!   OPTIONS/INFO/NOTIFY/MESSAGE 200, REFER 603, BYE 200 and the end of the
//!   call. Requests for unknown dialogs get 481, out-of-dialog OPTIONS 200,
//!   new INVITEs 480 (outbound only).
//! - No per-call threads: each call is one tokio task plus short tasks for
//!   CANCEL/BYE; the benchmark target is 200 concurrent calls on 2 cores.
//! - Not done: TCP/TLS, DNS SRV, PRACK/100rel, session timers (refreshes
//!   are answered, never sent), early media SDP on 183, redirects (3xx fail).
//!
//! # Why rsipstack
//!
//! Transactions (timers A/B, retransmission, ACK of 2xx and non-2xx),
//! dialogs and digest come from `rsipstack` (pinned `=0.7.14`, MIT), the
//! one maintained Rust SIP stack verified against our sipp peers. We write
//! only the call state machine and the checks of caller-supplied URI parts.
//!
//! # Layout
//!
//! - `ua`: [`SipUa`], its socket and the loop that routes in-dialog
//!   requests to their dialog (rsipstack leaves that to the application).
//! - `driver`: the per-call task (INVITE phase, answered phase).
//! - `call`: the public call types; `outcome`: [`EndReason`] and the status
//!   mapping; `target`: validation and building of the INVITE's URIs.

mod call;
mod driver;
mod error;
mod inbound;
mod outcome;
mod target;
mod ua;

pub use call::{CallControl, CallEvent, CallHandle, CallRequest, TrunkTarget};
pub use error::SipError;
pub use inbound::IncomingCall;
pub use outcome::{EndReason, Party};
pub use ua::{SipUa, SipUaConfig};
