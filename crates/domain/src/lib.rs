//! Switchboard's domain: identifiers, phone addresses, the message state machine,
//! SMS encoding and segmentation, time, and retry maths.
//!
//! Architecture invariant: this crate does no I/O and knows nothing of HTTP, SMPP,
//! SQL or serde wire shapes. Everything here is a pure function or a plain value.
//!
//! Layout:
//! - [`ids`]: SIDs (`AC…`, `SM…`, `SK…`) — prefix + 32 hex digits.
//! - [`address`]: `To`/`From` parsing into E.164 or an alphanumeric sender ID.
//! - [`message`]: message status and direction enums and the allowed transitions.
//! - [`call`]: call status, direction and status-callback events (the Calls resource).
//! - [`encoding`]: GSM-7/UCS-2 detection, smart encoding and segmentation.
//! - [`error_codes`]: the one Twilio error-code table (code, HTTP status, message).
//! - [`clock`]: the `Clock` trait (time is injected, never read inside the store).
//! - [`retry`]: the backoff schedule for temporary carrier failures.
//! - [`scopes`]: API scopes, scope sets and console roles (least privilege).
//! - [`totp`]: RFC 6238 time-based one-time passwords and base32 (Verify TOTP factors).

pub mod address;
pub mod call;
pub mod clock;
pub mod encoding;
pub mod error_codes;
pub mod ids;
pub mod message;
pub mod retry;
pub mod scopes;
pub mod totp;
