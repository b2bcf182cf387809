//! The fair suffix: any strategy, then a uniform random walk once an iteration has taken
//! `prefix` scheduling steps (Coyote's `--max-unfair-steps`, our `--max-steps`).
//!
//! An unfair strategy (`pct`, `pos`, `delay-bounding`, ...) may starve an operation for ever, so
//! a monitor that stays hot under it proves nothing. Run after it, a random walk is fair (every
//! enabled operation runs with probability one), so a monitor still hot for the liveness
//! threshold *counted from the suffix's first step* is a liveness bug whatever strategy led
//! there. The executor decides whether an iteration goes on past the prefix (it does when a
//! monitor is hot there, up to [`Bounds::max_fair_steps`](super::Bounds::max_fair_steps)); this
//! wrapper only makes the choices of the steps after it.
//!
//! Invariants: before `prefix` every call goes to the inner strategy, so the wrapped strategy
//! explores exactly what it explores alone; from `prefix` on, scheduling draws and declared
//! choices come from the wrapper's own generator (seeded, so deterministic: a probe that always
//! answers `false` would keep a retry failing for ever, which is no fairer than starving a task); a strategy that is fair by itself ([`Strategy::is_fair`]) is never overridden.

use super::{DataSource, IterationEnd, OpId, SchedulingPoint, Step, Strategy};
use crate::rng::{derive_seed, Rng};

/// Wraps a strategy with a fair suffix; see the module docs.
pub struct FairSuffix<'a> {
    inner: &'a mut dyn Strategy,
    prefix: u32,
    rng: Rng,
    // Steps of this iteration shown to `on_step`.
    steps: u32,
}

impl<'a> FairSuffix<'a> {
    /// `inner`, with uniform random scheduling (seeded from `seed`) from step `prefix` on.
    pub fn new(inner: &'a mut dyn Strategy, prefix: u32, seed: u64) -> Self {
        FairSuffix {
            inner,
            prefix,
            rng: Rng::new(derive_seed(seed, 0xfa1e)),
            steps: 0,
        }
    }

    /// The first step of the suffix.
    pub fn prefix(&self) -> u32 {
        self.prefix
    }

    fn in_suffix(&self, step: u32) -> bool {
        step >= self.prefix && !self.inner.is_fair()
    }
}

impl Strategy for FairSuffix<'_> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn begin_iteration(&mut self) -> bool {
        self.steps = 0;
        self.inner.begin_iteration()
    }

    #[inline]
    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        if !self.in_suffix(point.step) {
            return self.inner.next_operation(point);
        }
        let i = self.rng.below(point.enabled.len() as u64) as usize;
        Some(point.enabled[i])
    }

    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        self.inner.data_source()
    }

    fn next_bool(&mut self, step: u32) -> Option<bool> {
        if self.in_suffix(step) {
            return Some(self.rng.coin());
        }
        self.inner.next_bool(step)
    }

    fn next_int(&mut self, bound: u64, step: u32) -> Option<u64> {
        if self.in_suffix(step) {
            return Some(self.rng.below(bound));
        }
        self.inner.next_int(bound, step)
    }

    fn end_iteration(&mut self, end: &IterationEnd) {
        self.inner.end_iteration(end)
    }

    fn observe_length(&mut self, decisions: u32) {
        self.inner.observe_length(decisions)
    }

    fn exhausted(&self) -> bool {
        self.inner.exhausted()
    }

    fn schedules_explored(&self) -> Option<u64> {
        self.inner.schedules_explored()
    }

    fn divergence(&self) -> Option<String> {
        self.inner.divergence()
    }

    fn is_fair(&self) -> bool {
        self.inner.is_fair()
    }

    fn needs_state_hash(&self) -> bool {
        self.inner.needs_state_hash()
    }

    fn needs_accesses(&self) -> bool {
        self.inner.needs_accesses()
    }

    fn needs_steps(&self) -> bool {
        self.inner.needs_steps()
    }

    fn on_step(&mut self, step: &Step) {
        // The suffix's steps are the wrapper's, not the inner strategy's.
        if !self.in_suffix(self.steps) {
            self.inner.on_step(step);
        }
        self.steps += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::{Dfs, Pct};

    /// A point with `n` enabled operations at `step`, `0` the current one.
    fn at(step: u32, enabled: &[OpId]) -> SchedulingPoint<'_> {
        SchedulingPoint {
            enabled,
            accesses: &[],
            current: Some(enabled[0]),
            step,
            yielded: false,
            state_hash: 0,
        }
    }

    #[test]
    fn the_inner_strategy_decides_the_prefix_and_a_random_walk_the_suffix() {
        // Depth 1 PCT never switches away from its highest-priority operation: unfair.
        let mut pct = Pct::new(7, 1);
        let mut s = FairSuffix::new(&mut pct, 100, 3);
        assert!(s.begin_iteration());
        let ops = [0, 1, 2];
        let first = s.next_operation(&at(0, &ops)).unwrap();
        for step in 1..100 {
            assert_eq!(
                s.next_operation(&at(step, &ops)),
                Some(first),
                "step {step}"
            );
        }
        let suffix: std::collections::HashSet<_> = (100..400)
            .map(|step| s.next_operation(&at(step, &ops)).unwrap())
            .collect();
        assert_eq!(suffix.len(), 3, "every operation runs in the suffix");
        let coins: std::collections::HashSet<_> =
            (0..64).map(|_| s.next_bool(100).unwrap()).collect();
        assert_eq!(coins.len(), 2, "declared choices are random in the suffix");
    }

    #[test]
    fn it_keeps_the_inner_strategys_name_and_search_state() {
        let mut dfs = Dfs::new(None);
        let s = FairSuffix::new(&mut dfs, 10, 0);
        assert_eq!(s.name(), "dfs");
        assert!(!s.is_fair());
        assert_eq!(s.prefix(), 10);
    }
}
