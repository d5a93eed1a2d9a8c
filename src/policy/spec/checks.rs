//! Range checks shared by the spec's parts: each returns the checked value or a
//! [`PolicySpecError`] that names the field.

use crate::clock::Nanos;
use crate::policy::spec_error::PolicySpecError;
use crate::units::Duration;

/// `Ok` if `ok`, else an out-of-range error naming the field, its value and what is allowed.
pub(super) fn check(
    field: &'static str,
    ok: bool,
    value: impl ToString,
    expected: &'static str,
) -> Result<(), PolicySpecError> {
    if ok {
        Ok(())
    } else {
        Err(PolicySpecError::OutOfRange {
            field,
            value: value.to_string(),
            expected,
        })
    }
}

/// A duration that must be above zero, as nanoseconds.
pub(super) fn positive(field: &'static str, d: Duration) -> Result<Nanos, PolicySpecError> {
    check(field, d.0 > 0, d, "a duration > 0")?;
    Ok(d.0)
}

/// A cap that must not be below the base it caps.
pub(super) fn cap_at_least(
    field: &'static str,
    cap: Nanos,
    base_field: &'static str,
    base: Nanos,
) -> Result<Nanos, PolicySpecError> {
    if cap < base {
        Err(PolicySpecError::CapBelowBase {
            field,
            cap,
            base_field,
            base,
        })
    } else {
        Ok(cap)
    }
}

/// A number that must lie in `[lo, hi]`.
pub(super) fn within(
    field: &'static str,
    v: f64,
    lo: f64,
    hi: f64,
    expected: &'static str,
) -> Result<f64, PolicySpecError> {
    check(field, v >= lo && v <= hi, v, expected)?;
    Ok(v)
}
