//! `tokio::sync`: the harness's primitives, whose waiting operations are scheduling points in
//! a test; each wraps tokio's primitive of the same name, so production is tokio's.

pub use coyote_harness::sync::*;
pub use tokio::sync::{MappedMutexGuard, RwLockMappedWriteGuard, TryLockError};

/// Named futures of `tokio::sync`.
pub mod futures {
    pub use coyote_harness::sync::Notified;
}
