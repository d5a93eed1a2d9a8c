//! The PostgreSQL schema one run writes into.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The longest schema name made: PostgreSQL truncates identifiers at 63 bytes, so staying
/// below keeps the name that was asked for the name that exists.
pub const MAX_NAMESPACE_BYTES: usize = 56;

/// Every name starts with this, so a user can see (and clean up) what retrylab created.
const PREFIX: &str = "retrylab_";

/// How much of a run's name goes into its schema's name.
const MAX_RUN_PART: usize = 32;

/// A PostgreSQL schema name: `retrylab_` + lowercase ASCII letters, digits and `_`, at most
/// [`MAX_NAMESPACE_BYTES`]. Safe to quote into SQL as `"name"` (it holds no quote).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Namespace(String);

/// Why a name given for a namespace was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NamespaceError {
    /// The name does not have the shape retrylab makes. Fix: pass a name printed by an earlier
    /// run (`retrylab_…`, lowercase letters, digits and `_`, at most 56 bytes).
    #[error(
        "`{name}` is not a retrylab schema name: use `retrylab_` followed by lowercase letters, \
         digits and `_`, at most {MAX_NAMESPACE_BYTES} bytes in all"
    )]
    Malformed {
        /// The name given (it is not secret).
        name: String,
    },
}

impl Namespace {
    /// A fresh namespace for a run named `run`: its name sanitised (other characters become
    /// `_`, cut to 32 bytes) and a suffix unique to this process and moment, so two runs of the
    /// same scenario, at once or one after another, never share a schema.
    pub fn for_run(run: &str) -> Self {
        let mut body = String::with_capacity(MAX_RUN_PART);
        for c in run.chars() {
            if body.len() == MAX_RUN_PART {
                break;
            }
            let c = c.to_ascii_lowercase();
            let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '_'
            };
            if !(c == '_' && body.ends_with('_')) {
                body.push(c);
            }
        }
        let body = body.trim_matches('_');
        let body = if body.is_empty() { "run" } else { body };
        Namespace(format!("{PREFIX}{body}_{:012x}", unique_suffix()))
    }

    /// An existing namespace by its exact name (to reopen a kept run).
    ///
    /// # Errors
    ///
    /// [`NamespaceError::Malformed`] unless the name has the shape [`Namespace::for_run`] makes.
    pub fn exact(name: &str) -> Result<Self, NamespaceError> {
        let ok = name.len() <= MAX_NAMESPACE_BYTES
            && name.len() > PREFIX.len()
            && name.starts_with(PREFIX)
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Namespace(name.to_owned()))
        } else {
            Err(NamespaceError::Malformed {
                name: name.chars().take(80).collect(),
            })
        }
    }

    /// The schema's name, unquoted.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// The schema's name quoted as an SQL identifier.
    pub fn quoted(&self) -> String {
        format!("\"{}\"", self.0)
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 48 bits from the clock, the process id and a counter, mixed (splitmix64), so names made in
/// the same nanosecond by two processes or twice in one differ.
fn unique_suffix() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut z = nanos
        ^ (u64::from(std::process::id()) << 40)
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) & 0xFFFF_FFFF_FFFF
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_names_are_sanitised_bounded_and_unique() {
        for run in [
            "hot-actor",
            "Robert'); DROP TABLE students;--",
            "\"quoted\"",
            "",
            "___",
            "ünïcödé",
            &"x".repeat(500),
        ] {
            let a = Namespace::for_run(run);
            let b = Namespace::for_run(run);
            assert_ne!(a, b, "{run}");
            assert!(a.name().len() <= MAX_NAMESPACE_BYTES, "{a}");
            assert_eq!(Namespace::exact(a.name()), Ok(a.clone()), "{run}");
        }
        assert!(
            Namespace::for_run("Hot Actor!")
                .name()
                .starts_with("retrylab_hot_actor_")
        );
    }

    #[test]
    fn exact_names_must_have_the_made_shape() {
        for bad in [
            "public",
            "retrylab_",
            "retrylab_X",
            "retrylab_a\"b",
            &"retrylab_a".repeat(9),
        ] {
            assert!(Namespace::exact(bad).is_err(), "{bad}");
        }
    }
}
