//! The master key and the first account's credentials file.

use crate::config::Settings;
use anyhow::Context;
use std::io::Write;
use std::path::Path;
use switchboard_core::crypto::MasterKey;

/// Writes `contents` to `path` with mode 0600, atomically (temp file + rename).
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(contents)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The master key from config, from `master_key_file`, or from
/// `<data_dir>/master.key` (created on first use).
pub fn master_key(s: &Settings) -> anyhow::Result<MasterKey> {
    if let Some(k) = &s.master_key {
        return MasterKey::from_hex(k.expose()).context("master_key");
    }
    let (path, create) = match &s.master_key_file {
        Some(p) => (p.clone(), false),
        None => (s.data_dir.join("master.key"), true),
    };
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read master key file {}", path.display()))?;
        return MasterKey::from_hex(&text)
            .with_context(|| format!("master key file {}", path.display()));
    }
    if !create {
        anyhow::bail!("master_key_file {} does not exist", path.display());
    }
    if matches!(s.database()?, crate::config::Database::Postgres(_)) {
        anyhow::bail!(
            "with PostgreSQL every node must share one master key: set master_key or master_key_file \
             (generate one with `openssl rand -hex 32`)"
        );
    }
    let key = MasterKey::generate();
    write_private(&path, key.to_hex().as_bytes())?;
    tracing::info!(path = %path.display(), "Generated a new master key.");
    Ok(key)
}
