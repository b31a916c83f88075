//! `switchboard console invite` and `switchboard operator invite`: one-time invite links,
//! the only way in for a first user (and the only recovery for a lost key).

use crate::config::Settings;
use clap::Subcommand;
use switchboard_core::audit::{self, AuditEvent};
use switchboard_core::store::realm;
use switchboard_domain::ids::AccountSid;

#[derive(Debug, Subcommand)]
pub enum ConsoleCommand {
    /// Create a one-time invite link to the web console for an account.
    Invite {
        /// The account (AC…).
        #[arg(long)]
        account: String,
        /// owner, admin, developer or viewer.
        #[arg(long, default_value = "owner")]
        role: String,
        /// The invitee's name or e-mail, shown in the console and the audit log.
        #[arg(long, default_value = "owner")]
        name: String,
        /// Print {"url": …, "path": …, "expires_at": …}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Create a one-time invite link to the operator plane (device-bound security keys only).
    Invite {
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
}

/// The console's origin as configured, or derived from `http.bind`.
fn origin(settings: &Settings) -> String {
    let port = settings
        .http
        .bind
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .unwrap_or(8080);
    settings
        .console
        .build(port)
        .map(|c| c.origin)
        .unwrap_or_else(|_| format!("http://localhost:{port}"))
}

async fn invite(
    settings: &Settings,
    realm_name: &str,
    account: Option<AccountSid>,
    role: &str,
    name: &str,
    json: bool,
) -> anyhow::Result<()> {
    let core = crate::cli::offline_core(settings).await?;
    if let Some(a) = &account {
        if core.store.get_account(a).await?.is_none() {
            anyhow::bail!("no account {a} in this database");
        }
    }
    let (token, inv) = core
        .console
        .create_invite(realm_name, account, role, name, "cli")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut event = AuditEvent::new(audit::CLI, format!("{realm_name}.invite"))
        .target(inv.name.clone())
        .details(format!("role={}", inv.role));
    if let Some(a) = &inv.account_sid {
        event = event.account(a);
    }
    core.audit.record(event).await?;
    let base = if realm_name == realm::OPERATOR {
        "/operator"
    } else {
        "/console"
    };
    let path = format!("{base}/invite/{token}");
    let url = format!("{}{path}", origin(settings));
    if json {
        let out = serde_json::json!({"url": url, "path": path, "expires_at": inv.expires_at, "role": inv.role});
        println!("{out}");
    } else {
        println!(
            "Invite for {} ({}), valid once for {} h:\n{url}",
            inv.name, inv.role, settings.console.invite_hours
        );
    }
    Ok(())
}

pub async fn run_console(command: ConsoleCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        ConsoleCommand::Invite {
            account,
            role,
            name,
            json,
        } => {
            let sid = AccountSid::parse(&account).map_err(|_| {
                anyhow::anyhow!("'{account}' is not an account SID (AC + 32 hex digits)")
            })?;
            invite(settings, realm::CONSOLE, Some(sid), &role, &name, json).await
        }
    }
}

pub async fn run_operator(command: OperatorCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        OperatorCommand::Invite { name, json } => {
            invite(settings, realm::OPERATOR, None, "operator", &name, json).await
        }
    }
}
