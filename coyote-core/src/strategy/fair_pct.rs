//! `fair-pct[:depth]`: PCT for an unfair prefix, then a uniform random walk (Coyote's "fair
//! prioritization"), so that liveness bugs can be told apart from starvation by the strategy.
//!
//! Algorithm: for the first `prefix` scheduling steps of an iteration ([`Bounds::unfair_prefix`]:
//! `--max-steps`, at most a quarter of `--max-fair-steps`, when built from a
//! [`StrategySpec`](super::StrategySpec)) every decision is made by an inner
//! [`Pct`] of the same depth; from step `prefix` on, every scheduling decision is a uniformly
//! random enabled operation. PCT alone is unfair (a high-priority operation spinning on a flag
//! starves the one that would set it); the random suffix runs every enabled operation
//! eventually with probability 1, so an iteration that still does not end is a real liveness
//! bug.
//!
//! Invariants:
//!
//! * decisions before step `prefix` are exactly those of `Pct::new(seed, depth)`, so the prefix
//!   keeps PCT's probabilistic guarantee;
//! * the inner PCT learns its change-point range only from the prefix (it counts the decisions
//!   it is asked for, all of them in the prefix), so change points never land in the random
//!   suffix;
//! * the suffix draws from its own generator (derived from the seed), so it does not perturb the
//!   PCT stream; declared choices are uniform, drawn by the inner PCT.
//!
//! The strategy reports [`Strategy::is_fair`], so the runner bounds its iterations by
//! [`Bounds::max_fair_steps`] (the CLI's `--max-fair-steps`) instead of `--max-steps`; the
//! executor cuts an iteration at whatever bound it is given.
//!
//! [`Bounds::unfair_prefix`]: super::Bounds::unfair_prefix
//! [`Bounds::max_fair_steps`]: super::Bounds::max_fair_steps

use super::{DataSource, IterationEnd, OpId, Pct, SchedulingPoint, Strategy};
use crate::rng::{derive_seed, Rng};

/// PCT for the first `prefix` steps of each iteration, uniform random after.
#[derive(Debug)]
pub struct FairPct {
    pct: Pct,
    rng: Rng,
    depth: u32,
    prefix: u32,
}

impl FairPct {
    /// Fair PCT with the given bug depth (`depth >= 1`) whose unfair PCT prefix lasts `prefix`
    /// scheduling steps.
    pub fn new(seed: u64, depth: u32, prefix: u32) -> Self {
        let depth = depth.max(1);
        FairPct {
            pct: Pct::new(seed, depth),
            rng: Rng::new(derive_seed(seed, 0xFA1E)),
            depth,
            prefix,
        }
    }
}

impl Strategy for FairPct {
    fn name(&self) -> String {
        format!("fair-pct:{}", self.depth)
    }

    fn begin_iteration(&mut self) -> bool {
        self.pct.begin_iteration()
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        if point.step < self.prefix {
            self.pct.next_operation(point)
        } else {
            let i = self.rng.below(point.enabled.len() as u64) as usize;
            Some(point.enabled[i])
        }
    }

    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        self.pct.data_source()
    }

    fn end_iteration(&mut self, end: &IterationEnd) {
        self.pct.end_iteration(end);
    }

    fn observe_length(&mut self, decisions: u32) {
        self.pct.observe_length(decisions);
    }

    fn is_fair(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testing::run_once;

    #[test]
    fn pct_prefix_then_random() {
        // Depth 1: PCT runs one op to completion, so the first 5 steps (the prefix) are one op;
        // after the prefix the random walk switches often.
        let mut s = FairPct::new(11, 1, 5);
        let mut max_switches = 0;
        for _ in 0..20 {
            let order = run_once(&mut s, 3, 12).unwrap();
            assert!(order[..5].iter().all(|op| *op == order[0]), "{order:?}");
            let switches = order.windows(2).filter(|w| w[0] != w[1]).count();
            max_switches = max_switches.max(switches);
        }
        // Pure PCT depth 1 always has exactly 2 switches here.
        assert!(max_switches > 4, "suffix should be random: {max_switches}");
        assert!(s.is_fair());
        assert_eq!(s.name(), "fair-pct:1");
    }

    #[test]
    fn prefix_matches_plain_pct_and_is_seeded() {
        let mut fair = FairPct::new(4, 3, 1_000);
        let mut pct = Pct::new(4, 3);
        for _ in 0..10 {
            // Within the prefix the decisions are exactly PCT's.
            assert_eq!(run_once(&mut fair, 3, 5), run_once(&mut pct, 3, 5));
        }
        let mut a = FairPct::new(8, 2, 4);
        let mut b = FairPct::new(8, 2, 4);
        for _ in 0..10 {
            assert_eq!(run_once(&mut a, 3, 6), run_once(&mut b, 3, 6));
        }
    }
}
