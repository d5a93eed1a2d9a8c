//! Durations as people write them in scenario files and policy specs: human strings
//! (`"250us"`, `"10ms"`, `"1.5s"`) or integer nanoseconds, parsed into [`Nanos`] with errors
//! that say what was wrong.

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

/// A duration field of a scenario or spec: deserialises from a string such as `"10ms"` or from
/// integer nanoseconds, and serialises back as a string.
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
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a duration such as \"10ms\", \"250us\", \"1s\", or integer nanoseconds",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                parse_duration(v)
                    .map(Duration)
                    .map_err(|e| E::custom(format!("invalid duration \"{v}\": {e}")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
                Ok(Duration(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
                u64::try_from(v).map(Duration).map_err(|_| {
                    E::custom(format!(
                        "invalid duration {v}: durations cannot be negative"
                    ))
                })
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "invalid duration {v}: a bare number is integer nanoseconds; write a string such as \"{v}ms\""
                )))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
