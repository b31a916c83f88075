//! The simulator's journal (`--submit-log`): one line per `submit_sm` and per
//! receipt sent. Tests count submits in it even after a `kill -9`, and a
//! restarted simulator reads it back like a real SMSC's store: message ids
//! continue where they stopped, and receipts still owed are sent once an ESME
//! binds again.
//!
//! Lines (tab-separated): `submit <id> <src> <dst> <registered_delivery>`,
//! `refused <status> <src> <dst>`, `receipt <id>`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// What a journal left by an earlier run says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// The highest message id handed out (ids are hex).
    pub max_id: Option<u64>,
    /// `(id, src, dst)` of accepted messages that asked for a receipt and got none.
    pub owed_receipts: Vec<(String, String, String)>,
}

pub fn read(path: &Path) -> Recovered {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Recovered::default();
    };
    let mut owed: HashMap<String, (String, String)> = HashMap::new();
    let mut order = Vec::new();
    let mut max_id = None;
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["submit", id, src, dst, rd] => {
                if let Ok(n) = u64::from_str_radix(id, 16) {
                    max_id = Some(max_id.map_or(n, |m: u64| m.max(n)));
                }
                if rd.parse::<u8>().is_ok_and(|r| r & 0x03 != 0) {
                    owed.insert((*id).to_owned(), ((*src).to_owned(), (*dst).to_owned()));
                    order.push((*id).to_owned());
                }
            }
            ["receipt", id] => {
                owed.remove(*id);
            }
            _ => {}
        }
    }
    let owed_receipts = order
        .into_iter()
        .filter_map(|id| owed.remove(&id).map(|(s, d)| (id, s, d)))
        .collect();
    Recovered {
        max_id,
        owed_receipts,
    }
}

pub struct Journal(std::fs::File);

impl Journal {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map(Self)
    }

    fn line(&mut self, fields: &[&str]) {
        let _ = writeln!(self.0, "{}", fields.join("\t"));
    }

    pub fn submit(&mut self, id: &str, src: &str, dst: &str, registered_delivery: u8) {
        self.line(&["submit", id, src, dst, &registered_delivery.to_string()]);
    }

    pub fn refused(&mut self, status: u32, src: &str, dst: &str) {
        self.line(&["refused", &format!("{status:#x}"), src, dst]);
    }

    pub fn receipt(&mut self, id: &str) {
        self.line(&["receipt", id]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_ids_and_owed_receipts() {
        let dir = std::env::temp_dir().join(format!("sbjournal-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let mut j = Journal::open(&dir).expect("open");
        j.submit("1000", "15005550006", "15550001111", 1);
        j.submit("1001", "15005550006", "15550001112", 1);
        j.submit("1002", "15005550006", "15550001113", 0);
        j.refused(0x58, "15005550006", "15550001114");
        j.receipt("1000");
        drop(j);
        let r = read(&dir);
        assert_eq!(r.max_id, Some(0x1002));
        assert_eq!(
            r.owed_receipts,
            vec![("1001".into(), "15005550006".into(), "15550001112".into())]
        );
        let _ = std::fs::remove_file(&dir);
    }
}
