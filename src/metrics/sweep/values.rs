//! The values a swept parameter takes, as written after `--vary NAME=`: lists (`1,2,4,8`),
//! arithmetic ranges (`1..32 step 4`), geometric ranges (`1..64 x2`), durations (`50us,100us`,
//! `10us..1ms x2`), and words (`exponential,decorrelated-jitter`).

use crate::units::Duration;

/// The most values one parameter may take (a typo like `1..1000000 step 1` fails early).
pub const MAX_VALUES: usize = 1_000;

/// One value of a swept parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepValue {
    /// As shown in labels and folder names (`4`, `50us`, `0.99`, `exponential`).
    pub text: String,
    /// As written into the scenario's TOML.
    pub toml: toml::Value,
    /// As a number for chart axes (durations in ns), when it is one.
    pub numeric: Option<f64>,
    /// True for durations (axis in time units).
    pub is_duration: bool,
}

/// Why a value list did not parse. Each message shows the accepted forms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValuesError {
    /// Nothing after `=`. Give at least one value.
    #[error(
        "no values given: write a list like `1,2,4,8`, a range like `1..32 step 4` or `1..64 x2`"
    )]
    Empty,
    /// A range is malformed. Use `A..B step S` or `A..B xF` (F above 1) with numbers or durations.
    #[error(
        "`{text}`: {reason}; ranges are `A..B step S` (arithmetic) or `A..B xF` (geometric, F > 1), with numbers or durations like `10us..1ms x2`"
    )]
    BadRange {
        /// The range as written.
        text: String,
        /// What is wrong.
        reason: String,
    },
    /// The list or range makes more than [`MAX_VALUES`] values. Use a coarser step.
    #[error("`{0}` makes more than {MAX_VALUES} values: use a coarser step or factor")]
    TooMany(String),
}

/// Parses one scalar: integer, float, duration (a number with a unit), boolean, or a word.
pub fn parse_scalar(item: &str) -> SweepValue {
    let t = item.trim();
    if let Ok(i) = t.parse::<i64>() {
        return SweepValue {
            text: i.to_string(),
            toml: toml::Value::Integer(i),
            numeric: Some(i as f64),
            is_duration: false,
        };
    }
    if let Ok(f) = t.parse::<f64>() {
        if f.is_finite() {
            return SweepValue {
                text: t.to_owned(),
                toml: toml::Value::Float(f),
                numeric: Some(f),
                is_duration: false,
            };
        }
    }
    let has_unit = t.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && t.ends_with(|c: char| c.is_alphabetic());
    if has_unit {
        if let Ok(d) = Duration::parse(t) {
            return duration_value(d);
        }
    }
    if let Ok(b) = t.parse::<bool>() {
        return SweepValue {
            text: t.to_owned(),
            toml: toml::Value::Boolean(b),
            numeric: None,
            is_duration: false,
        };
    }
    SweepValue {
        text: t.to_owned(),
        toml: toml::Value::String(t.to_owned()),
        numeric: None,
        is_duration: false,
    }
}

fn duration_value(d: Duration) -> SweepValue {
    SweepValue {
        text: d.to_string(),
        toml: toml::Value::String(d.to_string()),
        numeric: Some(d.0 as f64),
        is_duration: true,
    }
}

/// Parses a value list or range.
pub fn parse_values(text: &str) -> Result<Vec<SweepValue>, ValuesError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ValuesError::Empty);
    }
    let values = if t.contains("..") {
        parse_range(t)?
    } else {
        let items: Vec<&str> = t.split(',').map(str::trim).collect();
        if items.iter().any(|i| i.is_empty()) {
            return Err(ValuesError::Empty);
        }
        items.into_iter().map(parse_scalar).collect()
    };
    if values.len() > MAX_VALUES {
        return Err(ValuesError::TooMany(t.to_owned()));
    }
    Ok(values)
}

fn parse_range(t: &str) -> Result<Vec<SweepValue>, ValuesError> {
    let bad = |reason: &str| ValuesError::BadRange {
        text: t.to_owned(),
        reason: reason.to_owned(),
    };
    let (from, rest) = t.split_once("..").expect("caller checked for `..`");
    let rest = rest.trim();
    let (to, how) = rest
        .split_once(char::is_whitespace)
        .map_or((rest, ""), |(a, b)| (a.trim(), b.trim()));
    // `1..64x2` (no space) is accepted too.
    let (to, how) = match (how.is_empty(), to.rfind('x')) {
        (true, Some(i)) if i > 0 && to[..i].ends_with(|c: char| c.is_ascii_alphanumeric()) => {
            (&to[..i], &to[i..])
        }
        _ => (to, how),
    };
    let a = parse_scalar(from);
    let b = parse_scalar(to);
    let (Some(lo), Some(hi)) = (a.numeric, b.numeric) else {
        return Err(bad("both ends must be numbers or durations"));
    };
    if a.is_duration != b.is_duration {
        return Err(bad("one end is a duration and the other is not"));
    }
    if hi < lo {
        return Err(bad("the end is below the start"));
    }
    let durations = a.is_duration;
    let integers =
        matches!(a.toml, toml::Value::Integer(_)) && matches!(b.toml, toml::Value::Integer(_));
    let mut raw = Vec::new();
    if let Some(factor) = how.strip_prefix('x').or_else(|| how.strip_prefix('*')) {
        let f: f64 = factor
            .trim()
            .parse()
            .map_err(|_| bad("the factor after `x` is not a number"))?;
        if f <= 1.0 || !f.is_finite() {
            return Err(bad("the factor must be above 1"));
        }
        if lo <= 0.0 {
            return Err(bad("a geometric range must start above 0"));
        }
        let mut k = 0;
        loop {
            let v = lo * f.powi(k);
            if v > hi * (1.0 + 1e-9) || raw.len() > MAX_VALUES {
                break;
            }
            raw.push(v);
            k += 1;
        }
    } else if let Some(step) = how.strip_prefix("step") {
        let s = parse_scalar(step);
        let Some(step) = s.numeric.filter(|v| *v > 0.0) else {
            return Err(bad("the step must be a number above 0"));
        };
        if s.is_duration != durations {
            return Err(bad("the step must be of the same kind as the ends"));
        }
        if integers && !matches!(s.toml, toml::Value::Integer(_)) {
            // Rounding would quietly run other values than the ones asked for (1..8 step 1.5
            // would run 1, 3, 4, 6, 7).
            return Err(bad(&format!(
                "the ends are whole numbers but the step {} is not; a whole-number parameter \
                 (writers, actors, operations, max_attempts) needs a whole step such as `step 2`, \
                 and a fractional one needs ends with a decimal point, like `{}.0..{}.0 step {}`",
                s.text, a.text, b.text, s.text
            )));
        }
        let mut k = 0.0;
        loop {
            let v = lo + k * step;
            if v > hi * (1.0 + 1e-9) + 1e-12 || raw.len() > MAX_VALUES {
                break;
            }
            raw.push(v);
            k += 1.0;
        }
    } else {
        return Err(bad("say how to step: `step S` or `xF`"));
    }
    let mut values: Vec<SweepValue> = raw
        .into_iter()
        .map(|v| {
            if durations {
                duration_value(Duration(v.round() as u64))
            } else if integers {
                // Integer ends stay integers (writers and actors are counts), rounding
                // geometric steps like x1.5.
                parse_scalar(&format!("{}", v.round() as i64))
            } else {
                // Round off float noise (0.1 + 2 · 0.1) for readable labels.
                parse_scalar(&format!("{}", (v * 1e9).round() / 1e9))
            }
        })
        .collect();
    values.dedup_by(|a, b| a.text == b.text);
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        parse_values(s)
            .unwrap()
            .into_iter()
            .map(|v| v.text)
            .collect()
    }

    #[test]
    fn lists_ranges_and_durations() {
        assert_eq!(texts("1,2,4,8"), ["1", "2", "4", "8"]);
        assert_eq!(
            texts("1..32 step 4"),
            ["1", "5", "9", "13", "17", "21", "25", "29"]
        );
        assert_eq!(texts("1..64 x2"), ["1", "2", "4", "8", "16", "32", "64"]);
        assert_eq!(texts("1..64x2"), ["1", "2", "4", "8", "16", "32", "64"]);
        assert_eq!(texts("50us,100us"), ["50us", "100us"]);
        assert_eq!(
            texts("10us..100us step 30us"),
            ["10us", "40us", "70us", "100us"]
        );
        assert_eq!(texts("0.5..1 step 0.25"), ["0.5", "0.75", "1"]);
        assert_eq!(texts("0.0..1.0 step 0.5"), ["0", "0.5", "1"]);
        assert_eq!(texts("a,b"), ["a", "b"]);
        let v = parse_values("250us").unwrap();
        assert_eq!(v[0].numeric, Some(250_000.0));
        assert!(v[0].is_duration);
        assert_eq!(v[0].toml, toml::Value::String("250us".into()));
        assert_eq!(parse_values("3").unwrap()[0].toml, toml::Value::Integer(3));
        assert_eq!(
            parse_values("0.9").unwrap()[0].toml,
            toml::Value::Float(0.9)
        );
    }

    #[test]
    fn bad_ranges_say_why() {
        for (text, want) in [
            ("", "no values"),
            ("1,,2", "no values"),
            ("1..10", "say how to step"),
            ("10..1 step 1", "below the start"),
            ("1..10 x1", "above 1"),
            ("0..10 x2", "start above 0"),
            ("1us..10 step 1", "duration"),
            ("a..b step 1", "numbers or durations"),
            ("1..8 step 1.5", "the step 1.5 is not"),
        ] {
            let err = parse_values(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
        assert!(matches!(
            parse_values("1..100000 step 1"),
            Err(ValuesError::TooMany(_))
        ));
    }
}
