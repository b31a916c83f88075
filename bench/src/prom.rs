//! Minimal parsers for the Prometheus text exposition format and
//! `/proc/<pid>/status`, just enough for the benchmark's sampling.

use std::collections::BTreeMap;

/// Gauge holding the number of messages waiting in the delivery pipeline.
pub const QUEUE_DEPTH: &str = "switchboard_queue_depth";
/// Prefix of the per-status message counters/gauges.
pub const MESSAGES_PREFIX: &str = "switchboard_messages";

/// One sample line: `name{labels} value [timestamp]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample<'a> {
    pub name: &'a str,
    /// Raw text between the braces (empty when there are no labels).
    pub labels: &'a str,
    pub value: f64,
}

/// Parses one line of exposition text; `None` for comments, blank lines and
/// anything malformed.
pub fn parse_line(line: &str) -> Option<Sample<'_>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace())?;
    let name = &line[..name_end];
    let rest = &line[name_end..];
    let (labels, rest) = match rest.strip_prefix('{') {
        Some(inner) => {
            let close = closing_brace(inner)?;
            (&inner[..close], &inner[close + 1..])
        }
        None => ("", rest),
    };
    let value = rest.split_whitespace().next()?.parse::<f64>().ok()?;
    if name.is_empty() {
        return None;
    }
    Some(Sample {
        name,
        labels,
        value,
    })
}

/// Index of the `}` closing a label set, skipping braces inside quoted values.
fn closing_brace(s: &str) -> Option<usize> {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            '}' if !in_quotes => return Some(i),
            _ => {}
        }
    }
    None
}

/// Value of `switchboard_queue_depth`, summed over label sets if it has any;
/// `None` when the gauge is absent.
pub fn queue_depth(text: &str) -> Option<f64> {
    let mut total = None;
    for sample in text.lines().filter_map(parse_line) {
        if sample.name == QUEUE_DEPTH {
            *total.get_or_insert(0.0) += sample.value;
        }
    }
    total
}

/// All `switchboard_messages*` samples (e.g. `switchboard_messages{status="delivered"}`),
/// rendered as `name{labels}` → value. Histogram buckets are skipped.
pub fn message_counts(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter_map(parse_line)
        .filter(|s| s.name.starts_with(MESSAGES_PREFIX) && !s.name.ends_with("_bucket"))
        .map(|s| {
            let key = if s.labels.is_empty() {
                s.name.to_string()
            } else {
                format!("{}{{{}}}", s.name, s.labels)
            };
            (key, s.value)
        })
        .collect()
}

/// Resident set size in bytes from the text of `/proc/<pid>/status`.
pub fn vm_rss_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut parts = line["VmRSS:".len()..].split_whitespace();
    let amount: u64 = parts.next()?.parse().ok()?;
    let factor = match parts.next() {
        Some("kB") | Some("KB") | None => 1024,
        Some("mB") | Some("MB") => 1024 * 1024,
        Some(_) => return None,
    };
    amount.checked_mul(factor)
}

/// `switchboard_messages{status="…"}` from [`message_counts`] output, 0 if absent.
pub fn status_count(counts: &[(String, f64)], status: &str) -> f64 {
    let key = format!("switchboard_messages{{status=\"{status}\"}}");
    counts
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(0.0, |(_, v)| *v)
}

/// The value of `name{…labels…}` whose labels contain `label`.
pub fn sample_value(text: &str, name: &str, label: &str) -> Option<f64> {
    text.lines()
        .filter_map(parse_line)
        .find(|s| s.name == name && s.labels.contains(label))
        .map(|s| s.value)
}

/// A histogram or summary from `/metrics`, condensed.
#[derive(Debug, Clone, Default)]
pub struct SummaryStat {
    pub name: String,
    pub count: f64,
    pub sum: f64,
    /// `quantile` label → value (summaries).
    pub quantiles: Vec<(String, f64)>,
}

/// Every summary/histogram whose name starts with `prefix`, by base name.
pub fn summaries(text: &str, prefix: &str) -> Vec<SummaryStat> {
    let mut by_name: BTreeMap<String, SummaryStat> = BTreeMap::new();
    for s in text.lines().filter_map(parse_line) {
        if !s.name.starts_with(prefix) || s.name.ends_with("_bucket") {
            continue;
        }
        let (base, field) = if let Some(b) = s.name.strip_suffix("_count") {
            (b, "count")
        } else if let Some(b) = s.name.strip_suffix("_sum") {
            (b, "sum")
        } else {
            (s.name, "quantile")
        };
        let entry = by_name
            .entry(base.to_string())
            .or_insert_with(|| SummaryStat {
                name: base.to_string(),
                ..SummaryStat::default()
            });
        match field {
            "count" => entry.count = s.value,
            "sum" => entry.sum = s.value,
            _ => {
                let q = s
                    .labels
                    .split(',')
                    .find_map(|l| l.strip_prefix("quantile="))
                    .map(|q| q.trim_matches('"').to_string())
                    .unwrap_or_else(|| "value".to_string());
                entry.quantiles.push((q, s.value));
            }
        }
    }
    by_name.into_values().collect()
}

/// One line: count, mean and the p50/p99/max quantiles (ms for `_seconds`).
pub fn fmt_summary(s: &SummaryStat) -> String {
    let seconds = s.name.ends_with("_seconds");
    let show = |v: f64| {
        if seconds {
            format!("{:.2}ms", v * 1000.0)
        } else {
            format!("{v:.1}")
        }
    };
    let mean = if s.count > 0.0 {
        show(s.sum / s.count)
    } else {
        "n/a".to_string()
    };
    let qs: Vec<String> = s
        .quantiles
        .iter()
        .filter(|(q, _)| ["0.5", "0.99", "1", "value"].contains(&q.as_str()))
        .map(|(q, v)| format!("{}={}", q_label(q), show(*v)))
        .collect();
    format!(
        "{}: count={:.0} mean={mean} {}",
        s.name,
        s.count,
        qs.join(" ")
    )
}

pub fn q_label(q: &str) -> String {
    match q {
        "0.5" => "p50".into(),
        "0.99" => "p99".into(),
        "1" => "max".into(),
        "value" => "value".into(),
        other => format!("q{other}"),
    }
}

/// Sum of `switchboard_smpp_bound` over links; `None` when the gauge is absent.
pub fn smpp_bound(text: &str) -> Option<f64> {
    text.lines()
        .filter_map(parse_line)
        .filter(|s| s.name == "switchboard_smpp_bound")
        .map(|s| s.value)
        .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# HELP switchboard_queue_depth Messages waiting.
# TYPE switchboard_queue_depth gauge
switchboard_queue_depth 42
switchboard_messages{status=\"delivered\"} 1000
switchboard_messages{status=\"queued\",note=\"a}b\"} 7 1700000000000
switchboard_messages_latency_bucket{le=\"0.1\"} 3
switchboard_http_requests_total{code=\"201\"} 1e3
";

    #[test]
    fn parses_plain_and_labelled_lines() {
        let s = parse_line("switchboard_queue_depth 42").unwrap();
        assert_eq!(s.name, "switchboard_queue_depth");
        assert_eq!(s.labels, "");
        assert_eq!(s.value, 42.0);

        let s = parse_line(r#"x{a="1",b="}"} 2.5 123"#).unwrap();
        assert_eq!(s.name, "x");
        assert_eq!(s.labels, r#"a="1",b="}""#);
        assert_eq!(s.value, 2.5);

        assert_eq!(parse_line("y +Inf").unwrap().value, f64::INFINITY);
        assert!(parse_line("y NaN").unwrap().value.is_nan());
    }

    #[test]
    fn rejects_comments_and_garbage() {
        assert!(parse_line("# TYPE x gauge").is_none());
        assert!(parse_line("   ").is_none());
        assert!(parse_line("novalue").is_none());
        assert!(parse_line("x{unterminated 1").is_none());
        assert!(parse_line("x notanumber").is_none());
    }

    #[test]
    fn finds_queue_depth() {
        assert_eq!(queue_depth(TEXT), Some(42.0));
        assert_eq!(queue_depth("switchboard_queue_depth_max 3\n"), None);
        assert_eq!(queue_depth(""), None);
        let labelled = "switchboard_queue_depth{q=\"a\"} 2\nswitchboard_queue_depth{q=\"b\"} 3\n";
        assert_eq!(queue_depth(labelled), Some(5.0));
    }

    #[test]
    fn collects_message_counts() {
        let counts = message_counts(TEXT);
        assert_eq!(
            counts,
            vec![
                (
                    "switchboard_messages{status=\"delivered\"}".to_string(),
                    1000.0
                ),
                (
                    "switchboard_messages{status=\"queued\",note=\"a}b\"}".to_string(),
                    7.0
                ),
            ]
        );
    }

    #[test]
    fn reads_vm_rss() {
        let status = "Name:\tswitchboard\nVmPeak:\t  999 kB\nVmRSS:\t   20480 kB\nThreads: 4\n";
        assert_eq!(vm_rss_bytes(status), Some(20480 * 1024));
        assert_eq!(vm_rss_bytes("Name: x\n"), None);
    }

    #[test]
    fn condenses_summaries() {
        let text = "\
switchboard_store_commit_seconds{quantile=\"0.5\"} 0.002
switchboard_store_commit_seconds{quantile=\"0.99\"} 0.01
switchboard_store_commit_seconds_sum 3
switchboard_store_commit_seconds_count 1000
switchboard_store_batch_jobs_sum 5000
switchboard_store_batch_jobs_count 100
switchboard_queue_depth 3
";
        let s = summaries(text, "switchboard_store_");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "switchboard_store_batch_jobs");
        assert_eq!(s[0].count, 100.0);
        assert_eq!(s[1].quantiles.len(), 2);
        let line = fmt_summary(&s[1]);
        assert!(line.contains("mean=3.00ms"), "{line}");
        assert!(line.contains("p99=10.00ms"), "{line}");
    }

    #[test]
    fn finds_labelled_samples() {
        let text = "switchboard_receipts_total{matched=\"true\"} 7\nswitchboard_receipts_total{matched=\"false\"} 2\n";
        assert_eq!(
            sample_value(text, "switchboard_receipts_total", "matched=\"false\""),
            Some(2.0)
        );
        let counts = vec![(
            "switchboard_messages{status=\"delivered\"}".to_string(),
            5.0,
        )];
        assert_eq!(status_count(&counts, "delivered"), 5.0);
        assert_eq!(status_count(&counts, "sent"), 0.0);
    }
}
