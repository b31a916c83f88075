//! Compact lookup of the few hashed buckets that carry a value.
//!
//! The template index has posting lists for only some of the 2^18 word buckets; a dense array
//! of list offsets would be 1 MB. A rank bitmap (one bit per bucket, with the number of set
//! bits before each 64-bit word stored beside it) maps a bucket to its position among the
//! present values: ~16 bytes per 64 buckets plus the values, and a lookup touches one bitmap
//! entry and one value.

/// Which buckets are present, and the rank of each present bucket.
#[derive(Debug, Clone, Default)]
pub(crate) struct RankIndex {
    /// Per 64 buckets: the bitmap word and the number of set bits in all earlier words.
    words: Vec<(u64, u32)>,
}

impl RankIndex {
    /// An index of `dims` buckets with `present` (strictly ascending, each `< dims`) set.
    fn build(dims: usize, present: impl Iterator<Item = usize>) -> Self {
        let mut words = vec![(0u64, 0u32); dims.div_ceil(64)];
        for j in present {
            if let Some(w) = words.get_mut(j / 64) {
                w.0 |= 1u64 << (j % 64);
            }
        }
        let mut total = 0u32;
        for w in &mut words {
            w.1 = total;
            total += w.0.count_ones();
        }
        Self { words }
    }

    /// The position of bucket `j` among the present buckets, if it is present.
    #[inline]
    pub(crate) fn rank(&self, j: u32) -> Option<usize> {
        let (bits, before) = *self.words.get((j / 64) as usize)?;
        let bit = 1u64 << (j % 64);
        if bits & bit == 0 {
            return None;
        }
        Some(before as usize + (bits & (bit - 1)).count_ones() as usize)
    }
}

/// Values of the present buckets of a hashed space, addressed by bucket number.
#[derive(Debug, Clone, Default)]
pub(crate) struct SparseTable<T> {
    index: RankIndex,
    /// The present values in bucket order.
    values: Vec<T>,
}

impl<T: Copy> SparseTable<T> {
    /// A table of `dims` buckets holding `entries` (bucket, value), buckets strictly
    /// ascending and `< dims`.
    pub(crate) fn from_sorted(dims: usize, entries: Vec<(usize, T)>) -> Self {
        let index = RankIndex::build(dims, entries.iter().map(|e| e.0));
        let values = entries.into_iter().map(|e| e.1).collect();
        Self { index, values }
    }

    /// The value of bucket `j`, if present.
    #[inline]
    pub(crate) fn get(&self, j: u32) -> Option<T> {
        self.values.get(self.index.rank(j)?).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_present_buckets() {
        let present = [0usize, 1, 63, 64, 65, 200, 1023];
        let t = SparseTable::from_sorted(1024, present.iter().map(|&j| (j, j * 10)).collect());
        for j in 0..1024u32 {
            let want = present.contains(&(j as usize)).then_some(j as usize * 10);
            assert_eq!(t.get(j), want, "bucket {j}");
        }
        assert_eq!(t.get(5000), None);
    }

    #[test]
    fn empty_table() {
        let t: SparseTable<u8> = SparseTable::from_sorted(100, Vec::new());
        assert!(t.get(3).is_none());
    }
}
