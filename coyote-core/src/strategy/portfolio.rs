//! `portfolio`, the default strategy: every worker rotates through a fixed list of strategies,
//! one iteration each, starting at a different member.
//!
//! No single strategy is best on every program (SCTBench: PCT with a small depth and random
//! walks find most bugs, delay bounding and learning find some the others miss), so a portfolio
//! spends its iterations on all of them. The members, by index:
//!
//! | index | member              |
//! |-------|---------------------|
//! | 0     | `random`            |
//! | 1     | `pct:3`             |
//! | 2     | `fair-pct:3`        |
//! | 3     | `probabilistic:3`   |
//! | 4     | `pct:10`            |
//! | 5     | `delay-bounding:2`  |
//! | 6     | `rl`                |
//! | 7     | `pct:1`             |
//!
//! Worker `w` runs member `w mod 8` in its first iteration, then `w + 1`, `w + 2`, ... (mod 8),
//! one iteration each: switching every iteration means the strongest member for a program gets
//! its turn within 8 iterations on every worker, and `W` workers run `W` different members at
//! any time.
//!
//! Invariants:
//!
//! * all members are built once, member `k` with seed
//!   `derive_seed(derive_seed(seed, w), k)`, and keep their own state (PCT's learned step
//!   range, Q-values) across their turns; so everything is a function of seed and worker index;
//! * calls between [`Strategy::begin_iteration`] and [`Strategy::end_iteration`] all go to the
//!   member running that iteration; [`Strategy::name`] is `portfolio/<member>` for the member
//!   running the current (or, after it ends, the last) iteration, so a trace records which
//!   member found a bug, and [`Strategy::is_fair`] and [`Strategy::needs_state_hash`] answer for
//!   that member (the fair member `fair-pct` switches to random after `Bounds::max_steps`);
//! * it never exhausts.

use super::{Bounds, IterationEnd, OpId, SchedulingPoint, Strategy, StrategySpec};
use crate::rng::derive_seed;

/// The members of the portfolio, in rotation order (see the module docs).
const MEMBERS: [StrategySpec; 8] = [
    StrategySpec::Random,
    StrategySpec::Pct(3),
    StrategySpec::FairPct(3),
    StrategySpec::Probabilistic(3),
    StrategySpec::Pct(10),
    StrategySpec::DelayBounding(2),
    StrategySpec::Rl,
    StrategySpec::Pct(1),
];

/// A rotation through a fixed list of strategies, one iteration each.
pub struct Portfolio {
    members: Vec<Box<dyn Strategy>>,
    current: usize,
    started: bool,
}

impl std::fmt::Debug for Portfolio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portfolio")
            .field("current", &self.name())
            .finish_non_exhaustive()
    }
}

impl Portfolio {
    /// The portfolio run by worker `worker` of a run seeded with `seed`.
    pub fn for_worker(seed: u64, worker: u32, bounds: Bounds) -> Self {
        let base = derive_seed(seed, worker as u64);
        let members = MEMBERS
            .iter()
            .enumerate()
            .map(|(k, spec)| spec.build(derive_seed(base, k as u64), bounds))
            .collect();
        Portfolio {
            members,
            current: worker as usize % MEMBERS.len(),
            started: false,
        }
    }

    /// The names of the members in rotation order.
    pub fn member_names() -> Vec<String> {
        MEMBERS.iter().map(|m| m.to_string()).collect()
    }

    fn member(&mut self) -> &mut dyn Strategy {
        self.members[self.current].as_mut()
    }
}

impl Strategy for Portfolio {
    fn name(&self) -> String {
        format!("portfolio/{}", self.members[self.current].name())
    }

    fn begin_iteration(&mut self) -> bool {
        // Members are not exhaustive, but skip any that says it is done.
        for _ in 0..self.members.len() {
            if self.started {
                self.current = (self.current + 1) % self.members.len();
            }
            self.started = true;
            if self.member().begin_iteration() {
                return true;
            }
        }
        false
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        self.member().next_operation(point)
    }

    fn next_bool(&mut self, step: u32) -> Option<bool> {
        self.member().next_bool(step)
    }

    fn next_int(&mut self, bound: u64, step: u32) -> Option<u64> {
        self.member().next_int(bound, step)
    }

    fn end_iteration(&mut self, end: &IterationEnd) {
        self.member().end_iteration(end);
    }

    fn divergence(&self) -> Option<String> {
        self.members[self.current].divergence()
    }

    fn is_fair(&self) -> bool {
        self.members[self.current].is_fair()
    }

    fn needs_state_hash(&self) -> bool {
        self.members[self.current].needs_state_hash()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testing::run_once;

    #[test]
    fn worker_starts_at_its_member_and_rotates() {
        let names = Portfolio::member_names();
        for worker in [0u32, 3, 9] {
            let mut p = Portfolio::for_worker(1, worker, Bounds::default());
            for i in 0..2 * names.len() {
                run_once(&mut p, 3, 3).unwrap();
                let expect = &names[(worker as usize + i) % names.len()];
                assert_eq!(p.name(), format!("portfolio/{expect}"));
            }
        }
        let mut p = Portfolio::for_worker(1, 6, Bounds::default());
        assert!(p.begin_iteration());
        assert_eq!(p.name(), "portfolio/rl");
        assert!(p.needs_state_hash() && !p.is_fair());
        p.end_iteration(&IterationEnd::default());
        assert!(p.begin_iteration());
        assert_eq!(p.name(), "portfolio/pct:1");
        assert!(!p.exhausted());
    }

    #[test]
    fn function_of_seed_and_worker() {
        let runs = |seed, worker| {
            let mut p = Portfolio::for_worker(seed, worker, Bounds::default());
            (0..24)
                .map(|_| run_once(&mut p, 3, 4).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(runs(5, 2), runs(5, 2));
        assert_ne!(runs(5, 2), runs(5, 3));
        assert_ne!(runs(5, 2), runs(6, 2));
    }
}
