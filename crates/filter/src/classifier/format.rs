//! The model file: a small versioned little-endian binary format.
//!
//! ```text
//! magic "SBSHLD\0\0" | version u32 = 2 (1 still loads)
//! word_bits u8 | char_bits u8 | word_max_n u8 | char_min_n u8 | char_max_n u8
//! flags u8 (1 fold_digits, 2 digit_shapes, 4 caps_tokens, 8 cross_word, 16 shape_ngrams)
//! word_weight f32 | char_weight f32 | dense_weight f32
//! n_docs u32 | bias f32 | threshold f32 | scale f32
//! dense count u32 | dense weights f32 × count
//! entries u32 | per bucket with df > 0, ascending: varint(index delta) varint(df) f32 weight
//! version ≥ 2: template index (see `knn`):
//!   texts u32 | w_mal f32 | w_ham f32 | malicious flag u8 × texts
//!   lists u32 | per list, ascending bucket: varint(bucket delta) varint(len)
//!     then per posting, ascending text: varint(text delta) u16 weight
//! checksum u64 (FNV-1a 64 of everything before it)
//! ```
//! Version 1 files (no template index) still load.
//! IDF is stored as the document frequency and recomputed on load, so it is exact.

use super::features::{FeatureConfig, DENSE};
use super::knn::Knn;
use super::{idf, Model, ModelError};
use crate::fnv::{fnv1a, FNV_OFFSET};

const MAGIC: &[u8; 8] = b"SBSHLD\0\0";
const VERSION: u32 = 2;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Recovers the document frequency from a stored IDF (the inverse of [`idf`]).
fn df_of(n_docs: u32, idf_value: f32) -> u32 {
    let df = (1.0 + f64::from(n_docs)) / (f64::from(idf_value) - 1.0).exp() - 1.0;
    df.round().max(1.0) as u32
}

/// Encodes `m`.
pub fn encode(m: &Model) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    let c = &m.cfg;
    let flags = u8::from(c.fold_digits)
        | u8::from(c.digit_shapes) << 1
        | u8::from(c.caps_tokens) << 2
        | u8::from(c.cross_word) << 3
        | u8::from(c.shape_ngrams) << 4;
    out.extend_from_slice(&[
        c.word_bits,
        c.char_bits,
        c.word_max_n,
        c.char_min_n,
        c.char_max_n,
        flags,
    ]);
    for f in [c.word_weight, c.char_weight, c.dense_weight] {
        out.extend_from_slice(&f.to_le_bytes());
    }
    out.extend_from_slice(&m.n_docs.to_le_bytes());
    for f in [m.bias, m.threshold, m.scale] {
        out.extend_from_slice(&f.to_le_bytes());
    }
    out.extend_from_slice(&(DENSE as u32).to_le_bytes());
    for f in m.dense_w {
        out.extend_from_slice(&f.to_le_bytes());
    }
    let entries: Vec<(usize, [f32; 2])> = m
        .table
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, e)| e[0] != 0.0)
        .collect();
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    let mut prev = 0usize;
    for (j, [idf_value, w]) in entries {
        put_varint(&mut out, (j - prev) as u64);
        prev = j;
        put_varint(&mut out, u64::from(df_of(m.n_docs, idf_value)));
        out.extend_from_slice(&w.to_le_bytes());
    }
    let k = &m.knn;
    out.extend_from_slice(&(k.malicious.len() as u32).to_le_bytes());
    for f in [k.w_mal, k.w_ham] {
        out.extend_from_slice(&f.to_le_bytes());
    }
    out.extend(k.malicious.iter().map(|&b| u8::from(b)));
    out.extend_from_slice(&(k.lists.len() as u32).to_le_bytes());
    let mut prev = 0u32;
    for (j, postings) in &k.lists {
        put_varint(&mut out, u64::from(j - prev));
        prev = *j;
        put_varint(&mut out, postings.len() as u64);
        let mut prev_doc = 0u32;
        for &(doc, q) in postings {
            put_varint(&mut out, u64::from(doc - prev_doc));
            prev_doc = doc;
            out.extend_from_slice(&q.to_le_bytes());
        }
    }
    let sum = fnv1a(FNV_OFFSET, &out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn err(msg: &str) -> ModelError {
    ModelError(msg.to_string())
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| err("truncated"))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        let v = f32::from_bits(self.u32()?);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(err("non-finite number"))
        }
    }
    fn varint(&mut self) -> Result<u64, ModelError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(err("varint too long"))
    }
}

/// Decodes and validates model bytes.
pub fn decode(bytes: &[u8]) -> Result<Model, ModelError> {
    if bytes.len() < MAGIC.len() + 12 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(err("bad magic"));
    }
    let (body, tail) = bytes.split_at(bytes.len() - 8);
    let mut sum = [0u8; 8];
    sum.copy_from_slice(tail);
    if fnv1a(FNV_OFFSET, body) != u64::from_le_bytes(sum) {
        return Err(err("checksum mismatch"));
    }
    let mut r = Reader {
        bytes: body,
        pos: MAGIC.len(),
    };
    let version = r.u32()?;
    if !(1..=VERSION).contains(&version) {
        return Err(ModelError(format!("unsupported version {version}")));
    }
    let h = r.take(6)?;
    if h[5] & !0x1f != 0 {
        return Err(err("unknown feature flags"));
    }
    let cfg = FeatureConfig {
        word_bits: h[0],
        char_bits: h[1],
        word_max_n: h[2],
        char_min_n: h[3],
        char_max_n: h[4],
        fold_digits: h[5] & 1 != 0,
        digit_shapes: h[5] & 2 != 0,
        caps_tokens: h[5] & 4 != 0,
        cross_word: h[5] & 8 != 0,
        shape_ngrams: h[5] & 16 != 0,
        word_weight: r.f32()?,
        char_weight: r.f32()?,
        dense_weight: r.f32()?,
    };
    if !(8..=24).contains(&cfg.word_bits)
        || !(8..=24).contains(&cfg.char_bits)
        || !(1..=3).contains(&cfg.word_max_n)
        || cfg.char_min_n == 0
        || cfg.char_min_n > cfg.char_max_n
        || cfg.char_max_n > 8
    {
        return Err(err("bad feature configuration"));
    }
    let n_docs = r.u32()?;
    let (bias, threshold, scale) = (r.f32()?, r.f32()?, r.f32()?);
    if r.u32()? as usize != DENSE {
        return Err(err("dense feature count mismatch"));
    }
    let mut dense_w = [0.0f32; DENSE];
    for d in dense_w.iter_mut() {
        *d = r.f32()?;
    }
    let entries = r.u32()? as usize;
    let dims = cfg.hashed_dims();
    let mut table = vec![[0.0f32; 2]; dims];
    let mut j = 0usize;
    for k in 0..entries {
        let delta = r.varint()? as usize;
        if k > 0 && delta == 0 {
            return Err(err("bucket indices not ascending"));
        }
        j = j
            .checked_add(delta)
            .filter(|&j| j < dims)
            .ok_or_else(|| err("bucket out of range"))?;
        let df = u32::try_from(r.varint()?).map_err(|_| err("df too large"))?;
        table[j] = [idf(n_docs, df), r.f32()?];
    }
    let knn = if version >= 2 {
        read_knn(&mut r, cfg.word_dims())?
    } else {
        Knn::default()
    };
    if r.pos != body.len() {
        return Err(err("trailing bytes"));
    }
    Ok(Model {
        cfg,
        table,
        n_docs,
        dense_w,
        bias,
        threshold,
        scale,
        knn,
    })
}

fn read_knn(r: &mut Reader<'_>, word_dims: usize) -> Result<Knn, ModelError> {
    let texts = r.u32()? as usize;
    let (w_mal, w_ham) = (r.f32()?, r.f32()?);
    let flags = r.take(texts)?;
    if flags.iter().any(|&b| b > 1) {
        return Err(err("bad template flag"));
    }
    let malicious: Vec<bool> = flags.iter().map(|&b| b == 1).collect();
    let n_lists = r.u32()? as usize;
    let mut lists = Vec::with_capacity(n_lists.min(word_dims));
    let mut j = 0u64;
    for k in 0..n_lists {
        let delta = r.varint()?;
        if k > 0 && delta == 0 {
            return Err(err("template buckets not ascending"));
        }
        j = j
            .checked_add(delta)
            .filter(|&j| j < word_dims as u64)
            .ok_or_else(|| err("template bucket out of range"))?;
        let len = r.varint()? as usize;
        let mut postings = Vec::with_capacity(len.min(texts));
        let mut doc = 0u64;
        for p in 0..len {
            let d = r.varint()?;
            if p > 0 && d == 0 {
                return Err(err("template postings not ascending"));
            }
            doc = doc
                .checked_add(d)
                .filter(|&x| x < texts as u64)
                .ok_or_else(|| err("template text out of range"))?;
            let b = r.take(2)?;
            postings.push((doc as u32, u16::from_le_bytes([b[0], b[1]])));
        }
        lists.push((j as u32, postings));
    }
    Ok(Knn::from_parts(malicious, lists, w_mal, w_ham, word_dims))
}
