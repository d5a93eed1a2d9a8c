//! The `retrylab` command line.
fn main() {}
