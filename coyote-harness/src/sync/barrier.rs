//! `Barrier` over tokio's.

use crate::rt::{writes, Controlled, OpKind};
use std::future::Future;
use std::panic::Location;

/// Makes `n` tasks wait until all of them have arrived, then releases them together; mirrors
/// `tokio::sync::Barrier` (reusable: the next `n` arrivals form the next round).
#[derive(Debug)]
pub struct Barrier {
    inner: tokio::sync::Barrier,
}

/// What [`Barrier::wait`] returns: exactly one task of each round is the leader.
pub type BarrierWaitResult = tokio::sync::BarrierWaitResult;

impl Barrier {
    /// A barrier for `n` tasks (`n = 0` behaves as 1, as in tokio).
    pub fn new(n: usize) -> Self {
        Barrier {
            inner: tokio::sync::Barrier::new(n),
        }
    }

    /// Waits until `n` tasks have called `wait` in this round. A scheduling point; a task
    /// waiting here is named in a deadlock report when the round never fills.
    #[track_caller]
    pub fn wait(&self) -> impl Future<Output = BarrierWaitResult> + '_ {
        Controlled::new(
            self.inner.wait(),
            OpKind::BarrierWait,
            Location::caller(),
            writes(self),
        )
    }
}
