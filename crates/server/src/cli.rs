//! Command-line interface.

use crate::app::{self, App};
use crate::config::Settings;
use crate::secrets::write_private;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use switchboard_core::audit::{self, AuditEvent};
use switchboard_domain::ids::AccountSid;
use switchboard_domain::scopes::ScopeSet;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A self-hosted, Twilio-compatible communications platform."
)]
pub struct Cli {
    /// Configuration file (default: ./switchboard.toml if it exists).
    #[arg(long, global = true, env = "SWITCHBOARD_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve {
        /// Override http.bind, e.g. 0.0.0.0:8080.
        #[arg(long)]
        bind: Option<String>,
        /// Once ready, write {"http_addr": "…"} to this file (for scripts and tests).
        #[arg(long)]
        ready_file: Option<PathBuf>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Account administration.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// API keys: `SK…` SID and secret, usable instead of the auth token.
    ApiKeys {
        #[command(subcommand)]
        command: ApiKeysCommand,
    },
    /// Phone numbers held by accounts (inbound messages to them belong to the account).
    Numbers {
        #[command(subcommand)]
        command: crate::cli_sim::NumbersCommand,
    },
    /// Run the SMSC simulator on its own: an SMPP 3.4 server for development and tests.
    SmscSim(crate::cli_sim::SmscSimArgs),
    /// Talk to the SMSC simulator (e.g. reply "from a phone").
    Sim {
        #[command(subcommand)]
        command: crate::cli_sim::SimCommand,
    },
    /// The tamper-evident audit log: verify its chain, list entries.
    Audit {
        #[command(subcommand)]
        command: crate::cli_audit::AuditCommand,
    },
    /// The smishing shield: check a text, evaluate on a dataset.
    Shield {
        #[command(subcommand)]
        command: crate::cli_shield::ShieldCommand,
    },
    /// The web console: invite links for an account's users.
    Console {
        #[command(subcommand)]
        command: crate::cli_console::ConsoleCommand,
    },
    /// The operator plane: invite links for the installation's operators.
    Operator {
        #[command(subcommand)]
        command: crate::cli_console::OperatorCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeysCommand {
    /// Create an API key for an account and print its SID and secret (shown once).
    Create {
        /// The account the key belongs to (AC…).
        #[arg(long, alias = "account")]
        account_sid: String,
        #[arg(long, alias = "name", default_value = "API key")]
        friendly_name: String,
        /// What the key may do: scope names separated by commas (e.g.
        /// `messages:send,messages:read`), or `none`. Default: a standard key
        /// (every scope but `keys:write`).
        #[arg(long)]
        scopes: Option<String>,
        /// Print {"sid": …, "secret": …, "account_sid": …, "scopes": …}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print it with secrets redacted.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create an account and print its SID and auth token.
    Create {
        #[arg(long, default_value = "Switchboard account")]
        friendly_name: String,
        /// Print {"account_sid": …, "auth_token": …}.
        #[arg(long)]
        json: bool,
    },
    /// Delete (close) an account: destroys its data key, so its stored message numbers and
    /// bodies can no longer be decrypted (crypto-shredding). Cannot be undone.
    Delete {
        /// The account SID (AC…).
        account_sid: String,
    },
}

pub fn load_settings(cli: &Cli) -> anyhow::Result<Settings> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Command::Serve {
        bind: Some(bind), ..
    } = &cli.command
    {
        settings.http.bind.clone_from(bind);
    }
    Ok(settings)
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { ready_file, .. } => serve(settings, ready_file).await,
        Command::Migrate => {
            app::open_store(&settings).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            print!("{}", settings.to_redacted_toml()?);
            Ok(())
        }
        Command::Accounts {
            command:
                AccountsCommand::Create {
                    friendly_name,
                    json,
                },
        } => create_account(&settings, &friendly_name, json).await,
        Command::Accounts {
            command: AccountsCommand::Delete { account_sid },
        } => delete_account(&settings, &account_sid).await,
        Command::ApiKeys {
            command:
                ApiKeysCommand::Create {
                    account_sid,
                    friendly_name,
                    scopes,
                    json,
                },
        } => {
            create_api_key(
                &settings,
                &account_sid,
                &friendly_name,
                scopes.as_deref(),
                json,
            )
            .await
        }
        Command::Numbers {
            command:
                crate::cli_sim::NumbersCommand::Add {
                    account_sid,
                    phone_number,
                    friendly_name,
                    sms_url,
                },
        } => {
            crate::cli_sim::add_number(
                &settings,
                &account_sid,
                &phone_number,
                &friendly_name,
                sms_url,
            )
            .await
        }
        Command::SmscSim(args) => crate::cli_sim::smsc_sim(args).await,
        Command::Sim {
            command:
                crate::cli_sim::SimCommand::Reply {
                    from,
                    to,
                    text,
                    control,
                },
        } => crate::cli_sim::sim_reply(&settings, &from, &to, &text, control).await,
        Command::Shield { command } => crate::cli_shield::run(command, &settings),
        Command::Console { command } => crate::cli_console::run_console(command, &settings).await,
        Command::Operator { command } => crate::cli_console::run_operator(command, &settings).await,
        Command::Audit { command } => crate::cli_audit::run(command, &settings).await,
    }
}

async fn create_account(
    settings: &Settings,
    friendly_name: &str,
    json: bool,
) -> anyhow::Result<()> {
    let core = offline_core(settings).await?;
    let created = core.accounts.create_account(friendly_name).await?;
    // Recorded before the token is shown: a credential whose entry failed is never handed out.
    let event = AuditEvent::new(audit::CLI, "account.create")
        .account(&created.sid)
        .target(created.sid.as_str());
    core.audit.record(event).await?;
    if json {
        let out =
            serde_json::json!({"account_sid": created.sid.as_str(), "auth_token": created.secret});
        println!("{out}");
    } else {
        println!(
            "Account SID: {}\nAuth token:  {}",
            created.sid, created.secret
        );
    }
    Ok(())
}

async fn delete_account(settings: &Settings, account_sid: &str) -> anyhow::Result<()> {
    let core = offline_core(settings).await?;
    let sid = AccountSid::parse(account_sid).map_err(|_| {
        anyhow::anyhow!("'{account_sid}' is not an account SID (AC + 32 hex digits)")
    })?;
    if !core.accounts.delete_account(&sid).await? {
        anyhow::bail!("no account {sid} in this database");
    }
    println!(
        "Account {sid} deleted: its data key is destroyed and its messages can no longer be read."
    );
    Ok(())
}

async fn create_api_key(
    settings: &Settings,
    account_sid: &str,
    friendly_name: &str,
    scopes: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let scopes = match scopes {
        None => ScopeSet::standard(),
        Some(list) => ScopeSet::parse(list).map_err(|e| anyhow::anyhow!("--scopes: {e}"))?,
    };
    let core = offline_core(settings).await?;
    let sid = AccountSid::parse(account_sid).map_err(|_| {
        anyhow::anyhow!("'{account_sid}' is not an account SID (AC + 32 hex digits)")
    })?;
    if core.store.get_account(&sid).await?.is_none() {
        anyhow::bail!("no account {sid} in this database");
    }
    let created = core
        .accounts
        .create_api_key(&sid, friendly_name, scopes)
        .await?;
    let (key, secret) = (created.key.sid, created.secret);
    let event = AuditEvent::new(audit::CLI, "api_key.create")
        .account(&sid)
        .target(key.as_str())
        .details(
            serde_json::json!({ "friendly_name": friendly_name, "scopes": scopes.render() })
                .to_string(),
        );
    core.audit.record(event).await?;
    if json {
        let out = serde_json::json!({
            "sid": key.as_str(),
            "secret": secret,
            "account_sid": sid.as_str(),
            "scopes": scopes.render(),
        });
        println!("{out}");
    } else {
        println!(
            "API key SID: {key}\nSecret:      {secret}\nScopes:      {}",
            if scopes.is_empty() {
                "none".to_owned()
            } else {
                scopes.render()
            }
        );
    }
    Ok(())
}

/// The use cases over the configured store, for one-shot admin commands.
pub(crate) async fn offline_core(settings: &Settings) -> anyhow::Result<switchboard_core::Core> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let store = app::open_store(settings).await?;
    app::core(settings, store, false)
}

async fn serve(settings: Settings, ready_file: Option<PathBuf>) -> anyhow::Result<()> {
    let app = App::build(settings).await?;
    if let Some(path) = ready_file {
        let json = serde_json::json!({"http_addr": app.http_addr.to_string()});
        write_private(&path, json.to_string().as_bytes())?;
    }
    let token = app.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        token.cancel();
    });
    app.run_until_stopped().await
}

pub(crate) async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    tracing::info!("Shutdown signal received.");
}
