//! The smishing shield: every message is screened for phishing.
//!
//! `Shield::analyze` turns a [`FilterInput`] (text, sender, recipient, direction, account
//! context) into signals that add tags, a score from 0 to 100 and a [`Verdict`] with
//! human-readable reasons. Signals:
//!
//! - [`urls`]: URL and bare-domain extraction (defanged `hxxp`/`[.]`, scheme-less, IDN),
//!   registrable domains through the vendored Public Suffix List, shorteners, suspicious TLDs,
//!   raw IP hosts, entropy;
//! - [`lookalike`]: look-alike domains of protected brands (brand + identity keyword compounds,
//!   the dnstwist typo-squat families, homoglyphs) with the genuine domains allow-listed;
//! - [`classifier`]: a linear model over hashed word and character n-grams, trained on public
//!   data (weights are a build artefact in `data/`, see `docs/shield.md`);
//! - [`pretext`]: message-level lures (password expiry, account review, schedule change,
//!   MFA, urgency, IT/HR persona);
//! - [`campaign`]: what only the platform sees — one domain sent to many recipients in a short
//!   window, bursts from one sender to many numbers of one enterprise.
//!
//! No I/O: lists and models are loaded from bytes, time is a parameter, and domain intelligence
//! (e.g. registration age) comes through the injected [`DomainIntel`] trait.

pub mod campaign;
pub mod classifier;
pub mod dataset;
pub mod eval;
pub mod evaluate;
mod fnv;
mod input;
pub mod lookalike;
pub mod pretext;
mod shield;
pub mod urls;
mod verdict;

pub use campaign::{CampaignConfig, CampaignTracker};
pub use input::{AccountContext, Direction, FilterInput};
pub use shield::{link_blind, DomainIntel, NoIntel, Shield, ShieldConfig, Thresholds};
pub use verdict::{Analysis, UrlReport, Verdict};

/// The vendored Public Suffix List (MPL-2.0, see `data/LICENSES.md`).
pub(crate) const PUBLIC_SUFFIX_LIST: &str = include_str!("../data/public_suffix_list.dat");
/// The vendored URL-shortener list (MIT, see `data/LICENSES.md`).
pub const SHORTENERS: &str = include_str!("../data/link-shorteners.txt");

/// A domain name in ASCII (IDN to punycode, lower case), `None` when it is not one.
pub(crate) fn ascii_domain(name: &str) -> Option<String> {
    let ascii = idna::domain_to_ascii(name.trim().trim_end_matches('.')).ok()?;
    let ok = !ascii.is_empty()
        && ascii.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    ok.then_some(ascii)
}
