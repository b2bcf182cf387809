//! `portfolio`, the default strategy: every worker rotates through a fixed list of strategies,
//! one iteration each, starting at a different member.
//!
//! No single strategy is best on every program (SCTBench: PCT with a small depth and random
//! walks find most bugs, delay bounding finds some the others are slow on), so a portfolio
//! spends its iterations on several. The rotation has 8 positions over 6 distinct members:
//!
//! | position | member              | why                                                        |
//! |----------|---------------------|------------------------------------------------------------|
//! | 0        | `probabilistic:1`   | a random walk (switch with probability 1/2, uniform with two tasks): most shallow bugs fall in iteration 0 or 1 |
//! | 1        | `pct:5`             | the best PCT depth on SCTBench (4 change points)           |
//! | 2        | `probabilistic:2`   | longer runs between switches (`twostage_100`, `reorder_*`) |
//! | 3        | `pct:4`             | a second PCT depth                                         |
//! | 4        | `probabilistic:1`   | second turn of position 0's member                         |
//! | 5        | `delay-bounding:3`  | round-robin plus 3 delays (`lazy01`, `twostage`, `bluetooth_driver`) |
//! | 6        | `fair-pct:3`        | PCT depth 3, then random: the liveness member              |
//! | 7        | `pct:5`             | second turn of position 1's member                         |
//!
//! So per round of 8 iterations the random-walk family gets 3 turns, PCT 4 (`fair-pct:3` is
//! `pct:3` below `Bounds::max_steps`) and delay bounding 1. Worker `w` starts at position
//! `w mod 8`, then `w + 1`, `w + 2`, ... (mod 8), one iteration each: every member gets a turn
//! within 8 iterations on every worker, and `W <= 8` workers start at `W` different positions
//! (with `-j 2` worker 1 starts with `pct:5`, with `-j 4` the four start with four different
//! members). Dropped from the old rotation: `random` (`probabilistic:1` is at least as good on
//! SCTBench), `pct:1` (finds nothing PCT with change points does not), `probabilistic:3`,
//! `pct:10` and `rl` (dominated on SCTBench; `rl` also costs a state hash at every point).
//!
//! Invariants:
//!
//! * all members are built once, member `k` (its index in `MEMBERS`, not its position) with
//!   seed `derive_seed(derive_seed(seed, w), k)`, and keep their own state (PCT's learned step
//!   range) across their turns, also when a member has two positions; so everything is a
//!   function of seed and worker index;
//! * calls between [`Strategy::begin_iteration`] and [`Strategy::end_iteration`] all go to the
//!   member running that iteration; [`Strategy::name`] is `portfolio/<member>` for the member
//!   running the current (or, after it ends, the last) iteration, so a trace records which
//!   member found a bug, and [`Strategy::is_fair`] and [`Strategy::needs_state_hash`] answer for
//!   that member (the fair member `fair-pct` switches to random after `Bounds::max_steps`);
//! * it never exhausts.

use super::{Bounds, IterationEnd, OpId, SchedulingPoint, Strategy, StrategySpec};
use crate::rng::derive_seed;

/// The distinct members; each is built once and keeps its state across its turns.
const MEMBERS: [StrategySpec; 6] = [
    StrategySpec::Probabilistic(1),
    StrategySpec::Pct(5),
    StrategySpec::Probabilistic(2),
    StrategySpec::Pct(4),
    StrategySpec::DelayBounding(3),
    StrategySpec::FairPct(3),
];

/// The rotation: which member (an index into [`MEMBERS`]) runs at each position.
const SCHEDULE: [usize; 8] = [0, 1, 2, 3, 0, 4, 5, 1];

/// A rotation through a fixed list of strategies, one iteration each.
pub struct Portfolio {
    members: Vec<Box<dyn Strategy>>,
    /// The position in [`SCHEDULE`] of the current (or last) iteration.
    position: usize,
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
            position: worker as usize % SCHEDULE.len(),
            started: false,
        }
    }

    /// The names of the members in rotation order, one per position of the rotation (a member
    /// with several turns per round appears several times).
    pub fn member_names() -> Vec<String> {
        SCHEDULE.iter().map(|&k| MEMBERS[k].to_string()).collect()
    }

    fn current(&self) -> &dyn Strategy {
        self.members[SCHEDULE[self.position]].as_ref()
    }

    fn member(&mut self) -> &mut dyn Strategy {
        self.members[SCHEDULE[self.position]].as_mut()
    }
}

impl Strategy for Portfolio {
    fn name(&self) -> String {
        format!("portfolio/{}", self.current().name())
    }

    fn begin_iteration(&mut self) -> bool {
        // Members are not exhaustive, but skip any that says it is done.
        for _ in 0..SCHEDULE.len() {
            if self.started {
                self.position = (self.position + 1) % SCHEDULE.len();
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
        self.current().divergence()
    }

    fn is_fair(&self) -> bool {
        self.current().is_fair()
    }

    fn needs_state_hash(&self) -> bool {
        self.current().needs_state_hash()
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
        assert_eq!(p.name(), "portfolio/fair-pct:3");
        assert!(p.is_fair() && !p.needs_state_hash());
        p.end_iteration(&IterationEnd::default());
        assert!(p.begin_iteration());
        assert_eq!(p.name(), "portfolio/pct:5");
        assert!(!p.is_fair());
        p.end_iteration(&IterationEnd::default());
        assert!(p.begin_iteration());
        assert_eq!(p.name(), "portfolio/probabilistic:1");
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
