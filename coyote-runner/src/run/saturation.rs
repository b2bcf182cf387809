//! Saturation across a test's workers: each work share's [`Event::Novelty`] events merged into
//! one [`Growth`], and `--until-saturated K`, which asks every work share to stop once the whole
//! run has gone K iterations without new coverage.
//!
//! Invariants: an item found by a share is placed at the run's iteration count when it was
//! found: the other work shares' iterations so far plus the share's own count then (the shares
//! report progress every 100 ms, so that is close, and never after the truth by more than the
//! others' progress in that time); capture re-runs are never counted (they re-run iterations
//! already counted); work shares are stopped through their stop word (see
//! [`RunRequest::stop_word`](coyote_core::abi::RunRequest::stop_word)), so each finishes its
//! iteration and returns its result and coverage as if its share were done.
//!
//! [`Event::Novelty`]: coyote_core::abi::Event::Novelty

use super::pool::Pool;
use coyote_core::saturation::{Growth, Saturation};

/// A test's coverage growth, and whether `--until-saturated` stopped it.
pub(super) struct Saturating {
    growth: Growth,
    until: Option<u64>,
    saturated: bool,
}

impl Saturating {
    pub(super) fn new(until: Option<u64>) -> Saturating {
        Saturating {
            growth: Growth::new(),
            until,
            saturated: false,
        }
    }

    /// Work share `slot` found these items (with its own iteration counts) and schedules (by
    /// its `iterations`-th iteration).
    pub(super) fn novelty(
        &mut self,
        pool: &Pool,
        slot: usize,
        iterations: u64,
        items: &[(u64, String)],
        schedules: &[u64],
    ) {
        if pool.share(slot).is_capture() {
            return;
        }
        let others: u64 = pool
            .shares()
            .enumerate()
            .filter(|(i, sh)| *i != slot && !sh.is_capture())
            .map(|(_, sh)| sh.iterations)
            .sum();
        for (at, key) in items {
            self.growth.add_item(others + at, key);
        }
        for &hash in schedules {
            self.growth.add_schedule(others + iterations, hash);
        }
    }

    /// After `iterations` in all: whether the run just became saturated. Once it is, every
    /// work share is asked to stop, again at each call (a replacement started after a crash
    /// is asked too).
    pub(super) fn check(&mut self, pool: &mut Pool, iterations: u64) -> bool {
        let Some(k) = self.until else { return false };
        if self.saturated {
            pool.ask_all_to_stop();
            return false;
        }
        if !self.growth.saturated(iterations, k) {
            return false;
        }
        self.saturated = true;
        pool.ask_all_to_stop();
        true
    }

    /// The iteration of the last new coverage item.
    pub(super) fn last_new_at(&self) -> u64 {
        self.growth.last_new_at()
    }

    /// The coverage items found, each with the iteration that first found it.
    pub(super) fn items(&self) -> Vec<(u64, String)> {
        self.growth.items()
    }

    /// The distinct schedules found, each with the iteration that first ran it.
    pub(super) fn schedules(&self) -> Vec<(u64, u64)> {
        self.growth.schedules()
    }

    /// The report of a test that ran `iterations` iterations.
    pub(super) fn finish(&self, iterations: u64) -> Saturation {
        self.growth.finish(iterations, self.until, self.saturated)
    }
}
