//! Labelled datasets for evaluation and training.
//!
//! Parsers for the two public corpora the shield is measured on (UCI SMS Spam Collection and
//! Mishra & Soni 2022) and for plain one-message-per-line files. Parsing works on text the
//! caller has already read: this module does no I/O.

use std::collections::HashSet;

/// A dataset's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// UCI SMS Spam Collection: `label<TAB>text`.
    Uci,
    /// Mishra & Soni 2022: CSV `LABEL,TEXT,URL,EMAIL,PHONE`.
    Mishra,
    /// One text per line, all of one label given by the caller.
    Lines,
}

impl Format {
    /// Parses a format name: `uci`, `mishra` or `lines` (case-insensitive).
    pub fn parse(name: &str) -> Result<Self, DatasetError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "uci" => Ok(Format::Uci),
            "mishra" => Ok(Format::Mishra),
            "lines" => Ok(Format::Lines),
            other => Err(DatasetError::UnknownFormat(other.to_string())),
        }
    }
}

/// The label of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    /// A legitimate message.
    Ham,
    /// Unsolicited bulk or premium-rate spam.
    Spam,
    /// Phishing by SMS (a lure to a link, number or reply).
    Smishing,
}

impl Label {
    /// Whether the label counts as malicious (spam or smishing).
    pub fn is_malicious(self) -> bool {
        !matches!(self, Label::Ham)
    }

    /// Parses a label name (`ham`, `spam`, `smishing`), ignoring case and surrounding spaces.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "ham" => Some(Label::Ham),
            "spam" => Some(Label::Spam),
            "smishing" => Some(Label::Smishing),
            _ => None,
        }
    }
}

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The message text (HTML entities decoded).
    pub text: String,
    /// Its label.
    pub label: Label,
}

/// A dataset could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatasetError {
    /// The format name is not one of `uci`, `mishra`, `lines`.
    #[error("unknown dataset format {0:?} (expected uci, mishra or lines)")]
    UnknownFormat(String),
    /// A row's label is not `ham`, `spam` or `smishing`.
    #[error("line {line}: unknown label {label:?}")]
    BadLabel {
        /// 1-based line number.
        line: usize,
        /// The label as found.
        label: String,
    },
    /// A row does not have the expected shape.
    #[error("line {line}: {reason}")]
    BadRow {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Parses `text` in `format`. `lines_label` labels every row of a [`Format::Lines`] file and is
/// ignored for the other formats. HTML entities are decoded in every text.
pub fn parse(format: Format, text: &str, lines_label: Label) -> Result<Vec<Example>, DatasetError> {
    match format {
        Format::Uci => parse_uci(text),
        Format::Mishra => parse_mishra(text),
        Format::Lines => Ok(text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.trim().is_empty())
            .map(|l| Example {
                text: decode_entities(l),
                label: lines_label,
            })
            .collect()),
    }
}

/// Removes examples whose text was already seen; the first occurrence wins.
pub fn dedup(examples: Vec<Example>) -> Vec<Example> {
    let mut seen: HashSet<String> = HashSet::with_capacity(examples.len());
    examples
        .into_iter()
        .filter(|e| seen.insert(e.text.clone()))
        .collect()
}

fn parse_uci(text: &str) -> Result<Vec<Example>, DatasetError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((label, body)) = line.split_once('\t') else {
            return Err(DatasetError::BadRow {
                line: i + 1,
                reason: "no tab after the label",
            });
        };
        let label = Label::parse(label).ok_or_else(|| DatasetError::BadLabel {
            line: i + 1,
            label: label.to_string(),
        })?;
        out.push(Example {
            text: decode_entities(body),
            label,
        });
    }
    Ok(out)
}

fn parse_mishra(text: &str) -> Result<Vec<Example>, DatasetError> {
    let rows = csv_rows(text)?;
    let mut out = Vec::new();
    let mut iter = rows.into_iter();
    match iter.next() {
        Some((_, header))
            if header.first().map(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case("label")
            }) == Some(true) => {}
        Some((line, _)) => {
            return Err(DatasetError::BadRow {
                line,
                reason: "missing LABEL,TEXT,... header",
            })
        }
        None => return Ok(out),
    }
    for (line, fields) in iter {
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if fields.len() < 2 {
            return Err(DatasetError::BadRow {
                line,
                reason: "fewer than 2 fields",
            });
        }
        let label = Label::parse(&fields[0]).ok_or_else(|| DatasetError::BadLabel {
            line,
            label: fields[0].clone(),
        })?;
        out.push(Example {
            text: decode_entities(&fields[1]),
            label,
        });
    }
    Ok(out)
}

/// Splits RFC 4180 CSV into rows of fields, each with the 1-based line number it starts on.
/// Accepts LF and CRLF; quoted fields may hold commas, doubled quotes and line breaks.
fn csv_rows(text: &str) -> Result<Vec<(usize, Vec<String>)>, DatasetError> {
    let mut rows = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut row_line = 1usize;
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => in_quotes = true,
            ',' => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                rows.push((row_line, std::mem::take(&mut fields)));
                line += 1;
                row_line = line;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(DatasetError::BadRow {
            line: row_line,
            reason: "unterminated quoted field",
        });
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        rows.push((row_line, fields));
    }
    Ok(rows)
}

/// Decodes the HTML entities the public corpora carry (`&lt;` `&gt;` `&amp;` `&quot;` `&#39;`)
/// in a single pass, so `&amp;lt;` becomes `&lt;`. Other `&` sequences are kept as they are.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    const ENTITIES: [(&str, char); 6] = [
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&amp;", '&'),
        ("&quot;", '"'),
        ("&#39;", '\''),
        ("&apos;", '\''),
    ];
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        match ENTITIES.iter().find(|(name, _)| rest.starts_with(name)) {
            Some((name, ch)) => {
                out.push(*ch);
                rest = &rest[name.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_once() {
        assert_eq!(
            decode_entities("a &lt;#&gt; b &amp;lt; &#39;x&quot; & y"),
            "a <#> b &lt; 'x\" & y"
        );
    }

    #[test]
    fn csv_quotes_and_crlf() {
        let t = "LABEL,TEXT,URL\r\nham,\"a, \"\"b\"\"\r\nc\",No\r\nSpam,plain,yes\r\n";
        let ex = parse(Format::Mishra, t, Label::Ham).unwrap_or_default();
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].text, "a, \"b\"\nc");
        assert_eq!(ex[1].label, Label::Spam);
    }
}
