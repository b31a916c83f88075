//! `switchboard audit …`: verify the audit log's chain, list its entries.

use crate::config::Settings;
use clap::Subcommand;
use switchboard_core::audit::Anchor;
use switchboard_core::store::AuditEntry;
use switchboard_domain::ids::AccountSid;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole chain: prints `audit log intact: N entries` (exit 0) or
    /// `audit log broken at entry <seq>: <reason>` (exit 1).
    Verify {
        /// `<seq>:<hash hex>` from an earlier run (its `head:` line), kept outside the
        /// database: the log must still reach that entry, so truncation is caught too.
        #[arg(long)]
        anchor: Option<Anchor>,
    },
    /// Print entries, newest first, one JSON object per line.
    List {
        /// Only this account's entries (AC…); all entries otherwise.
        #[arg(long)]
        account: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only entries older than this seq (the next page).
        #[arg(long)]
        before: Option<i64>,
    },
}

pub async fn run(command: AuditCommand, settings: &Settings) -> anyhow::Result<()> {
    let core = crate::cli::offline_core(settings).await?;
    match command {
        AuditCommand::Verify { anchor } => {
            let report = core.audit.verify_with(anchor).await?;
            if let Some((seq, reason)) = &report.broken {
                println!("audit log broken at entry {seq}: {reason}");
                println!("entries before it verified: {}", report.entries);
                anyhow::bail!("the audit log failed verification");
            }
            println!("audit log intact: {} entries", report.entries);
            if let Some((seq, hash)) = &report.head {
                println!("head: {seq}:{}", hex::encode(hash));
            }
            Ok(())
        }
        AuditCommand::List {
            account,
            limit,
            before,
        } => {
            let entries = match account {
                Some(a) => {
                    let sid = AccountSid::parse(&a).map_err(|_| {
                        anyhow::anyhow!("'{a}' is not an account SID (AC + 32 hex digits)")
                    })?;
                    core.audit.list_for_account(&sid, before, limit).await?
                }
                None => core.audit.list_all(before, limit).await?,
            };
            for e in &entries {
                println!("{}", json(e));
            }
            Ok(())
        }
    }
}

/// One entry as a JSON object (hashes in hex).
pub fn json(e: &AuditEntry) -> serde_json::Value {
    serde_json::json!({
        "seq": e.seq,
        "at": e.at,
        "account_sid": e.account_sid,
        "actor": e.actor,
        "action": e.action,
        "target": e.target,
        "details": e.details,
        "prev_hash": hex::encode(&e.prev_hash),
        "hash": hex::encode(&e.hash),
    })
}
