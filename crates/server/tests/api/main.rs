//! In-process integration tests through `testkit::spawn_app` (one binary).

mod bad_input;
mod isolation;
mod messages;
mod ops;
