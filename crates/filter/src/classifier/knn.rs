//! The "template" feature: spam comes in families of near-identical texts, so the cosine
//! similarity of a message's word block to its nearest malicious and nearest benign training
//! text is a strong non-linear cue. An inverted index over the rarer word buckets (document
//! frequency ≤ a cap) keeps lookups to a few hundred postings per message.

use std::cell::RefCell;

use super::sparse::SparseTable;

/// Per-thread scratch space of [`Knn::similarities`].
#[derive(Default)]
struct Accumulator {
    /// Similarity so far per indexed text (0 when untouched).
    sums: Vec<f32>,
    /// Texts with a nonzero sum, each once.
    touched: Vec<u32>,
}

thread_local! {
    static ACCUMULATOR: RefCell<Accumulator> = RefCell::new(Accumulator::default());
}

/// Weights are stored quantised to 16 bits; training uses the same quantised values, so a
/// reloaded model scores exactly like the trained one.
pub(crate) const QUANT: f32 = 65535.0;

/// An inverted index of training texts' normalised word vectors.
#[derive(Debug, Clone, Default)]
pub struct Knn {
    /// Whether each indexed training text is malicious.
    pub(crate) malicious: Vec<bool>,
    /// `(bucket, postings)` sorted by bucket; postings are `(text, quantised weight)`.
    pub(crate) lists: Vec<(u32, Vec<(u32, u16)>)>,
    /// Flattened copy of `lists` for scoring (built on load): the postings of bucket `j`
    /// are `flat[lo..hi]` as `(text, weight)`, where `starts` maps `j` to `(lo, hi)`.
    starts: SparseTable<(u32, u32)>,
    /// See `starts`.
    flat: Vec<(u32, f32)>,
    /// Stacked weights of the nearest-malicious and nearest-benign similarities.
    pub(crate) w_mal: f32,
    /// See `w_mal`.
    pub(crate) w_ham: f32,
}

impl Knn {
    /// Builds the index from normalised word vectors `(bucket, value)`, keeping buckets seen
    /// in at most `cap` texts. `word_dims` bounds the bucket numbers.
    pub fn build(docs: &[Vec<(u32, f32)>], malicious: &[bool], cap: u32, word_dims: usize) -> Self {
        let mut df = vec![0u32; word_dims];
        for d in docs {
            for &(j, _) in d {
                if let Some(x) = df.get_mut(j as usize) {
                    *x += 1;
                }
            }
        }
        let mut by_bucket: Vec<Vec<(u32, u16)>> = vec![Vec::new(); word_dims];
        for (i, d) in docs.iter().enumerate() {
            for &(j, v) in d {
                if df.get(j as usize).is_some_and(|&c| c <= cap) {
                    by_bucket[j as usize].push((i as u32, quantise(v)));
                }
            }
        }
        let lists = by_bucket
            .into_iter()
            .enumerate()
            .filter(|(_, p)| !p.is_empty())
            .map(|(j, p)| (j as u32, p))
            .collect();
        Self::from_parts(malicious.to_vec(), lists, 0.0, 0.0, word_dims)
    }

    /// Assembles an index (used by the decoder); `lists` must be sorted by bucket.
    pub(crate) fn from_parts(
        malicious: Vec<bool>,
        lists: Vec<(u32, Vec<(u32, u16)>)>,
        w_mal: f32,
        w_ham: f32,
        word_dims: usize,
    ) -> Self {
        let mut ranges = Vec::with_capacity(lists.len());
        let mut flat = Vec::with_capacity(lists.iter().map(|l| l.1.len()).sum());
        for (j, postings) in &lists {
            let lo = flat.len() as u32;
            flat.extend(postings.iter().map(|&(d, q)| (d, f32::from(q) / QUANT)));
            if (*j as usize) < word_dims {
                ranges.push((*j as usize, (lo, flat.len() as u32)));
            }
        }
        let starts = SparseTable::from_sorted(word_dims, ranges);
        Self {
            malicious,
            lists,
            starts,
            flat,
            w_mal,
            w_ham,
        }
    }

    /// Whether the index holds no texts.
    pub fn is_empty(&self) -> bool {
        self.malicious.is_empty()
    }

    /// Highest cosine similarity of the normalised word vector `query` to any malicious and
    /// to any benign indexed text (over the indexed buckets only).
    pub fn similarities(&self, query: &[(u32, f32)]) -> (f32, f32) {
        // Posting lists are short (capped at training), so the touched documents are few: sum
        // into this thread's accumulator (one slot per indexed text) and reset only the slots
        // that were touched, in the order they were first touched.
        ACCUMULATOR.with(|cell| {
            let mut guard = cell.borrow_mut();
            let Accumulator { sums, touched } = &mut *guard;
            if sums.len() < self.malicious.len() {
                sums.resize(self.malicious.len(), 0.0);
            }
            for &(j, v) in query {
                let Some((lo, hi)) = self.starts.get(j) else {
                    continue;
                };
                for &(doc, q) in self.flat.get(lo as usize..hi as usize).unwrap_or(&[]) {
                    if let Some(s) = sums.get_mut(doc as usize) {
                        if *s == 0.0 {
                            touched.push(doc);
                        }
                        *s += v * q;
                    }
                }
            }
            let (mut best_mal, mut best_ham) = (0.0f32, 0.0f32);
            for doc in touched.drain(..) {
                let Some(slot) = sums.get_mut(doc as usize) else {
                    continue;
                };
                let s = std::mem::take(slot);
                if self.malicious.get(doc as usize).copied().unwrap_or(false) {
                    best_mal = best_mal.max(s);
                } else {
                    best_ham = best_ham.max(s);
                }
            }
            (best_mal, best_ham)
        })
    }

    /// The stacked contribution of the similarities to the logit.
    pub fn contribution(&self, query: &[(u32, f32)]) -> f32 {
        if self.is_empty() {
            return 0.0;
        }
        let (m, h) = self.similarities(query);
        self.w_mal * m + self.w_ham * h
    }
}

fn quantise(v: f32) -> u16 {
    (v.clamp(0.0, 1.0) * QUANT).round() as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_neighbours() {
        let docs = vec![vec![(1, 0.6), (2, 0.8)], vec![(3, 1.0)]];
        let k = Knn::build(&docs, &[true, false], 5, 8);
        let (m, h) = k.similarities(&[(1, 0.6), (2, 0.8)]);
        assert!((m - 1.0).abs() < 1e-3 && h == 0.0);
        let (m, h) = k.similarities(&[(3, 1.0)]);
        assert!(m == 0.0 && (h - 1.0).abs() < 1e-3);
    }
}
