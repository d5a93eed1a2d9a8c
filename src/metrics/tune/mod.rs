//! What `retrylab tune` saves and what its report reads: the figures a run is scored by, the
//! objectives and constraints, small-sample statistics, and the tuning folder's files. The
//! search itself (which runs engines) is [`crate::tune`].

pub mod figures;
pub mod goal;
pub mod record;
pub mod stats;
