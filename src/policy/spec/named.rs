//! Named duration deserialisers for the fields of tagged tables, whose parse errors would
//! otherwise not say which field held the bad duration (serde buffers tagged enums, losing the
//! key): each prefixes the error with the field's name.

use serde::de::{Deserialize, Deserializer, Error};

use crate::units::Duration;

macro_rules! named_durations {
    ($($field:ident / $opt:ident),* $(,)?) => {$(
        pub(super) fn $field<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
            Duration::deserialize(d).map_err(|e| D::Error::custom(format!("`{}`: {e}", stringify!($field))))
        }
        #[allow(dead_code, reason = "not every field is optional somewhere")]
        pub(super) fn $opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
            $field(d).map(Some)
        }
    )*};
}

named_durations!(
    delay / opt_delay,
    base / opt_base,
    step / opt_step,
    cap / opt_cap,
    median_first_retry_delay / opt_median_first_retry_delay,
    min / opt_min,
    max / opt_max,
    length / opt_length,
    ttl / opt_ttl,
);
