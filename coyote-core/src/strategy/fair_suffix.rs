//! The fair suffix: any strategy, then a uniform random walk once an iteration has taken
//! `prefix` scheduling steps (Coyote's `--max-unfair-steps`, our `--max-steps`).
//!
//! An unfair strategy (`pct`, `pos`, `delay-bounding`, ...) may starve an operation for ever, so
//! a monitor that stays hot under it proves nothing. Run after it, a random walk is fair (every
//! enabled operation runs with probability one), so a monitor still hot for the liveness
//! threshold *counted from the suffix's first step* is a liveness bug whatever strategy led
//! there. The executor decides whether an iteration goes on past the prefix (it does when a
//! monitor is hot there, up to [`Bounds::max_fair_steps`](super::Bounds::max_fair_steps)); the
//! suffix only makes the choices of the steps after it.
//!
//! Invariants: before `prefix` the executor asks the strategy, so it explores exactly what it
//! explores alone; from `prefix` on, scheduling draws and declared choices come from the
//! suffix's own generator (seeded, so deterministic: a probe that always answers `false` would
//! keep a retry failing for ever, which is no fairer than starving a task); a strategy that is
//! fair by itself ([`Strategy::is_fair`]) is never overridden.

use super::{OpId, SchedulingPoint, Strategy};
use crate::rng::{derive_seed, Rng};

/// The fair suffix of a run; see the module docs.
///
/// It is not a [`Strategy`] wrapper but sits beside one: the executor asks it, once per
/// decision, whether the step is in the suffix ([`FairSuffix::in_suffix`], a comparison), and
/// calls the strategy itself otherwise, so the strategy's decisions cost one dynamic call, not
/// two (the wrapper this replaced cost about 21 instructions per decision).
#[derive(Clone, Debug)]
pub struct FairSuffix {
    prefix: u32,
    /// This iteration's first suffix step: `prefix`, or `u32::MAX` for a fair strategy.
    from: u32,
    rng: Rng,
    /// The generator as this iteration began (so as its suffix began: only the suffix draws).
    start: [u64; 4],
}

impl FairSuffix {
    /// Uniform random scheduling (seeded from `seed`) from step `prefix` on.
    pub fn new(prefix: u32, seed: u64) -> Self {
        let rng = Rng::new(derive_seed(seed, 0xfa1e));
        FairSuffix {
            prefix,
            from: prefix,
            start: rng.state(),
            rng,
        }
    }

    /// The suffix that began at step `prefix` with its generator in `state` (a trace's
    /// [`SuffixSeed`](crate::trace::SuffixSeed)): replaying an iteration under it makes the
    /// same suffix decisions again.
    pub fn resume(prefix: u32, state: [u64; 4]) -> Self {
        FairSuffix {
            prefix,
            from: prefix,
            start: state,
            rng: Rng::from_state(state),
        }
    }

    /// The generator's state as this iteration began (see [`FairSuffix::resume`]).
    pub fn iteration_state(&self) -> [u64; 4] {
        self.start
    }

    /// The first step of the suffix.
    pub fn prefix(&self) -> u32 {
        self.prefix
    }

    /// Starts an iteration of `inner` (after its own `begin_iteration`, which may pick a
    /// portfolio member): a strategy that is fair by itself is never overridden.
    pub fn begin_iteration(&mut self, inner: &dyn Strategy) {
        self.start = self.rng.state();
        self.from = if inner.is_fair() {
            u32::MAX
        } else {
            self.prefix
        };
    }

    /// This iteration's first suffix step (`u32::MAX`: none; the strategy is fair).
    #[inline]
    pub fn from(&self) -> u32 {
        self.from
    }

    /// Whether the suffix, not the strategy, decides at `step`.
    #[inline]
    pub fn in_suffix(&self, step: u32) -> bool {
        step >= self.from
    }

    /// A uniformly random enabled operation (in the suffix).
    pub fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> OpId {
        let i = self.rng.below(point.enabled.len() as u64) as usize;
        point.enabled[i]
    }

    /// A random boolean choice (in the suffix).
    pub fn next_bool(&mut self) -> bool {
        self.rng.coin()
    }

    /// A random integer choice below `bound` (in the suffix).
    pub fn next_int(&mut self, bound: u64) -> u64 {
        self.rng.below(bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::{Dfs, Pct, Probabilistic};

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

    /// What the executor does at a decision: the suffix from its first step, else `inner`.
    fn decide(s: &mut FairSuffix, inner: &mut dyn Strategy, p: &SchedulingPoint<'_>) -> OpId {
        if s.in_suffix(p.step) {
            s.next_operation(p)
        } else {
            inner.next_operation(p).unwrap()
        }
    }

    #[test]
    fn the_inner_strategy_decides_the_prefix_and_a_random_walk_the_suffix() {
        // Depth 1 PCT never switches away from its highest-priority operation: unfair.
        let mut pct = Pct::new(7, 1);
        let mut s = FairSuffix::new(100, 3);
        assert!(pct.begin_iteration());
        s.begin_iteration(&pct);
        let ops = [0, 1, 2];
        let first = decide(&mut s, &mut pct, &at(0, &ops));
        for step in 1..100 {
            assert_eq!(
                decide(&mut s, &mut pct, &at(step, &ops)),
                first,
                "step {step}"
            );
        }
        let suffix: std::collections::HashSet<_> = (100..400)
            .map(|step| decide(&mut s, &mut pct, &at(step, &ops)))
            .collect();
        assert_eq!(suffix.len(), 3, "every operation runs in the suffix");
        let coins: std::collections::HashSet<_> = (0..64).map(|_| s.next_bool()).collect();
        assert_eq!(coins.len(), 2, "declared choices are random in the suffix");
    }

    #[test]
    fn a_fair_strategy_is_never_overridden() {
        let mut dfs = Dfs::new(None);
        let mut s = FairSuffix::new(10, 0);
        s.begin_iteration(&dfs);
        assert!(
            s.in_suffix(10),
            "dfs is unfair: the suffix decides from step 10"
        );
        assert!(!s.in_suffix(9));
        assert_eq!(s.prefix(), 10);
        let _ = dfs.begin_iteration();
        let fair = Probabilistic::new(1, 3);
        s.begin_iteration(&fair);
        assert!(!s.in_suffix(1_000_000), "probabilistic is fair by itself");
    }
}
