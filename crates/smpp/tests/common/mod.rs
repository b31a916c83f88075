//! Shared helpers for the integration tests: the golden vectors.

use std::path::PathBuf;

/// The vectors directory.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// Parses a `.hex` vector: `#` starts a comment, whitespace is ignored.
pub fn parse_hex(text: &str) -> Vec<u8> {
    let digits: String = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    hex::decode(&digits).unwrap_or_else(|e| panic!("bad hex: {e}"))
}

/// Every vector as `(file stem, bytes)`, sorted by name.
pub fn all_vectors() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "hex"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, parse_hex(&std::fs::read_to_string(&p).unwrap()))
        })
        .collect();
    out.sort();
    out
}
