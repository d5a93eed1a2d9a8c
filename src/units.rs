//! Durations as people write them in scenario files and policy specs: human strings
//! (`"250us"`, `"10ms"`, `"1.5s"`), parsed into [`Nanos`] with errors that say what was wrong.
//!
//! Every duration a person writes, in a scenario or a policy spec, is read with [`with_unit`]
//! (also [`Duration`]'s own `Deserialize`), which refuses a bare number such as `duration = 5`
//! (is that 5 s or 5 ns?) and says to write `"5s"`. Only `0` may be written without a unit.

use std::fmt;

use crate::clock::Nanos;

/// Why a duration string could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurationError {
    /// The string was empty. Fix: write a number and a unit, e.g. `"10ms"`.
    Empty,
    /// The number part is not a non-negative decimal. Fix: write e.g. `"2.5ms"`.
    BadNumber(String),
    /// The unit is not one of `ns`, `us` (`µs`), `ms`, `s`, `m`. Fix: use one of those.
    UnknownUnit(String),
    /// The value was negative. Fix: durations are zero or more.
    Negative,
    /// The value does not fit in 64-bit nanoseconds (about 584 years). Fix: use a smaller value.
    Overflow,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Empty => write!(f, "empty duration; write e.g. \"10ms\""),
            DurationError::BadNumber(n) => {
                write!(
                    f,
                    "`{n}` is not a non-negative number; write e.g. \"2.5ms\""
                )
            }
            DurationError::UnknownUnit(u) => {
                write!(f, "unknown unit `{u}`; use one of ns, us (or µs), ms, s, m")
            }
            DurationError::Negative => write!(f, "durations cannot be negative"),
            DurationError::Overflow => write!(f, "duration too large for 64-bit nanoseconds"),
        }
    }
}

impl std::error::Error for DurationError {}

/// Parses `"<number><unit>"` (spaces allowed between) into nanoseconds. A bare integer is
/// nanoseconds. Fractions are allowed (`"1.5ms"`) and rounded to the nearest nanosecond.
pub fn parse_duration(text: &str) -> Result<Nanos, DurationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    if text.starts_with('-') {
        return Err(DurationError::Negative);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = (&text[..split], text[split..].trim());
    let scale: u64 = match unit {
        "" | "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        other => return Err(DurationError::UnknownUnit(other.to_string())),
    };
    if number.is_empty() || number.matches('.').count() > 1 {
        return Err(DurationError::BadNumber(number.to_string()));
    }
    if let Ok(whole) = number.parse::<u64>() {
        return whole.checked_mul(scale).ok_or(DurationError::Overflow);
    }
    let value: f64 = number
        .parse()
        .map_err(|_| DurationError::BadNumber(number.to_string()))?;
    let nanos = (value * scale as f64).round();
    if nanos >= u64::MAX as f64 {
        return Err(DurationError::Overflow);
    }
    Ok(nanos as Nanos)
}

/// Formats nanoseconds in the largest unit that keeps it exact-ish, for docs and `list` output.
pub fn format_duration(nanos: Nanos) -> String {
    const UNITS: [(u64, &str); 4] = [
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ];
    for (scale, unit) in UNITS {
        if nanos >= scale && nanos % scale == 0 {
            return format!("{}{unit}", nanos / scale);
        }
    }
    if nanos == 0 {
        "0ns".to_string()
    } else {
        format!("{nanos}ns")
    }
}

/// A duration field of a scenario or spec: deserialises from a string with a unit such as
/// `"10ms"` (or `0`), and serialises back as a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub Nanos);

impl Duration {
    /// Parses `"250us"`, `"10ms"`, `"1.5s"`, `"2m"`, `"100ns"`; a bare number means nanoseconds.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        parse_duration(text).map(Duration)
    }

    /// The value in nanoseconds.
    pub fn nanos(self) -> Nanos {
        self.0
    }

    /// The value in nanoseconds.
    pub fn as_nanos(self) -> Nanos {
        self.0
    }

    /// As a `std::time::Duration`.
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    /// The one rule for every duration a person writes (scenarios and policy specs alike): a
    /// unit is required, only `0` may go without one.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        with_unit(d)
    }
}

/// Whether `text` (trimmed) is a number with no unit, like `"5"` or `"2.5"`.
fn lacks_unit(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// The error for a bare number where a scenario expects a duration.
fn bare_number(v: impl fmt::Display) -> String {
    format!(
        "a bare number ({v}) is not a duration: write it with its unit, like \"{v}s\", \"{v}ms\" \
         or \"{v}us\" (\"{v}ns\" for nanoseconds); only 0 may be written without a unit"
    )
}

/// `deserialize_with` for a scenario's duration fields: a string with a unit (`"5s"`,
/// `"100us"`, `"1.5ms"`), or a bare `0`. A bare number other than 0 (`5`, `"5"`, `2.5`) is
/// refused with a message saying to write the unit: scenario files used to read it as
/// nanoseconds, which silently turned `duration = 5` into a 5 ns run.
///
/// # Errors
///
/// The deserialiser's error, saying what was written and what to write instead.
pub fn with_unit<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = Duration;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration with its unit, such as \"10ms\", \"250us\" or \"1s\"")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
            let d = parse_duration(v)
                .map(Duration)
                .map_err(|e| E::custom(format!("invalid duration \"{v}\": {e}")))?;
            if d.0 != 0 && lacks_unit(v) {
                return Err(E::custom(bare_number(v.trim())));
            }
            Ok(d)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
            if v == 0 {
                Ok(Duration(0))
            } else {
                Err(E::custom(bare_number(v)))
            }
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
            if v < 0 {
                return Err(E::custom(format!(
                    "invalid duration {v}: durations cannot be negative"
                )));
            }
            self.visit_u64(v as u64)
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Duration, E> {
            if v == 0.0 {
                Ok(Duration(0))
            } else {
                Err(E::custom(bare_number(v)))
            }
        }
    }
    d.deserialize_any(Visitor)
}

/// [`with_unit`] for an optional field (use with `#[serde(default)]`).
///
/// # Errors
///
/// As [`with_unit`].
pub fn option_with_unit<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Duration>, D::Error> {
    with_unit(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Strict {
        #[serde(deserialize_with = "with_unit")]
        d: Duration,
    }

    fn strict(toml_value: &str) -> Result<Duration, String> {
        toml::from_str::<Strict>(&format!("d = {toml_value}"))
            .map(|s| s.d)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn scenario_durations_need_their_unit() {
        assert_eq!(strict("\"5s\""), Ok(Duration(5_000_000_000)));
        assert_eq!(strict("\"100us\""), Ok(Duration(100_000)));
        assert_eq!(strict("\"7ns\""), Ok(Duration(7)));
        assert_eq!(strict("0"), Ok(Duration(0)));
        assert_eq!(strict("\"0\""), Ok(Duration(0)));
        for (bare, hint) in [
            ("5", "\"5s\""),
            ("100", "\"100us\""),
            ("\"5\"", "\"5s\""),
            ("2.5", "\"2.5ms\""),
        ] {
            let msg = strict(bare).unwrap_err();
            assert!(
                msg.contains("bare number") && msg.contains(hint),
                "{bare}: {msg}"
            );
        }
        assert!(strict("-3").unwrap_err().contains("negative"));
        assert!(
            strict("\"3 parsecs\"")
                .unwrap_err()
                .contains("unknown unit")
        );
    }

    #[test]
    fn parses_units_and_bare_nanoseconds() {
        assert_eq!(parse_duration("10ms"), Ok(10_000_000));
        assert_eq!(parse_duration("250us"), Ok(250_000));
        assert_eq!(parse_duration("250µs"), Ok(250_000));
        assert_eq!(parse_duration("1s"), Ok(1_000_000_000));
        assert_eq!(parse_duration("1.5 ms"), Ok(1_500_000));
        assert_eq!(parse_duration("42"), Ok(42));
        assert_eq!(parse_duration("2m"), Ok(120_000_000_000));
    }

    #[test]
    fn rejects_bad_input_with_a_reason() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert_eq!(parse_duration("-1ms"), Err(DurationError::Negative));
        assert_eq!(
            parse_duration("10 parsecs"),
            Err(DurationError::UnknownUnit("parsecs".into()))
        );
        assert_eq!(
            parse_duration("ms"),
            Err(DurationError::BadNumber(String::new()))
        );
        assert_eq!(
            parse_duration("1.2.3s"),
            Err(DurationError::BadNumber("1.2.3".into()))
        );
        assert_eq!(
            parse_duration("99999999999999s"),
            Err(DurationError::Overflow)
        );
    }

    #[test]
    fn format_round_trips() {
        for n in [
            0,
            1,
            999,
            1_000,
            250_000,
            10_000_000,
            3_000_000_000,
            1_500_000,
        ] {
            assert_eq!(parse_duration(&format_duration(n)), Ok(n));
        }
    }
}
