//! The two optimistic-concurrency shapes of an append.

use std::fmt;

/// How an append detects that another writer got there first. See the table in
/// [`crate::store::postgres`].
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum OccShape {
    /// Primary key `(stream, version)`: a duplicate is SQLSTATE 23505, found only after the
    /// first writer commits; the current version needs a second read.
    #[default]
    Unique,
    /// A head row per stream updated at the expected version, in the same transaction as the
    /// insert: the conflict and the current version come back at once.
    HeadRow,
}

impl OccShape {
    /// Both shapes, default first.
    pub const ALL: [OccShape; 2] = [OccShape::Unique, OccShape::HeadRow];

    /// The name used in scenario files and results.
    pub const fn name(self) -> &'static str {
        match self {
            OccShape::Unique => "unique",
            OccShape::HeadRow => "head-row",
        }
    }

    /// Whether a conflict's current version costs a second round trip.
    pub const fn conflict_needs_second_read(self) -> bool {
        matches!(self, OccShape::Unique)
    }
}

impl fmt::Display for OccShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
