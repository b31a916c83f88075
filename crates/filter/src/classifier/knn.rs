//! The "template" feature: spam comes in families of near-identical texts, so the cosine
//! similarity of a message's word block to its nearest malicious and nearest benign training
//! text is a strong non-linear cue. An inverted index over the rarer word buckets (document
//! frequency ≤ a cap) keeps lookups to a few hundred postings per message.

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
    /// are `flat[starts[j]..starts[j + 1]]` as `(text, weight)`.
    starts: Vec<u32>,
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
        let mut starts = vec![0u32; word_dims + 1];
        let mut flat = Vec::with_capacity(lists.iter().map(|l| l.1.len()).sum());
        let mut next = 0usize;
        for (j, postings) in &lists {
            let j = (*j as usize).min(word_dims);
            for s in &mut starts[next..=j] {
                *s = flat.len() as u32;
            }
            next = j + 1;
            flat.extend(postings.iter().map(|&(d, q)| (d, f32::from(q) / QUANT)));
        }
        for s in &mut starts[next.min(word_dims + 1)..] {
            *s = flat.len() as u32;
        }
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
        // Posting lists are short (capped at training), so the touched documents are few:
        // collect (doc, product) pairs and sum them per document after a sort, instead of
        // zeroing an accumulator as long as the training set for every message.
        let mut hits: Vec<(u32, f32)> = Vec::new();
        for &(j, v) in query {
            let j = j as usize;
            let (Some(&lo), Some(&hi)) = (self.starts.get(j), self.starts.get(j + 1)) else {
                continue;
            };
            for &(doc, q) in self.flat.get(lo as usize..hi as usize).unwrap_or(&[]) {
                hits.push((doc, v * q));
            }
        }
        hits.sort_by_key(|h| h.0);
        let (mut best_mal, mut best_ham) = (0.0f32, 0.0f32);
        let mut i = 0;
        while i < hits.len() {
            let doc = hits[i].0;
            let mut s = 0.0f32;
            while i < hits.len() && hits[i].0 == doc {
                s += hits[i].1;
                i += 1;
            }
            if self.malicious.get(doc as usize).copied().unwrap_or(false) {
                best_mal = best_mal.max(s);
            } else {
                best_ham = best_ham.max(s);
            }
        }
        (best_mal, best_ham)
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
