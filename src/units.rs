//! Durations as people write them in scenario files: `"250us"`, `"10ms"`, `"1.5s"`, or an integer
//! number of nanoseconds.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock::Nanos;

/// A non-negative duration in nanoseconds that (de)serialises as a human string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub Nanos);

/// Why a duration string did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The text was empty or had no number. Write a number and a unit, like `"10ms"`.
    #[error(
        "`{0}` is not a duration: write a number and a unit, like \"250us\", \"10ms\" or \"1.5s\""
    )]
    Malformed(String),
    /// The unit is not one of ns, us (or µs), ms, s, m. Use one of those.
    #[error("`{0}` has an unknown unit: use ns, us, ms, s or m (for example \"10ms\")")]
    UnknownUnit(String),
    /// The number was negative. Durations are zero or more.
    #[error("`{0}` is negative: durations are zero or more")]
    Negative(String),
    /// More than about 584 years in nanoseconds. Use a smaller duration.
    #[error("`{0}` is too long: durations must fit in 64-bit nanoseconds")]
    Overflow(String),
}

impl Duration {
    /// Parses `"250us"`, `"10ms"`, `"1.5s"`, `"2m"`, `"100ns"`; a bare number means nanoseconds.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        if number.is_empty() {
            return Err(DurationError::Malformed(text.to_owned()));
        }
        let value: f64 = number
            .parse()
            .map_err(|_| DurationError::Malformed(text.to_owned()))?;
        if value < 0.0 {
            return Err(DurationError::Negative(text.to_owned()));
        }
        let scale = match unit.trim() {
            "" | "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" | "min" => 60e9,
            _ => return Err(DurationError::UnknownUnit(text.to_owned())),
        };
        let ns = value * scale;
        if !ns.is_finite() || ns >= u64::MAX as f64 {
            return Err(DurationError::Overflow(text.to_owned()));
        }
        Ok(Duration(ns.round() as Nanos))
    }

    /// Nanoseconds.
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
        let ns = self.0;
        let (value, unit) = match ns {
            0 => return write!(f, "0s"),
            n if n % 1_000_000_000 == 0 => (n / 1_000_000_000, "s"),
            n if n % 1_000_000 == 0 => (n / 1_000_000, "ms"),
            n if n % 1_000 == 0 => (n / 1_000, "us"),
            n => (n, "ns"),
        };
        write!(f, "{value}{unit}")
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a duration like \"250us\", \"10ms\" or \"1.5s\", or integer nanoseconds",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                Ok(Duration(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                u64::try_from(v)
                    .map(Duration)
                    .map_err(|_| E::custom(format!("{v} is negative: durations are zero or more")))
            }
        }
        d.deserialize_any(DurationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(Duration::parse("250us").unwrap().0, 250_000);
        assert_eq!(Duration::parse("10ms").unwrap().0, 10_000_000);
        assert_eq!(Duration::parse("1.5s").unwrap().0, 1_500_000_000);
        assert_eq!(Duration::parse("2m").unwrap().0, 120_000_000_000);
        assert_eq!(Duration::parse("7").unwrap().0, 7);
        assert_eq!(Duration::parse("3µs").unwrap().0, 3_000);
    }

    #[test]
    fn rejects_bad_text() {
        assert!(matches!(
            Duration::parse("ms"),
            Err(DurationError::Malformed(_))
        ));
        assert!(matches!(
            Duration::parse("10 parsecs"),
            Err(DurationError::UnknownUnit(_))
        ));
        assert!(matches!(
            Duration::parse("-5ms"),
            Err(DurationError::Negative(_))
        ));
        assert!(matches!(
            Duration::parse("1e30s"),
            Err(DurationError::Overflow(_))
        ));
    }

    #[test]
    fn display_round_trips() {
        for text in ["0s", "250us", "10ms", "3s", "17ns"] {
            assert_eq!(Duration::parse(text).unwrap().to_string(), text);
        }
    }
}
