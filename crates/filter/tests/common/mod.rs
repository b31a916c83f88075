//! Shared by the integration tests: the two public datasets under `testdata/shield/`.

use switchboard_filter::dataset::{self, Example, Format, Label};

/// Every row of the UCI SMS Spam Collection followed by every row of Mishra & Soni 2022.
pub fn public_examples() -> Vec<Example> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/shield/");
    let mut out = Vec::new();
    for (file, format) in [
        ("uci_SMSSpamCollection.tsv", Format::Uci),
        ("mishra_soni_2022_Dataset_5971.csv", Format::Mishra),
    ] {
        let text = std::fs::read_to_string(format!("{root}{file}")).unwrap();
        out.extend(dataset::parse(format, &text, Label::Ham).unwrap());
    }
    out
}
