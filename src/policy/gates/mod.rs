//! Gates: state shared by a pool's writers that may refuse an attempt before it reaches the
//! store. Each implements the [`gate::Gate`] contract, so a policy holds any number of them alike.
//!
//! | concept | file |
//! |---|---|
//! | the shared-state contract | [`gate`] |
//! | circuit breaker and its sliding windows | [`breaker`], [`breaker_window`] |
//! | retry budgets: AWS token bucket, gRPC throttling, Finagle budget, AIMD | [`token_bucket`], [`grpc_throttle`], [`finagle_budget`], [`aimd`] |

pub mod aimd;
pub mod breaker;
pub mod breaker_window;
pub mod finagle_budget;
pub mod gate;
pub mod grpc_throttle;
pub mod token_bucket;
