//! What the writers do: key distributions (and, later, the scenario model and the writer
//! protocol).

pub mod keys;
