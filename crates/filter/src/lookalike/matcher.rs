//! Matching one domain label against brands: normalisation (Unicode confusable skeleton,
//! ASCII homoglyph folding, hyphen removal), keyword segmentation of compounds, and
//! Damerau–Levenshtein (optimal string alignment) distance ≤ 1 through a deletion index.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::brands::{KEYWORDS, TYPO_EXCEPTIONS};
use super::tables::{fold, is_keyboard_neighbour, unicode_homoglyphs};

/// Brands shorter than this get no typo matching at all (only exact and homoglyph matches,
/// alone or in keyword compounds): `ups`, `dhl`, `att`, `aws`, `duo`, `okta`, `zoom`, `hsbc`…
pub const TYPO_MIN_LEN: usize = 5;
/// Brands shorter than this get typo matches only inside keyword compounds (`appie-id`), not
/// for a bare label (`apply`, `stack`, `chose` are ordinary words).
pub const TYPO_ALONE_MIN_LEN: usize = 6;
/// Cores shorter than this are never matched.
const MIN_CORE: usize = 3;

/// One brand name prepared for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The name as given (lower-case, may contain hyphens: `t-mobile`).
    pub name: String,
    /// Without hyphens (`tmobile`).
    pub key: String,
    /// [`fold`] of `key`.
    pub folded: String,
}

impl Entry {
    pub fn new(name: &str) -> Self {
        let name = name.trim().to_lowercase();
        let key: String = name.chars().filter(|c| *c != '-').collect();
        let folded = fold(&key);
        Self { name, key, folded }
    }
}

/// How a core matched a brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MatchKind {
    Exact,
    Homoglyph,
    Typo(&'static str),
}

/// A brand match inside a label.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    pub entry: usize,
    pub kind: MatchKind,
    /// Keyword text before and after the brand (hyphen-free), empty when none.
    pub before: String,
    pub after: String,
}

impl Hit {
    pub fn has_keyword(&self) -> bool {
        !self.before.is_empty() || !self.after.is_empty()
    }
}

/// Shortlists brand entries for a core in O(length) hash look-ups.
#[derive(Debug, Default)]
pub(super) struct Index {
    map: HashMap<String, Vec<usize>>,
}

impl Index {
    pub fn new(entries: &[Entry]) -> Self {
        let mut map: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let mut keys = vec![e.key.clone(), e.folded.clone()];
            if e.key.len() >= TYPO_MIN_LEN {
                keys.extend(deletions(&e.key));
            }
            for k in keys {
                let v = map.entry(k).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        Self { map }
    }

    /// Entries that may match `core` (exact, folded, one edit, plural).
    fn candidates(&self, core: &str, folded: &str, out: &mut Vec<usize>) {
        let mut add = |k: &str| {
            if let Some(v) = self.map.get(k) {
                for &i in v {
                    if !out.contains(&i) {
                        out.push(i);
                    }
                }
            }
        };
        add(core);
        add(folded);
        for d in deletions(core) {
            add(&d);
        }
        if let Some(stem) = core.strip_suffix("es") {
            add(stem);
        }
    }
}

/// Every string with one character removed.
fn deletions(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    (0..chars.len())
        .map(|i| {
            chars
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, c)| *c)
                .collect()
        })
        .collect()
}

/// Lower-case ASCII form of a (Unicode) label: non-ASCII characters are replaced by their
/// UTS #39 confusable skeleton, combining marks dropped. Returns the form and whether the
/// label had non-ASCII characters.
pub(super) fn normalise_label(label: &str) -> (String, bool) {
    if label.is_ascii() {
        return (label.to_ascii_lowercase(), false);
    }
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(a) = unicode_to_ascii(c) {
            out.push(a); // our own table first (UTS #39 maps e.g. Cyrillic `ь` elsewhere)
        } else {
            let mut buf = [0u8; 4];
            for s in unicode_security::skeleton(c.encode_utf8(&mut buf)) {
                if ('\u{300}'..='\u{36f}').contains(&s) {
                    continue; // combining mark left by the decomposition
                }
                match s {
                    s if s.is_ascii() => out.push(s.to_ascii_lowercase()),
                    s => out.push(s),
                }
            }
        }
    }
    (out, true)
}

/// The ASCII letter a Unicode look-alike in [`unicode_homoglyphs`] stands for.
fn unicode_to_ascii(c: char) -> Option<char> {
    ('a'..='z').find(|&a| unicode_homoglyphs(a).contains(&c))
}

/// `ok[i]`: `t[..i]` (forward) or `t[i..]` (backward) splits entirely into keywords and digit
/// runs.
#[allow(clippy::needless_range_loop)] // index arithmetic on both ends reads clearer
fn keyword_positions(t: &[u8], forward: bool) -> Vec<bool> {
    let n = t.len();
    let mut ok = vec![false; n + 1];
    let kw = keywords();
    let is_kw = |a: usize, b: usize| {
        let piece = &t[a..b];
        piece.iter().all(u8::is_ascii_digit)
            || std::str::from_utf8(piece).is_ok_and(|p| kw.contains(p))
    };
    if forward {
        ok[0] = true;
        for i in 0..n {
            if ok[i] {
                for j in i + 1..=n.min(i + 16) {
                    if is_kw(i, j) {
                        ok[j] = true;
                    }
                }
            }
        }
    } else {
        ok[n] = true;
        for j in (1..=n).rev() {
            if ok[j] {
                for i in j.saturating_sub(16)..j {
                    if is_kw(i, j) {
                        ok[i] = true;
                    }
                }
            }
        }
    }
    ok
}

/// Classifies `core` against one entry.
pub(super) fn classify(core: &str, folded: &str, e: &Entry, has_kw: bool) -> Option<MatchKind> {
    if core == e.key {
        return Some(MatchKind::Exact);
    }
    if folded == e.folded {
        return Some(MatchKind::Homoglyph);
    }
    let n = e.key.len();
    if n < TYPO_MIN_LEN || (n < TYPO_ALONE_MIN_LEN && !has_kw) || TYPO_EXCEPTIONS.contains(&core) {
        return None;
    }
    if core.strip_suffix('s') == Some(e.key.as_str())
        || core.strip_suffix("es") == Some(e.key.as_str())
    {
        return Some(MatchKind::Typo("plural"));
    }
    typo_family(core, &e.key).map(MatchKind::Typo)
}

/// Brand hits in a normalised label: every core `t[i..j]` whose prefix and suffix are
/// keyword sequences (or empty), matched against the shortlisted entries.
pub(super) fn hits(
    label: &str,
    entries: &[Entry],
    index: Option<&Index>,
    typos: bool,
    out: &mut Vec<Hit>,
) {
    let t: String = label.chars().filter(|c| *c != '-').collect();
    let tb = t.as_bytes();
    let n = tb.len();
    if n < MIN_CORE || !t.is_ascii() {
        return;
    }
    let pre = keyword_positions(tb, true);
    let suf = keyword_positions(tb, false);
    let mut cands = Vec::new();
    for i in (0..n).filter(|&i| pre[i]) {
        for j in (i + MIN_CORE..=n).filter(|&j| suf[j]) {
            let core = &t[i..j];
            let folded = fold(core);
            let has_kw = i > 0 || j < n;
            cands.clear();
            match index {
                Some(ix) => ix.candidates(core, &folded, &mut cands),
                None => cands.extend(0..entries.len()),
            }
            for &ei in &cands {
                let Some(kind) = classify(core, &folded, &entries[ei], has_kw) else {
                    continue;
                };
                if !typos && matches!(kind, MatchKind::Typo(_)) {
                    continue;
                }
                out.push(Hit {
                    entry: ei,
                    kind,
                    before: t[..i].to_string(),
                    after: t[j..].to_string(),
                });
            }
        }
    }
}

/// The dnstwist family of a single edit turning `brand` into `core`, if the optimal string
/// alignment distance is exactly 1.
pub(super) fn typo_family(core: &str, brand: &str) -> Option<&'static str> {
    let c = core.as_bytes();
    let b = brand.as_bytes();
    let first_diff = |x: &[u8], y: &[u8]| {
        x.iter()
            .zip(y)
            .position(|(p, q)| p != q)
            .unwrap_or(x.len().min(y.len()))
    };
    if c.len() == b.len() + 1 {
        let k = first_diff(c, b);
        if c[..k] != b[..k] || c[k + 1..] != b[k..] {
            return None;
        }
        return Some(if k == b.len() {
            "addition"
        } else if (k > 0 && c[k] == c[k - 1]) || c[k] == c[k + 1] {
            "repetition"
        } else {
            "insertion"
        });
    }
    if c.len() + 1 == b.len() {
        let k = first_diff(c, b);
        return (c[..k] == b[..k] && c[k..] == b[k + 1..]).then_some("omission");
    }
    if c.len() != b.len() {
        return None;
    }
    let k = first_diff(c, b);
    if k == c.len() {
        return None;
    }
    if c[k + 1..] == b[k + 1..] {
        let (x, y) = (char::from(b[k]), char::from(c[k]));
        let vowel = |ch: char| "aeiou".contains(ch);
        return Some(if vowel(x) && vowel(y) {
            "vowel-swap"
        } else if (b[k] ^ c[k]).count_ones() == 1 {
            "bitsquatting"
        } else if is_keyboard_neighbour(x, y) {
            "replacement"
        } else {
            "substitution"
        });
    }
    let swapped =
        k + 1 < c.len() && c[k] == b[k + 1] && c[k + 1] == b[k] && c[k + 2..] == b[k + 2..];
    swapped.then_some("transposition")
}

/// The keyword set, built once.
fn keywords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| KEYWORDS.iter().copied().collect())
}
