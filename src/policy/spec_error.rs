//! Why a policy spec was refused: each variant names the field, says what was wrong and what is
//! allowed.

use std::fmt;

use crate::clock::Nanos;

use crate::units::format_duration;

/// A policy spec that cannot be built.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PolicySpecError {
    /// The TOML did not parse or did not match the spec's shape (an unknown field or kind, a
    /// value of the wrong type, a malformed duration). The message is the parser's, naming the
    /// field and, for unknown kinds, the known ones. Fix the named field.
    Parse(String),
    /// A number is outside its valid range. Fix: use a value in `expected`.
    OutOfRange {
        /// The field, as a dotted path (`backoff.multiplier`).
        field: &'static str,
        /// The value given.
        value: String,
        /// The valid range, in words.
        expected: &'static str,
    },
    /// A cap is below the base delay it caps. Fix: raise the cap or lower the base.
    CapBelowBase {
        /// The cap's field.
        field: &'static str,
        /// The cap given.
        cap: Nanos,
        /// The field it must not be below.
        base_field: &'static str,
        /// That field's value.
        base: Nanos,
    },
    /// Both `max_attempts` and `max_retries` were given. Fix: give one.
    /// (`max_attempts` counts the first try, as resilience4j's maxAttempts does;
    /// `max_retries` does not, as Polly's MaxRetryAttempts; `max_attempts = n` is `max_retries = n − 1`.)
    BothLimits {
        /// The `max_attempts` given.
        max_attempts: u32,
        /// The `max_retries` given.
        max_retries: u32,
    },
    /// No preset has this name. Fix: use one of `known`.
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// The presets there are, comma-separated.
        known: String,
    },
}

impl fmt::Display for PolicySpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicySpecError::Parse(msg) => write!(f, "invalid policy spec: {msg}"),
            PolicySpecError::OutOfRange {
                field,
                value,
                expected,
            } => {
                write!(f, "policy field `{field}` is {value}; expected {expected}")
            }
            PolicySpecError::CapBelowBase {
                field,
                cap,
                base_field,
                base,
            } => write!(
                f,
                "policy field `{field}` ({}) is below `{base_field}` ({}); expected `{field}` ≥ `{base_field}`",
                format_duration(*cap),
                format_duration(*base)
            ),
            PolicySpecError::BothLimits {
                max_attempts,
                max_retries,
            } => write!(
                f,
                "policy gives both `max_attempts` ({max_attempts}) and `max_retries` ({max_retries}); give one \
                 (max_attempts counts the first try, max_retries does not)"
            ),
            PolicySpecError::UnknownPreset { name, known } => {
                write!(f, "unknown policy preset `{name}`; known presets: {known}")
            }
        }
    }
}

impl std::error::Error for PolicySpecError {}
