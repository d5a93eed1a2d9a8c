//! How figures are written for people and for spreadsheets: one duration formatter, one
//! number formatter and one CSV quoter for the terminal table, the report and every CSV file.

/// A unit for latency axes, chosen so the largest value reads between 1 and 1000.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeUnit {
    /// Nanoseconds per unit.
    pub ns: f64,
    /// The unit's symbol.
    pub symbol: &'static str,
}

impl TimeUnit {
    /// The unit for values up to `max_ns`.
    pub fn for_max(max_ns: f64) -> Self {
        let (ns, symbol) = if max_ns >= 1e9 {
            (1e9, "s")
        } else if max_ns >= 1e6 {
            (1e6, "ms")
        } else if max_ns >= 1e3 {
            (1e3, "µs")
        } else {
            (1.0, "ns")
        };
        TimeUnit { ns, symbol }
    }
}

/// A duration in ns with a readable unit: `850 ns`, `12.3 µs`, `4.56 ms`.
pub fn fmt_ns(ns: f64) -> String {
    let unit = TimeUnit::for_max(ns.abs());
    format!("{} {}", fmt_sig(ns / unit.ns), unit.symbol)
}

/// A count or rate with an SI prefix: `950`, `12.3 k`, `4.56 M`.
pub fn fmt_si(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{} G", fmt_sig(v / 1e9))
    } else if a >= 1e6 {
        format!("{} M", fmt_sig(v / 1e6))
    } else if a >= 1e3 {
        format!("{} k", fmt_sig(v / 1e3))
    } else {
        fmt_sig(v)
    }
}

/// Three significant figures, without a trailing `.0`.
pub fn fmt_sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (3 - 1 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A percentage of a ratio in 0..1: `12.5%`.
pub fn fmt_pct(ratio: f64) -> String {
    format!("{}%", fmt_sig(ratio * 100.0))
}

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\r\nlines"), "\"two\r\nlines\"");
    }

    #[test]
    fn durations_keep_three_significant_figures() {
        assert_eq!(fmt_ns(850.0), "850 ns");
        assert_eq!(fmt_ns(12_345.0), "12.3 µs");
        assert_eq!(fmt_ns(4_560_000.0), "4.56 ms");
        assert_eq!(fmt_ns(2e9), "2 s");
    }
}
