//! SIP user agent for Programmable Voice, outbound and inbound calls:
//! signalling only.
//!
//! [`SipUa`] binds one UDP socket and runs rsipstack's transaction layer
//! and dialog layer on tokio. [`SipUa::invite`] places one call to a SIP
//! trunk and returns a [`CallHandle`] that yields [`CallEvent`]s
//! (`Trying`, `Ringing`, `Answered { remote_sdp }`, `Refreshed`, `Ended`)
//! and can [`hangup`](CallHandle::hangup) or [`cancel`](CallHandle::cancel).
//! Inbound calls (a trunk INVITEs one of our numbers) arrive on the
//! receiver from [`SipUa::take_incoming`] as [`IncomingCall`]s, to
//! [`ringing`](IncomingCall::ringing), [`answer`](IncomingCall::answer)
//! (then a [`CallHandle`] as above) or [`reject`](IncomingCall::reject).
//! Media is someone else's: SDP comes in and goes out as `String`s.
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
//! Inbound:
//!
//! ```no_run
//! # async fn demo(ua: switchboard_sip::SipUa, answer_sdp: String) -> Result<(), switchboard_sip::SipError> {
//! let mut calls = ua.take_incoming().expect("taken once");
//! while let Some(mut call) = calls.recv().await {
//!     // call.to_user is our number, call.remote_sdp the caller's offer.
//!     call.ringing()?;
//!     tokio::select! {
//!         () = call.canceled() => continue, // the caller gave up: 487 sent
//!         () = std::future::ready(()) => {}  // e.g. the number's TwiML fetched
//!     }
//!     let mut handle = call.answer(answer_sdp.clone()).await?; // 200, ACK
//!     while let Some(event) = handle.next_event().await { /* Refreshed, Ended */ }
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
//! | `NoAnswer` | `no-answer` | ring timeout after a provisional response: our CANCEL, then 487 (ACKed); also a 408 or 480 final response |
//! | `Canceled` | `canceled` | [`CallHandle::cancel`] / `hangup` / every handle dropped before answer: CANCEL, then 487 |
//! | `Failed { sip_code, reason }` | `failed` | any other 3xx–6xx (403 after a wrong password, a second 401/407, 404, 5xx, 603…), timer B (no response, `sip_code: None`), transport error |
//!
//! An inbound call's handle reports only `Completed { by }`: `Local` after
//! [`CallHandle::hangup`], `Remote` after the caller's BYE; everything
//! before the answer is on the [`IncomingCall`] (see below).
//!
//! Progress maps as: INVITE sent = `initiated` (the handle exists),
//! 180/183 = `ringing` ([`CallEvent::Ringing`]), 200 + ACK = `in-progress`
//! ([`CallEvent::Answered`]). After our CANCEL, a 487, a 2xx crossing it
//! (ACKed and ended with a BYE by rsipstack) or no response at all report
//! the CANCEL's cause (`NoAnswer` or `Canceled`); another final response
//! that crossed it (486…) is reported as itself.
//!
//! A CANCEL may only follow a provisional response (RFC 3261 §9.1). If the
//! trunk has sent nothing at all, the CANCEL waits for one, and the call
//! ends at timer B (64·T1, 32 s by default) as `Failed { sip_code: None }`
//! (ring timeout) or `Canceled` (asked for). rsipstack reports timer B as a
//! 408 it builds itself; it has no To tag, which tells it from a callee's.
//!
//! # SIP behaviour
//!
//! - Digest auth (RFC 2617/7616) on 401 and 407, MD5 with or without
//!   `qop=auth`, `opaque` echoed; one retry (plus rsipstack's retries of a
//!   `stale=true` challenge), so a second challenge or a 403 fails the call.
//! - In-dialog requests from the callee: re-INVITE gets 200 with our
//!   unchanged SDP, UPDATE 200 (with our SDP if it carried an offer),
//!   OPTIONS/INFO/NOTIFY/MESSAGE 200, REFER 603, BYE 200 and the end of the
//!   call (the same for inbound calls once answered). Requests for unknown
//!   dialogs get 481, out-of-dialog OPTIONS 200, other out-of-dialog
//!   requests 405.
//! - No per-call threads: each call is one tokio task plus short tasks for
//!   CANCEL/BYE; the benchmark target is 200 concurrent calls on 2 cores.
//! - Not done: TCP/TLS, DNS SRV, PRACK/100rel, session timers (refreshes
//!   are answered, never sent), early media SDP on 183, redirects (3xx
//!   fail), requests inside an early dialog (rsipstack leaves them
//!   unanswered for a UAC), DTMF sent as SIP INFO (answered 200, dropped).
//!
//! # Inbound calls (UAS)
//!
//! | What happens | SIP |
//! | --- | --- |
//! | INVITE from a source outside [`SipUaConfig::accept_from`] | 403 Forbidden, not offered |
//! | [`SipUa::take_incoming`] never called, or its receiver dropped | 480 Temporarily Unavailable (a 503 could make trunks mark the whole server down, and 480 is what an outbound-only agent always answered) |
//! | 64 offered calls wait unread | 503 Service Unavailable (overload, RFC 3261 §21.5.4) |
//! | offered | 100 Trying at once (by rsipstack); [`IncomingCall`] on the receiver |
//! | [`IncomingCall::ringing`] | 180 Ringing |
//! | [`IncomingCall::answer`] | 200 + our SDP, then waits for the ACK; no ACK within 64·T1: BYE and [`SipError::NotConfirmed`] |
//! | [`IncomingCall::reject`]`(code)` | that code: 486 (Twilio `<Reject reason="busy">`), 603 (`reason="rejected"`)… |
//! | dropped undecided | 500 Server Internal Error |
//! | `answer` future dropped after its 200 went out | BYE |
//! | caller's CANCEL before the answer | 200 to the CANCEL, 487 to the INVITE; [`IncomingCall::canceled`] resolves, `answer` gives [`SipError::Canceled`] |
//! | retransmitted INVITE | absorbed by its transaction (last response re-sent), never a second call |
//!
//! The call's source is the datagram's source address (rsipstack records
//! it in the top Via as `received`/`rport`), so the allow-list cannot be
//! fooled by a Via header. An INVITE without SDP gets our SDP as the offer
//! in the 200; the caller's answer in the ACK is not reported.
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
//!   requests to their dialog (rsipstack leaves that to the application)
//!   and new INVITEs to `inbound`.
//! - `inbound`: [`IncomingCall`] and the decision to offer, refuse (403,
//!   480, 503) or reject (dropped: 500) a new INVITE.
//! - `driver`: the per-call task (INVITE phase, answered phase; inbound
//!   calls run only the answered phase).
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
