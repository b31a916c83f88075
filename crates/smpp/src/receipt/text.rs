//! The label scanner for receipt text (`id:… sub:… stat:… text:…`).
//!
//! Labels are matched case-insensitively at a word boundary (start of text or
//! after a character that is not alphanumeric or `_`) and must be followed by
//! `:`. Each label counts at its first occurrence only; a value runs to the
//! start of the next label not yet seen, so a repeated label (`stat:` inside
//! `text:`) stays part of the value. Fields may come in any order.

/// Receipt fields, in the order they are usually written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Id,
    Sub,
    Dlvrd,
    SubmitDate,
    DoneDate,
    Stat,
    Err,
    Text,
}

/// Spellings of each label (lowercase).
const LABELS: [(Field, &str); 10] = [
    (Field::Id, "id"),
    (Field::Sub, "sub"),
    (Field::Dlvrd, "dlvrd"),
    (Field::SubmitDate, "submit date"),
    (Field::SubmitDate, "submit_date"),
    (Field::DoneDate, "done date"),
    (Field::DoneDate, "done_date"),
    (Field::Stat, "stat"),
    (Field::Err, "err"),
    (Field::Text, "text"),
];

/// The raw (untrimmed) values of the fields found in `text`, as char
/// slices of the input.
pub(crate) fn scan(text: &[char]) -> Vec<(Field, &[char])> {
    let lower: Vec<char> = text.iter().map(char::to_ascii_lowercase).collect();
    // (field, label start, value start) at each label's first occurrence.
    let mut starts: Vec<(Field, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < lower.len() {
        let boundary = i == 0
            || lower
                .get(i - 1)
                .is_some_and(|&c| !c.is_alphanumeric() && c != '_');
        let hit = if boundary {
            label_at(&lower, i).filter(|(f, _)| starts.iter().all(|s| s.0 != *f))
        } else {
            None
        };
        match hit {
            Some((field, len)) => {
                starts.push((field, i, i + len));
                i += len;
            }
            None => i += 1,
        }
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &(field, _, value_start)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(text.len(), |s| s.1);
        out.push((field, text.get(value_start..end).unwrap_or(&[])));
    }
    out
}

/// The field whose label (with its `:`) starts at `i`, and the label's
/// length including the colon.
fn label_at(lower: &[char], i: usize) -> Option<(Field, usize)> {
    let rest = lower.get(i..)?;
    LABELS.iter().find_map(|&(field, label)| {
        let n = label.chars().count();
        let matches = rest.len() > n
            && rest.iter().zip(label.chars()).all(|(&a, b)| a == b)
            && rest.get(n) == Some(&':');
        matches.then_some((field, n + 1))
    })
}

/// A calendar date and time read from a receipt (`submit date`, `done date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptDate {
    /// Full year (two-digit years are taken as 20yy).
    pub year: u16,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=59 (0 when the form has no seconds).
    pub second: u8,
}

/// Parses `yyMMddHHmm`, `yyMMddHHmmss` or `yyyyMMddHHmmss` (the forms seen in
/// receipts). `None` for anything else or out-of-range fields. Receipt dates
/// carry no zone; they are usually the SMSC's local time or UTC.
pub fn parse_date(s: &str) -> Option<ReceiptDate> {
    let s = s.trim();
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<u16> { s.get(from..from + len)?.parse().ok() };
    let (year, rest) = match s.len() {
        10 | 12 => (2000 + num(0, 2)?, 2),
        14 => (num(0, 4)?, 4),
        _ => return None,
    };
    let two = |k: usize| -> Option<u8> { u8::try_from(num(rest + 2 * k, 2)?).ok() };
    let d = ReceiptDate {
        year,
        month: two(0)?,
        day: two(1)?,
        hour: two(2)?,
        minute: two(3)?,
        second: if s.len() == 10 { 0 } else { two(4)? },
    };
    let ok = (1..=12).contains(&d.month)
        && (1..=31).contains(&d.day)
        && d.hour < 24
        && d.minute < 60
        && d.second < 60;
    ok.then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &str) -> Vec<(Field, String)> {
        let chars: Vec<char> = s.chars().collect();
        scan(&chars)
            .into_iter()
            .map(|(f, v)| (f, v.iter().collect::<String>().trim().to_owned()))
            .collect()
    }

    #[test]
    fn repeated_labels_stay_in_the_value() {
        let f = fields("id:1 stat:DELIVRD text:stat:EXPIRED id:9");
        assert_eq!(f.len(), 3);
        assert_eq!(f[2], (Field::Text, "stat:EXPIRED id:9".to_owned()));
    }

    #[test]
    fn labels_need_a_boundary_and_a_colon() {
        let f = fields("xid:1 id :2 myid:3 id:4");
        assert_eq!(f, vec![(Field::Id, "4".to_owned())]);
    }

    #[test]
    fn dates_in_three_forms() {
        let d = parse_date("2611291530").unwrap();
        assert_eq!(
            (d.year, d.month, d.day, d.hour, d.minute, d.second),
            (2026, 11, 29, 15, 30, 0)
        );
        assert_eq!(parse_date("261129153045").unwrap().second, 45);
        assert_eq!(parse_date("20261129153045").unwrap().year, 2026);
        assert_eq!(parse_date("2613291530"), None);
        assert_eq!(parse_date("26112915"), None);
        assert_eq!(parse_date("26112915x0"), None);
        assert_eq!(parse_date("２６１１２９１５３０"), None);
    }
}
