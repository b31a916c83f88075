//! FNV-1a 64, the crate's one non-cryptographic hash: feature buckets, the model file's
//! checksum and campaign recipients. Stable across builds and platforms (model files depend on
//! it).

/// The FNV-1a 64 offset basis: the state to start from.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 of `bytes`, continued from state `h` (start from [`FNV_OFFSET`]).
#[inline]
pub(crate) fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}
