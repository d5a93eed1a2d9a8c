//! What the writers do: the scenario model, key and time distributions, and the writer protocol.
pub mod dist;
pub mod keys;
pub mod protocol;
pub mod quick;
pub mod scenario;
pub mod store_cost;
pub mod tune_table;
