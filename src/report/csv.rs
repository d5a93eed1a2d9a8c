//! The per-pool figures as CSV, for spreadsheets and scripts: the results schema's one pools
//! CSV layout ([`crate::metrics::pools_csv`]) and CSV quoter, as the report uses them.

pub use crate::metrics::format::csv_field as field;
pub use crate::metrics::pools_csv::{HEADER as POOL_HEADER, rows as pool_rows};
