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
//!
//! Outside the rotation, [`MEMORY_MEMBER`] (`mff`) joins once an iteration has changed a
//! controlled atomic ([`IterationEnd::wrote_atomics`]) and the rotation has had its first
//! round: from then on it runs [`MEMORY_TURNS`] iterations after each turn of the rotation. Its
//! feedback, the states of the program's atomics, is what finds lock-free bugs such as
//! SCTBench's `safestack` (beyond every rotation member at 10,000 iterations); joining after
//! the first round keeps the early iterations, where most bugs are found, as they were.
//!
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
//! * the memory member runs only after [`SCHEDULE`]`.len()` rotation turns and only once an
//!   iteration reported `wrote_atomics`; a program that never changes a controlled atomic runs
//!   exactly the probes and the rotation;
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

/// The member that follows the program's memory state, outside the rotation: it joins once the
/// program has changed a controlled atomic and the rotation has gone round once.
const MEMORY_MEMBER: StrategySpec = StrategySpec::Mff;

/// Iterations of [`MEMORY_MEMBER`] after each turn of the rotation, once it has joined.
const MEMORY_TURNS: u32 = 7;

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
    /// [`MEMORY_MEMBER`], built with seed index `MEMBERS.len()`.
    memory: Box<dyn Strategy>,
    /// Whether an iteration changed a controlled atomic ([`IterationEnd::wrote_atomics`]).
    atomics: bool,
    /// Turns the rotation has had.
    turns: usize,
    /// Memory-member iterations still due before the rotation's next turn.
    memory_due: u32,
    /// Whether the current (or last) iteration is the memory member's.
    on_memory: bool,
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
            memory: MEMORY_MEMBER.build(derive_seed(base, MEMBERS.len() as u64), bounds),
            atomics: false,
            turns: 0,
            memory_due: 0,
            on_memory: false,
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
            _ if self.on_memory => self.memory.as_ref(),
            _ => self.members[SCHEDULE[self.position]].as_ref(),
        }
    }

    fn member(&mut self) -> &mut dyn Strategy {
        match self.probes.last_mut() {
            Some(probe) if self.probing => probe,
            _ if self.on_memory => self.memory.as_mut(),
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
        // The memory member's turns, once it has joined (it never says it is done).
        self.on_memory = false;
        if self.atomics && self.turns >= SCHEDULE.len() && self.memory_due > 0 {
            self.memory_due -= 1;
            self.on_memory = self.memory.begin_iteration();
            if self.on_memory {
                return true;
            }
        }
        // Members are not exhaustive, but skip any that says it is done.
        for _ in 0..SCHEDULE.len() {
            if self.started {
                self.position = (self.position + 1) % SCHEDULE.len();
            }
            self.started = true;
            if self.member().begin_iteration() {
                self.turns += 1;
                self.memory_due = MEMORY_TURNS;
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
        self.atomics |= end.wrote_atomics;
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
        let running = (!self.probing && !self.on_memory).then_some(SCHEDULE[self.position]);
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

    fn needs_memory(&self) -> bool {
        self.current().needs_memory()
    }

    fn on_step(&mut self, step: &super::Step) {
        self.member().on_step(step);
    }
}

#[cfg(test)]
mod tests;
