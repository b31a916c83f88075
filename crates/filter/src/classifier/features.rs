//! Feature extraction shared by training and scoring: hashed word uni/bigrams, hashed
//! character n-grams within word boundaries (sklearn's `char_wb`), and a few dense features.
//!
//! Hashing is FNV-1a 64 followed by a splitmix64 finaliser, so bucket numbers are stable across
//! platforms and Rust versions.

use crate::fnv::{fnv1a, FNV_OFFSET};

/// How text becomes features; stored in the model file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureConfig {
    /// log2 of the number of word-feature buckets.
    pub word_bits: u8,
    /// log2 of the number of character-feature buckets.
    pub char_bits: u8,
    /// Longest word n-gram: 1 = unigrams, 2 = unigrams and bigrams.
    pub word_max_n: u8,
    /// Shortest character n-gram.
    pub char_min_n: u8,
    /// Longest character n-gram.
    pub char_max_n: u8,
    /// Map every ASCII digit to `0` in character n-grams (phone numbers, prices, codes).
    pub fold_digits: bool,
    /// Add a word feature for the digit shape of every token with digits (`07090201529` →
    /// `00000000000`, `150p` → `000p`).
    pub digit_shapes: bool,
    /// Add a word feature for every all-capitals token (`FREE`, `URGENT`), case kept.
    pub caps_tokens: bool,
    /// Character n-grams run across word boundaries (over the whitespace-collapsed text)
    /// instead of within padded words.
    pub cross_word: bool,
    /// Add word bigrams (and trigrams, per `word_max_n`) over digit shapes: every token with
    /// digits replaced by its shape (`txt WIN to 87121` → `to 00000`), for short codes and
    /// premium-rate numbers.
    pub shape_ngrams: bool,
    /// Weight of the L2-normalised word block.
    pub word_weight: f32,
    /// Weight of the L2-normalised character block.
    pub char_weight: f32,
    /// Weight of the dense features (0 disables them).
    pub dense_weight: f32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            word_bits: 18,
            char_bits: 20,
            word_max_n: 2,
            char_min_n: 2,
            char_max_n: 5,
            fold_digits: false,
            digit_shapes: true,
            caps_tokens: false,
            cross_word: false,
            shape_ngrams: false,
            word_weight: 1.0,
            char_weight: 1.0,
            dense_weight: 0.1,
        }
    }
}

/// Number of dense features.
pub const DENSE: usize = 8;

impl FeatureConfig {
    /// Number of word buckets.
    pub fn word_dims(&self) -> usize {
        1usize << self.word_bits
    }

    /// Number of hashed dimensions (word buckets then character buckets).
    pub fn hashed_dims(&self) -> usize {
        self.word_dims() + (1usize << self.char_bits)
    }
}

#[inline]
fn bucket(h: u64, bits: u8) -> u32 {
    let mut z = h;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> (64 - u32::from(bits))) as u32
}

fn is_symbol_token(c: char) -> bool {
    matches!(
        c,
        '£' | '$' | '€' | '₹' | '¥' | '\u{fffd}' | '!' | '?' | '%' | '@' | '/' | ':'
    )
}

/// Lower-cased word tokens: runs of alphanumeric characters, plus a few symbols as tokens.
pub fn tokens(lower: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in lower.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if let Some(s) = start.take() {
            out.push(&lower[s..i]);
        }
        if is_symbol_token(c) {
            out.push(&lower[i..i + c.len_utf8()]);
        }
    }
    if let Some(s) = start {
        out.push(&lower[s..]);
    }
    out
}

/// Raw term counts of one text: `(bucket, count)` in first-occurrence order, for the word block
/// (buckets `0..word_dims`) and the character block (buckets offset by `word_dims`).
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// Word block.
    pub word: Vec<(u32, u32)>,
    /// Character block (global indices).
    pub chars: Vec<(u32, u32)>,
}

/// Term counts of `ids` in first-occurrence order, via a small open-addressing table (faster
/// than sorting for the few hundred features of one message).
fn runs(ids: Vec<u32>) -> Vec<(u32, u32)> {
    let cap = (ids.len() * 2).next_power_of_two().max(16);
    let mask = cap - 1;
    let mut slots = vec![u32::MAX; cap];
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(ids.len());
    for id in ids {
        let mut s = (id.wrapping_mul(0x9E37_79B1) as usize) & mask;
        loop {
            let slot = slots[s];
            if slot == u32::MAX {
                slots[s] = out.len() as u32;
                out.push((id, 1));
                break;
            }
            if out[slot as usize].0 == id {
                out[slot as usize].1 += 1;
                break;
            }
            s = (s + 1) & mask;
        }
    }
    out
}

/// Counts the hashed features of `text`.
pub fn counts(cfg: &FeatureConfig, text: &str) -> Counts {
    counts_lower(cfg, text, &text.to_lowercase())
}

/// [`counts`] with the lower-cased text already at hand.
pub fn counts_lower(cfg: &FeatureConfig, text: &str, lower: &str) -> Counts {
    let toks = tokens(lower);
    let mut word = Vec::with_capacity(toks.len() * 3);
    let uni = fnv1a(FNV_OFFSET, b"w1");
    let shape = fnv1a(FNV_OFFSET, b"ws");
    // Per token: the hash of its digit shape, if it has digits.
    let mut sh: Vec<Option<u64>> = Vec::with_capacity(toks.len());
    for t in &toks {
        word.push(bucket(fnv1a(uni, t.as_bytes()), cfg.word_bits));
        let digits = t.bytes().any(|b| b.is_ascii_digit());
        let s = if digits && (cfg.digit_shapes || cfg.shape_ngrams) {
            let folded = t.bytes().fold(shape, |h, b| {
                fnv1a(h, &[if b.is_ascii_digit() { b'0' } else { b }])
            });
            if cfg.digit_shapes {
                word.push(bucket(folded, cfg.word_bits));
            }
            Some(folded)
        } else {
            None
        };
        sh.push(s);
    }
    for n in 2..=usize::from(cfg.word_max_n) {
        // Raw n-grams hash "w<n>" tok 0 tok …; shaped ones mix in the shape hashes.
        let tag = fnv1a(FNV_OFFSET, &[b'w', b'0' + n as u8]);
        let stag = fnv1a(FNV_OFFSET, &[b'v', b'0' + n as u8]);
        for i in 0..toks.len().saturating_sub(n - 1) {
            let (mut h, mut s, mut shaped) = (tag, stag, false);
            for k in i..i + n {
                if k > i {
                    h = fnv1a(h, &[0]);
                }
                h = fnv1a(h, toks[k].as_bytes());
                s = match sh[k] {
                    Some(x) => {
                        shaped = true;
                        fnv1a(s, &x.to_le_bytes())
                    }
                    None => fnv1a(s, toks[k].as_bytes()),
                };
                s = fnv1a(s, &[0]);
            }
            word.push(bucket(h, cfg.word_bits));
            if cfg.shape_ngrams && shaped {
                word.push(bucket(s, cfg.word_bits));
            }
        }
    }
    if cfg.caps_tokens {
        let caps = fnv1a(FNV_OFFSET, b"wc");
        for t in tokens(text) {
            if t.chars().filter(|c| c.is_alphabetic()).count() >= 2
                && !t.chars().any(char::is_lowercase)
            {
                word.push(bucket(fnv1a(caps, t.as_bytes()), cfg.word_bits));
            }
        }
    }
    let offset = cfg.word_dims() as u32;
    let mut chars = Vec::with_capacity(lower.len() * 4);
    let base = fnv1a(FNV_OFFSET, b"c");
    let (min_n, max_n) = (
        usize::from(cfg.char_min_n.max(1)),
        usize::from(cfg.char_max_n),
    );
    // The padded word as UTF-8 bytes (digits folded if configured) and where each character
    // starts, so an n-gram's hash runs over a byte slice without re-encoding characters.
    let mut bytes: Vec<u8> = Vec::with_capacity(64);
    let mut starts: Vec<usize> = Vec::with_capacity(64);
    let whole;
    let words: Vec<&str> = if cfg.cross_word {
        whole = lower.split_whitespace().collect::<Vec<_>>().join(" ");
        vec![whole.as_str()]
    } else {
        lower.split_whitespace().collect()
    };
    for w in words {
        bytes.clear();
        starts.clear();
        bytes.push(b' ');
        bytes.extend(w.bytes().map(|b| {
            if cfg.fold_digits && b.is_ascii_digit() {
                b'0'
            } else {
                b
            }
        }));
        bytes.push(b' ');
        starts.extend((0..bytes.len()).filter(|&i| w.is_char_boundary(i.saturating_sub(1))));
        starts.push(bytes.len());
        for first in 0..starts.len() - 1 {
            let mut h = base;
            for (n, pair) in starts[first..].windows(2).take(max_n).enumerate() {
                h = fnv1a(h, &bytes[pair[0]..pair[1]]);
                if n + 1 >= min_n {
                    chars.push(offset + bucket(h, cfg.char_bits));
                }
            }
        }
    }
    Counts {
        word: runs(word),
        chars: runs(chars),
    }
}

/// Sublinear term frequency: 1 + ln(tf).
#[inline]
pub fn sublinear(tf: u32) -> f32 {
    if tf <= 1 {
        1.0
    } else {
        1.0 + (tf as f32).ln()
    }
}

fn looks_like_domain(tok: &str) -> bool {
    let t = tok.trim_matches(|c: char| !c.is_alphanumeric());
    let Some((head, tld)) = t.rsplit_once('.') else {
        return false;
    };
    let tld = tld.split('/').next().unwrap_or("");
    !head.is_empty()
        && head.chars().any(|c| c.is_ascii_alphabetic())
        && (2..=6).contains(&tld.len())
        && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// Dense features, each roughly in 0–1: URL, e-mail, long digit run, phone-length digit run,
/// currency, digit ratio, upper-case ratio, length.
pub fn dense(text: &str) -> [f32; DENSE] {
    dense_lower(text, &text.to_lowercase())
}

/// [`dense`] with the lower-cased text already at hand.
pub fn dense_lower(text: &str, lower: &str) -> [f32; DENSE] {
    let url = lower.contains("http")
        || lower.contains("www.")
        || lower.split_whitespace().any(looks_like_domain);
    let email = lower
        .split_whitespace()
        .any(|t| t.contains('@') && t.contains('.'));
    let (mut run, mut longest, mut digits, mut upper, mut letters, mut total) = (0, 0, 0, 0, 0, 0);
    for c in text.chars() {
        total += 1;
        if c.is_ascii_digit() {
            digits += 1;
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
        if c.is_alphabetic() {
            letters += 1;
            if c.is_uppercase() {
                upper += 1;
            }
        }
    }
    let currency = text
        .chars()
        .any(|c| matches!(c, '£' | '$' | '€' | '₹' | '\u{fffd}'));
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    [
        b(url),
        b(email),
        b(longest >= 5),
        b(longest >= 10),
        b(currency),
        digits as f32 / total.max(1) as f32,
        upper as f32 / letters.max(1) as f32,
        (total as f32 / 160.0).min(1.5),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_and_symbols() {
        assert_eq!(
            tokens("win £100 now! at x.co/ab"),
            vec!["win", "£", "100", "now", "!", "at", "x", "co", "/", "ab"]
        );
    }

    #[test]
    fn hashing_is_stable() {
        // Fixed values guard against accidental changes to the hash (the model depends on it).
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        let c = counts(&FeatureConfig::default(), "Hi hi");
        assert_eq!(c.word.iter().map(|x| x.1).sum::<u32>(), 3);
    }
}
