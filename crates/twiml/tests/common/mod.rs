//! Helpers shared by the test binaries: the corpus runner and the
//! property-test generators both dialects use.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // each binary uses a part

pub mod generators;

use std::path::{Path, PathBuf};

use switchboard_twiml::Limits;

/// Reads `NAME.limits` beside `NAME.xml` (`field = value` lines overriding
/// [`Limits`]); defaults when there is none.
pub fn limits_for(xml_path: &Path) -> Limits {
    let mut limits = Limits::default();
    let Ok(text) = std::fs::read_to_string(xml_path.with_extension("limits")) else {
        return limits;
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (key, value) = line.split_once('=').expect("`field = value`");
        let value: usize = value.trim().parse().expect("a number");
        match key.trim() {
            "max_bytes" => limits.max_bytes = value,
            "max_depth" => limits.max_depth = value,
            "max_verbs" => limits.max_verbs = value,
            "max_body_chars" => limits.max_body_chars = value,
            "max_say_chars" => limits.max_say_chars = value,
            other => panic!("{}: unknown limit {other}", xml_path.display()),
        }
    }
    limits
}

/// The `*.xml` files of `tests/<dir>`, sorted.
pub fn xml_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
        .collect();
    files.sort();
    files
}

/// Compares `actual` with `NAME.expected` (or rewrites it when
/// `UPDATE_EXPECT=1`); returns a failure report on mismatch.
pub fn expect(xml_path: &Path, actual: &str) -> Option<String> {
    let expected_path = xml_path.with_extension("expected");
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        std::fs::write(&expected_path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    (expected != actual).then(|| {
        format!(
            "{}:\n--- expected\n{expected}--- actual\n{actual}",
            xml_path.display()
        )
    })
}

/// `-` for `None`, the debug form otherwise.
pub fn opt(value: &Option<String>) -> String {
    value
        .as_ref()
        .map_or_else(|| "-".to_owned(), |v| format!("{v:?}"))
}
