//! `portfolio`, the default strategy: every worker rotates through a fixed list of strategies,
//! one iteration each, starting at a different member; workers 0 and 1 first run
//! deterministic probes (two each, worker 0 a third: the write hand-over, so that `-j 1` runs
//! it too).
//!
//! No single strategy is best on every program (SCTBench: PCT with a small depth finds most
//! bugs, delay bounding and partial-order sampling find some the others are slow on), so a
//! portfolio spends its iterations on several. The first two iterations of worker 0 are the
//! newest-first sweep and round robin, those of worker 1 the oldest-first ones (see
//! `round_robin.rs`): four deterministic schedules that find many small bugs at once. Then the
//! rotation has 8 positions over 4 distinct members:
//!
//! | position | member             | why                                                          |
//! |----------|--------------------|--------------------------------------------------------------|
//! | 0        | `pct:5`            | PCT with 4 change points: its first turn, over the length the round robin taught, finds `twostage` and `stringbuffer` at once |
//! | 1        | `fair-pct:5`       | the same, then a random walk after `Bounds::max_steps`: the liveness member |
//! | 2        | `delay-bounding:3` | round-robin plus 3 delays (`bluetooth_driver`, `lazy01`, `reorder_3`) |
//! | 3        | `pos`              | partial-order sampling: races behind much private work (`reorder_4` to `reorder_20`, `twostage_100`, `work_steal_queue`) |
//! | 4        | `pos`              | second turn of position 3's member                           |
//! | 5        | `delay-bounding:3` | second turn of position 2's member                           |
//! | 6        | `fair-pct:5`       | second turn of position 1's member                           |
//! | 7        | `pos`              | third turn of position 3's member                            |
//!
//! So per round of 8 iterations PCT gets 3 turns, partial-order sampling 3 and delay bounding 2.
//! The rotation was chosen from measured first bugs on SCTBench: candidates were run as the real
//! portfolio (`bench-bugs --raw`) and scored by `bench-bugs/meet.py`; the candidates, their
//! scores and the runs are in `docs/portfolio.md` and `bench-bugs/RESULTS.md`. `pos` does not
//! lead the rotation because PCT's first turn, over the length the round robin taught, is what
//! finds `twostage` and `stringbuffer` early. Left out: `random` and the `probabilistic` walks
//! (`pos` finds what they found, sooner), `pct:3`, `pct:4` and `pct:10` (`pct:5` finds as much,
//! sooner), and `rl` (dominated on SCTBench; it also costs a state hash at every point). Worker
//! `w` starts at position `w mod 8`, then `w + 1`, `w + 2`,
//! ... (mod 8), one iteration each: every member gets a turn within 8 iterations on every worker,
//! and `W <= 8` workers start at `W` different positions.
//!
//! Invariants:
//!
//! * all members are built once, member `k` (its index in `MEMBERS`, not its position) with
//!   seed `derive_seed(derive_seed(seed, w), k)`, and keep their own state (PCT's learned
//!   length) across their turns, also when a member has several positions; the probes ignore
//!   seeds; so everything is a function of seed and worker index;
//! * after every iteration that ended before the step bound, every member that did not run it
//!   is told its length in decisions ([`Strategy::observe_length`]), so PCT and delay bounding
//!   draw over the program's real length from their first turn on (on workers 0 and 1, the
//!   round robin's iteration tells them; a sweep's teaches nothing, see
//!   `RoundRobin::teaches_length`); from their second turn on they draw over their own
//!   iterations' length only (see `length.rs`);
//! * calls between [`Strategy::begin_iteration`] and [`Strategy::end_iteration`] all go to the
//!   probe or member running that iteration; [`Strategy::name`] is `portfolio/<member>` for the
//!   one running the current (or, after it ends, the last) iteration, so a trace records which
//!   member found a bug, and [`Strategy::is_fair`], [`Strategy::needs_state_hash`] and
//!   [`Strategy::needs_accesses`] answer for it;
//! * it never exhausts.

use super::round_robin::{Order, RoundRobin, Turns};
use super::{Bounds, IterationEnd, OpId, SchedulingPoint, Strategy, StrategySpec};
use crate::rng::derive_seed;

/// The distinct members; each is built once and keeps its state across its turns.
const MEMBERS: [StrategySpec; 4] = [
    StrategySpec::Pct(5),
    StrategySpec::FairPct(5),
    StrategySpec::DelayBounding(3),
    StrategySpec::Pos,
];

/// The rotation: which member (an index into [`MEMBERS`]) runs at each position.
const SCHEDULE: [usize; 8] = [0, 1, 2, 3, 3, 2, 1, 3];

/// The probes each worker runs first, in order, by worker index (workers beyond the list run
/// none).
const PROBES: [&[(Order, Turns)]; 2] = [
    &[
        (Order::NewestFirst, Turns::Growing),
        (Order::NewestFirst, Turns::One),
        (Order::OldestFirst, Turns::UntilWrite),
    ],
    &[
        (Order::OldestFirst, Turns::Growing),
        (Order::OldestFirst, Turns::One),
    ],
];

/// A rotation through a fixed list of strategies, one iteration each.
pub struct Portfolio {
    members: Vec<Box<dyn Strategy>>,
    /// This worker's probes still to run or running, the next one last.
    probes: Vec<RoundRobin>,
    /// Whether the current (or last) iteration is a probe's (the last of `probes`).
    probing: bool,
    /// Scheduling decisions made in the current iteration.
    decisions: u32,
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
            probes: PROBES
                .get(worker as usize)
                .copied()
                .into_iter()
                .flatten()
                .rev()
                .map(|&(order, turns)| RoundRobin::new(order, turns))
                .collect(),
            probing: false,
            decisions: 0,
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
        match self.probes.last() {
            Some(probe) if self.probing => probe,
            _ => self.members[SCHEDULE[self.position]].as_ref(),
        }
    }

    fn member(&mut self) -> &mut dyn Strategy {
        match self.probes.last_mut() {
            Some(probe) if self.probing => probe,
            _ => self.members[SCHEDULE[self.position]].as_mut(),
        }
    }
}

impl Strategy for Portfolio {
    fn name(&self) -> String {
        format!("portfolio/{}", self.current().name())
    }

    fn begin_iteration(&mut self) -> bool {
        self.decisions = 0;
        if self.probing {
            // The probe has had its one iteration.
            self.probing = false;
            self.probes.pop();
        }
        while let Some(probe) = self.probes.last_mut() {
            self.probing = probe.begin_iteration();
            if self.probing {
                return true;
            }
            self.probes.pop();
        }
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
        self.decisions += 1;
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
        // Every member learns the program's length from every iteration, not only its own, so
        // no member's first turn draws its change points or delays over a guess (later turns
        // draw over the member's own length, see `length.rs`). Not from an
        // iteration cut at the step bound: its length is the bound (a fair member's is the larger
        // fair bound), not the program's. Nor from a sweep's (see `RoundRobin::teaches_length`).
        let decisions = std::mem::take(&mut self.decisions);
        let sweep = self.probing && self.probes.last().is_some_and(|p| !p.teaches_length());
        if end.hit_bound || sweep {
            return;
        }
        let running = (!self.probing).then_some(SCHEDULE[self.position]);
        for (k, member) in self.members.iter_mut().enumerate() {
            if Some(k) != running {
                member.observe_length(decisions);
            }
        }
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

    fn needs_accesses(&self) -> bool {
        self.current().needs_accesses()
    }

    fn needs_steps(&self) -> bool {
        self.current().needs_steps()
    }

    fn on_step(&mut self, step: &super::Step) {
        self.member().on_step(step);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testing::run_once;
    use crate::strategy::Pct;

    #[test]
    fn workers_0_and_1_probe_first_then_all_rotate() {
        let names = Portfolio::member_names();
        for worker in [0u32, 1, 3, 9] {
            let mut p = Portfolio::for_worker(1, worker, Bounds::default());
            let probes: &[&str] = match worker {
                0 => &[
                    "sweep:newest-first",
                    "round-robin:newest-first",
                    "write-turns:oldest-first",
                ],
                1 => &["sweep:oldest-first", "round-robin:oldest-first"],
                _ => &[],
            };
            for probe in probes {
                // A probe's schedule is the same for every seed; the round robin alternates.
                let order = run_once(&mut p, 3, 2).unwrap();
                assert_eq!(p.name(), format!("portfolio/{probe}"));
                let alternate = order.windows(2).all(|w| w[0] != w[1]);
                assert_eq!(alternate, probe.starts_with("round-robin"), "{order:?}");
            }
            for i in 0..2 * names.len() {
                run_once(&mut p, 3, 3).unwrap();
                let expect = &names[(worker as usize + i) % names.len()];
                assert_eq!(p.name(), format!("portfolio/{expect}"));
            }
        }
        let mut p = Portfolio::for_worker(1, 6, Bounds::default());
        assert!(p.begin_iteration());
        assert_eq!(p.name(), "portfolio/fair-pct:5");
        assert!(p.is_fair() && !p.needs_state_hash() && !p.needs_accesses());
        p.end_iteration(&IterationEnd::default());
        assert!(p.begin_iteration());
        assert_eq!(p.name(), "portfolio/pos");
        assert!(!p.is_fair() && p.needs_accesses());
        p.end_iteration(&IterationEnd::default());
        assert!(p.begin_iteration());
        assert_eq!(p.name(), "portfolio/pct:5");
        assert!(!p.is_fair());
        assert!(!p.exhausted());
    }

    #[test]
    fn members_learn_the_length_from_every_iteration() {
        let switches = |order: &[OpId]| order.windows(2).filter(|w| w[0] != w[1]).count();
        let mut guessed = Vec::new();
        for seed in 1..20 {
            // Worker 1's sweep runs 2 ops of 20 steps (39 decisions) and teaches no length; its
            // round robin runs 2 ops of 3 steps: 5 decisions. fair-pct:5 runs next, for the first
            // time, and already draws its 4 change points over decisions 1..=4: each is a
            // demotion, so the two ops alternate at every step. (Over 39 decisions, most change
            // points would fall after the iteration's end.)
            let mut p = Portfolio::for_worker(seed, 1, Bounds::default());
            run_once(&mut p, 2, 20).unwrap();
            assert_eq!(p.name(), "portfolio/sweep:oldest-first");
            run_once(&mut p, 2, 3).unwrap();
            let order = run_once(&mut p, 2, 3).unwrap();
            assert_eq!(p.name(), "portfolio/fair-pct:5");
            assert_eq!(switches(&order), 5, "seed {seed}: {order:?}");
            // On its own, its first iteration draws over a guess of 16 decisions.
            guessed.push(switches(&run_once(&mut Pct::new(seed, 5), 2, 3).unwrap()));
            // Worker 0 likewise, with its write hand-over after the round robin: a long one
            // (2 ops of 20 steps), which teaches no length either, so pct:5's first turn still
            // draws over the round robin's 5 decisions.
            let mut p = Portfolio::for_worker(seed, 0, Bounds::default());
            run_once(&mut p, 2, 20).unwrap();
            run_once(&mut p, 2, 3).unwrap();
            run_once(&mut p, 2, 20).unwrap();
            assert_eq!(p.name(), "portfolio/write-turns:oldest-first");
            let order = run_once(&mut p, 2, 3).unwrap();
            assert_eq!(p.name(), "portfolio/pct:5");
            assert_eq!(switches(&order), 5, "worker 0, seed {seed}: {order:?}");
        }
        assert!(guessed.iter().any(|&s| s < 5), "{guessed:?}");
    }

    #[test]
    fn a_members_own_length_wins_over_a_longer_borrowed_one() {
        // Worker 6 has no probes and starts at position 6: fair-pct:5 (its first turn), then
        // pos, pct:5, and fair-pct:5 again. fair-pct:5's own iteration of a short program (2 ops
        // of 3 steps) makes at most 5 decisions; the two members between its turns run a long
        // one (2 ops of 40 steps, up to 79). Its second turn on the short program draws its
        // change points over its own length, so they fall inside the iteration and the ops
        // switch; over 79 decisions most would fall after the end.
        let switches = |order: &[OpId]| order.windows(2).filter(|w| w[0] != w[1]).count();
        let mut switched = 0;
        for seed in 1..=20 {
            let mut p = Portfolio::for_worker(seed, 6, Bounds::default());
            run_once(&mut p, 2, 3).unwrap();
            assert_eq!(p.name(), "portfolio/fair-pct:5");
            for _ in 0..2 {
                run_once(&mut p, 2, 40).unwrap();
            }
            let order = run_once(&mut p, 2, 3).unwrap();
            assert_eq!(p.name(), "portfolio/fair-pct:5");
            switched += usize::from(switches(&order) >= 2);
        }
        assert!(
            switched >= 15,
            "{switched} of 20 seeds switched twice or more"
        );
    }

    #[test]
    fn an_iteration_cut_at_the_bound_teaches_no_length() {
        // As above, but the round robin's iteration is reported cut at the step bound: fair-pct:5's
        // first turn falls back to the guess, and does not alternate at every step on every seed.
        let switches = |order: &[OpId]| order.windows(2).filter(|w| w[0] != w[1]).count();
        let mut alternated = 0;
        for seed in 1..20 {
            let mut p = Portfolio::for_worker(seed, 1, Bounds::default());
            run_once(&mut p, 2, 3).unwrap();
            assert!(p.begin_iteration());
            let enabled = [0, 1];
            for step in 0..5 {
                let point = SchedulingPoint {
                    enabled: &enabled,
                    accesses: &[],
                    current: None,
                    step,
                    yielded: false,
                    state_hash: 0,
                };
                p.next_operation(&point).unwrap();
            }
            p.end_iteration(&IterationEnd {
                steps: 5,
                bug: false,
                hit_bound: true,
            });
            let order = run_once(&mut p, 2, 3).unwrap();
            assert_eq!(p.name(), "portfolio/fair-pct:5");
            alternated += usize::from(switches(&order) == 5);
        }
        assert!(
            alternated < 19,
            "every seed alternated: the bound-cut length was learned"
        );
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
