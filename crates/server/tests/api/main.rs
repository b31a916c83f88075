//! In-process integration tests through `testkit::spawn_app` (one binary).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod bad_input;
mod calls;
mod console;
mod factors;
mod fairness;
mod idempotency;
mod isolation;
mod keys;
mod messages;
mod ops;
mod passkeys;
mod scopes;
mod services;
mod shaping;
mod shield;
mod smpp;
mod two_way;
mod verify;
mod verify_fraud;
