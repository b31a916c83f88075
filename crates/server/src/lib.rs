//! The `switchboard` binary's library half: configuration, wiring and the
//! `App` that `main` and the tests (`testkit::spawn_app`) both start.
//!
//! Layout:
//! - [`config`]: layered `Settings` (defaults → TOML → `SWITCHBOARD_*` env).
//! - [`app`]: `App::build` / `run_until_stopped`.
//! - [`wiring`]: settings → typed `core` configs.
//! - [`secrets`]: the master key and private files.
//! - [`cli`]: the subcommands (`cli_audit`: `audit verify|list`).

pub mod app;
pub mod carrier_settings;
pub mod carriers;
pub mod cli;
pub mod cli_audit;
pub mod cli_console;
pub mod cli_shield;
pub mod cli_sim;
pub mod config;
pub mod console_settings;
pub mod secrets;
pub mod shield_settings;
pub mod verify_settings;
pub mod voice;
pub mod voice_settings;
pub mod wiring;

pub use app::App;
pub use config::Settings;
