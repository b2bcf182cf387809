//! `Barrier` mirroring `std::sync::Barrier`.
//!
//! Production calls std's barrier. In a test, `wait` is a scheduling point (`barrier.wait`, a
//! write of the barrier) that counts the arrival; the `n`-th arrival of a round is the leader,
//! starts the next round and wakes the others; the rest block until their round is over (a
//! round that never fills is a deadlock naming every thread waiting in it).
//!
//! Invariant: `arrived < n` between calls; `round` counts completed rounds, and a waiter is
//! released exactly when `round` moves past the round it arrived in.

use super::wait::{block_until_now, WaitList};
use crate::rt::coro::sync_point;
use crate::rt::{in_test, writes, OpKind};
use std::panic::Location;

/// Makes `n` threads wait for each other, then lets them all go; mirrors `std::sync::Barrier`
/// (reusable: the next `n` arrivals form the next round).
pub struct Barrier {
    n: usize,
    std: std::sync::Barrier,
    state: std::sync::Mutex<(usize, u64)>,
    waiters: WaitList,
}

/// What [`Barrier::wait`] returns: one thread per round is the leader; mirrors
/// `std::sync::BarrierWaitResult`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this thread is its round's leader (exactly one is).
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl std::fmt::Debug for Barrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

impl Barrier {
    /// A barrier for `n` threads (`0` behaves as `1`, as in std).
    pub fn new(n: usize) -> Self {
        Barrier {
            n: n.max(1),
            std: std::sync::Barrier::new(n),
            state: std::sync::Mutex::new((0, 0)),
            waiters: WaitList::new(),
        }
    }

    /// Blocks until `n` threads have called `wait` in this round. A scheduling point in tests.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        if !in_test() {
            return BarrierWaitResult(self.std.wait().is_leader());
        }
        let loc = Location::caller();
        sync_point(OpKind::BarrierWait, writes(self), loc);
        let st = || self.state.lock().unwrap_or_else(|e| e.into_inner());
        let round = {
            let mut s = st();
            s.0 += 1;
            if s.0 == self.n {
                s.0 = 0;
                s.1 += 1;
                drop(s);
                self.waiters.wake_all();
                return BarrierWaitResult(true);
            }
            s.1
        };
        block_until_now(
            OpKind::BarrierWait,
            writes(self),
            loc,
            &self.waiters,
            || (st().1 != round).then_some(()),
        );
        BarrierWaitResult(false)
    }
}
