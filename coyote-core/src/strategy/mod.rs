//! Search strategies: who runs next at each scheduling point, and the value of each declared
//! random choice.
//!
//! The executor in `coyote-harness` drives any [`Strategy`] through this trait only and never
//! knows which one runs. Invariants every strategy keeps:
//!
//! * it is deterministic from its seed and the sequence of calls it receives;
//! * [`Strategy::next_operation`] returns one of the enabled operations it was shown;
//! * [`Strategy::next_int`] returns a value below its bound.
//!
//! One strategy per file; [`StrategySpec`] parses the CLI names (`pct:3`, `dfs`, ...) and
//! [`StrategySpec::build`] makes the strategy:
//!
//! * [`RandomWalk`] (`random`), [`Pct`] (`pct[:depth]`), [`FairPct`] (`fair-pct[:depth]`),
//!   [`Probabilistic`] (`probabilistic[:n]`), [`DelayBounding`] (`delay-bounding[:delays]`),
//!   [`IterativeDelayBounding`] (`idb[:delays]`), [`QLearning`] (`rl`), [`Pos`] (`pos`),
//!   [`Rff`] (`rff`), [`Mff`] (`mff`), [`Dfs`] (`dfs[:depth]`), [`Dpor`] (`dpor[:preemptions]`),
//!   and the default [`Portfolio`] (`portfolio`), which runs deterministic probes and then
//!   rotates through `pct`, `fair-pct`, `delay-bounding` and `pos` (with `mff` on programs that
//!   change controlled atomics);
//! * [`Replay`] follows a recorded trace;
//! * [`FairSuffix`] adds to any of them a uniform random walk after `--max-steps`, so that
//!   every strategy can report a liveness bug (see its docs).
//!
//! A strategy answers declared choices from a [`DataSource`] (the random strategies: their
//! generator, the one their scheduling draws come from) or from its own search state (`dfs`,
//! `idb`, replay, the portfolio's probes). How to choose a strategy, and the measurements behind
//! the portfolio, are in `docs/strategies.md` and `docs/portfolio.md`.

mod data;
mod delay_bounding;
mod dfs;
mod dpor;
#[cfg(test)]
mod dpor_tests;
mod dpor_trace;
mod fair_pct;
mod fair_suffix;
mod idb;
mod length;
mod mff;
mod pct;
mod portfolio;
mod pos;
mod probabilistic;
mod random;
mod replay;
mod rff;
mod rl;
mod round_robin;
mod spec;

pub use data::DataSource;
pub use delay_bounding::DelayBounding;
pub use dfs::Dfs;
pub use dpor::Dpor;
pub use fair_pct::FairPct;
pub use fair_suffix::FairSuffix;
pub use idb::IterativeDelayBounding;
pub use mff::Mff;
pub use pct::Pct;
pub use portfolio::Portfolio;
pub use pos::Pos;
pub use probabilistic::Probabilistic;
pub use random::RandomWalk;
pub use replay::{Preemption, Replay};
pub use rff::Rff;
pub use rl::QLearning;
pub use spec::{Bounds, SpecError, StrategySpec};

/// Identifies a controlled operation (a task, an actor) within one iteration. Ids are dense and
/// given in creation order, so the same program and decisions give the same ids.
pub type OpId = u32;

/// What an operation is about to touch: a shared object (a mutex, a channel, a variable the user
/// declared) and whether it writes it. Race-aware strategies ([`Pos`]) use it; an access with no
/// object ([`Access::NONE`]: a spawn, a sleep, a bare yield) races with nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Access {
    /// The object's identity within the iteration (its address); 0 for none.
    pub object: u64,
    /// Whether the access may change the object (acquiring a lock, sending, storing).
    pub write: bool,
}

impl Access {
    /// No shared object.
    pub const NONE: Access = Access {
        object: 0,
        write: false,
    };

    /// Reading whether operation `op` has finished (the scheduling point of a join): it
    /// depends on every step of `op`, the last of which finishes it. Its object is tagged so
    /// that it never equals an address.
    #[inline]
    pub const fn completion_of(op: OpId) -> Access {
        Access {
            object: COMPLETION | op as u64,
            write: false,
        }
    }

    /// The operation whose completion this access reads ([`Access::completion_of`]), if any.
    #[inline]
    pub const fn completion(self) -> Option<OpId> {
        if self.object & COMPLETION != 0 {
            Some(self.object as OpId)
        } else {
            None
        }
    }

    /// Whether the two accesses race: the same object, and at least one writes it. Their order
    /// can then change the outcome, so a race-aware strategy samples it afresh.
    #[inline]
    pub fn races(self, other: Access) -> bool {
        self.object != 0 && self.object == other.object && (self.write || other.write)
    }
}

/// The tag of [`Access::completion_of`]'s objects (no address has its top bit set).
const COMPLETION: u64 = 1 << 63;

/// What a strategy sees at a scheduling point.
#[derive(Debug)]
pub struct SchedulingPoint<'a> {
    /// The operations that may run next, sorted ascending; at least two.
    pub enabled: &'a [OpId],
    /// What each enabled operation is about to do, index for index with `enabled`; empty unless
    /// the strategy asked for it ([`Strategy::needs_accesses`]).
    pub accesses: &'a [Access],
    /// The operation that reached this scheduling point, if it is still enabled.
    pub current: Option<OpId>,
    /// Whether `current` reached this point by yielding on purpose (`task::yield_now`, as in a
    /// spin loop waiting for another task): it asks to let the others run. Every strategy
    /// honours it: the round-robin based ones (`delay-bounding`, `idb`, `dfs`'s first option)
    /// end its turn here, `pct` and `pos` give it the lowest priority, `probabilistic` switches,
    /// and the random ones (`random`, `rl`, `fair-pct`'s suffix) pick among all enabled, so a
    /// spin loop does not run alone to `--max-steps`.
    pub yielded: bool,
    /// How many scheduling steps this iteration has taken so far.
    pub step: u32,
    /// A hash of the program state the harness can see (enabled set, plus the user's hash if any);
    /// used by learning strategies.
    pub state_hash: u64,
}

/// One step the executor took, shown to strategies that ask ([`Strategy::needs_steps`]): every
/// step, also those with a single operation enabled, which no [`SchedulingPoint`] shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The operation that ran.
    pub op: OpId,
    /// What it touched first ([`Access::NONE`] if nothing declared).
    pub access: Access,
    /// The earlier step (its index from 0 in this iteration) whose operation woke `op` for this
    /// step, if another step did (a lock released, a message sent, a join's task finished);
    /// `None` for a new operation's first step, a step right after its own, or a timer firing.
    pub woken_by: Option<u32>,
    /// Whether `op` was chosen for its timer rather than woken (the step moves virtual time).
    pub timer: bool,
    /// A hash of the values the test's controlled atomics hold as the step begins (0 until one
    /// is written): equal for equal values, whatever the order of the writes (see [`Mff`]).
    pub memory: u64,
}

/// How an iteration ended, as far as a strategy needs to know.
#[derive(Clone, Copy, Debug, Default)]
pub struct IterationEnd {
    /// Scheduling steps taken.
    pub steps: u32,
    /// Whether the iteration found a bug.
    pub bug: bool,
    /// Whether the step bound cut the iteration short.
    pub hit_bound: bool,
    /// Whether the iteration changed the value of a controlled atomic (so the program has a
    /// memory state [`Mff`] can follow; see [`Step::memory`]).
    pub wrote_atomics: bool,
}

/// A search strategy. See the module docs for the invariants.
pub trait Strategy: Send {
    /// The strategy's name with its parameters, as `--strategy` spells it (`pct:3`).
    fn name(&self) -> String;

    /// Prepares the next iteration. Returns `false` when there is nothing left to explore.
    fn begin_iteration(&mut self) -> bool;

    /// Chooses which enabled operation runs next; `None` stops the iteration (replay divergence).
    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId>;

    /// The source this strategy answers declared choices from, if it draws them from one (see
    /// [`DataSource`]). A strategy either names its source here or overrides
    /// [`Strategy::next_bool`] and [`Strategy::next_int`]; one that does neither stops every
    /// iteration at its first declared choice.
    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        None
    }

    /// Chooses a declared boolean; `None` stops the iteration. By default, the answer of
    /// [`Strategy::data_source`].
    fn next_bool(&mut self, step: u32) -> Option<bool> {
        let _ = step;
        self.data_source().map(|data| data.next_bool())
    }

    /// Chooses a declared integer below `bound` (`bound >= 1`); `None` stops the iteration. By
    /// default, the answer of [`Strategy::data_source`].
    fn next_int(&mut self, bound: u64, step: u32) -> Option<u64> {
        let _ = step;
        self.data_source().map(|data| data.next_int(bound))
    }

    /// Told when an iteration ends.
    fn end_iteration(&mut self, end: &IterationEnd);

    /// Told that another strategy (a [`Portfolio`]'s other member) ran an iteration of the same
    /// program that made `decisions` scheduling decisions (points with two or more operations
    /// enabled). Strategies that learn the program's length (PCT, delay bounding) use the
    /// longest such length until their own first iteration ends, then only their own; the
    /// rest ignore it.
    fn observe_length(&mut self, decisions: u32) {
        let _ = decisions;
    }

    /// True once the strategy has explored its whole space (exhaustive strategies only).
    fn exhausted(&self) -> bool {
        false
    }

    /// For exhaustive strategies: how many complete schedules have been explored.
    fn schedules_explored(&self) -> Option<u64> {
        None
    }

    /// Why the last iteration was stopped by the strategy itself (replay divergence), if it was.
    fn divergence(&self) -> Option<String> {
        None
    }

    /// Whether the strategy is *fair* (every enabled operation eventually runs), so that
    /// iterations should be cut off at [`Bounds::max_fair_steps`] rather than
    /// [`Bounds::max_steps`]; only then can a liveness bug (an iteration that never ends) be told
    /// from a strategy starving an operation. For a [`Portfolio`] the answer is that of the member
    /// running the current iteration, so ask after [`Strategy::begin_iteration`].
    fn is_fair(&self) -> bool {
        false
    }

    /// Whether the strategy reads [`SchedulingPoint::state_hash`]; the executor computes the hash
    /// only when this is true, as it costs a pass over every task at every scheduling point.
    fn needs_state_hash(&self) -> bool {
        false
    }

    /// Whether the strategy reads [`SchedulingPoint::accesses`]; the executor fills them in only
    /// when this is true (a push per enabled operation at every scheduling point). Asked once per
    /// iteration, after [`Strategy::begin_iteration`].
    fn needs_accesses(&self) -> bool {
        false
    }

    /// Whether the strategy reads [`Step::memory`]; the executor keeps the hash only when this
    /// is true (a table lookup per write of a controlled atomic). Asked once per iteration, after
    /// [`Strategy::begin_iteration`]; implies [`Strategy::needs_steps`].
    fn needs_memory(&self) -> bool {
        false
    }

    /// Whether the strategy wants [`Strategy::on_step`] calls; asked once per iteration, after
    /// [`Strategy::begin_iteration`], so the others pay nothing per step.
    fn needs_steps(&self) -> bool {
        false
    }

    /// Told of every step as it begins (after [`Strategy::next_operation`] chose it, if two or
    /// more operations were enabled), before its declared choices; only when
    /// [`Strategy::needs_steps`] is true.
    fn on_step(&mut self, step: &Step) {
        let _ = step;
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A tiny simulated program for strategy unit tests: `n` operations, each with `len` steps,
    //! all enabled until done.
    use super::*;

    /// Runs one iteration; returns the sequence of chosen ops, or None if stopped.
    pub(crate) fn run_once(s: &mut dyn Strategy, n: u32, len: u32) -> Option<Vec<OpId>> {
        run_observed(s, n, len, &mut |_| {})
    }

    /// As [`run_once`], showing `observe` every program state (steps left per op) on the way,
    /// and offering the strategy a hash of that state.
    pub(crate) fn run_observed(
        s: &mut dyn Strategy,
        n: u32,
        len: u32,
        observe: &mut dyn FnMut(&[u32]),
    ) -> Option<Vec<OpId>> {
        run_program(s, n, len, observe, None)
    }

    /// As [`run_once`], showing the strategy every step ([`Strategy::on_step`]) with the memory
    /// state `memory(steps left per op)`.
    pub(crate) fn run_with_memory(
        s: &mut dyn Strategy,
        n: u32,
        len: u32,
        memory: Memory<'_>,
    ) -> Option<Vec<OpId>> {
        run_program(s, n, len, &mut |_| {}, Some(memory))
    }

    /// A memory state computed from the steps left per op.
    type Memory<'a> = &'a dyn Fn(&[u32]) -> u64;

    fn run_program(
        s: &mut dyn Strategy,
        n: u32,
        len: u32,
        observe: &mut dyn FnMut(&[u32]),
        memory: Option<Memory<'_>>,
    ) -> Option<Vec<OpId>> {
        if !s.begin_iteration() {
            return None;
        }
        let mut left = vec![len; n as usize];
        let mut order = Vec::new();
        let mut step = 0;
        let mut current = None;
        loop {
            observe(&left);
            let enabled: Vec<OpId> = (0..n).filter(|i| left[*i as usize] > 0).collect();
            let pick = match enabled.len() {
                0 => break,
                1 => enabled[0],
                _ => {
                    let point = SchedulingPoint {
                        enabled: &enabled,
                        accesses: &[],
                        current: current.filter(|c| enabled.contains(c)),
                        step,
                        yielded: false,
                        state_hash: left.iter().fold(0, |h, l| h * 31 + *l as u64),
                    };
                    let p = s.next_operation(&point)?;
                    assert!(enabled.contains(&p), "strategy picked a disabled op");
                    p
                }
            };
            if let Some(memory) = memory {
                s.on_step(&Step {
                    op: pick,
                    access: Access::NONE,
                    woken_by: None,
                    timer: false,
                    memory: memory(&left),
                });
            }
            left[pick as usize] -= 1;
            order.push(pick);
            current = Some(pick);
            step += 1;
        }
        s.end_iteration(&IterationEnd {
            steps: step,
            bug: false,
            hit_bound: false,
            wrote_atomics: false,
        });
        Some(order)
    }

    /// Switches away from an op that still had steps left, in a schedule of `run_once`.
    pub(crate) fn preemptions(order: &[OpId], n: u32, len: u32) -> usize {
        let mut left = vec![len; n as usize];
        let mut count = 0;
        for w in order.windows(2) {
            left[w[0] as usize] -= 1;
            if w[0] != w[1] && left[w[0] as usize] > 0 {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strategy_answers_declared_choices() {
        // A strategy that neither names a data source nor answers itself would stop every
        // iteration at its first `random::bool()`.
        for name in StrategySpec::ALL_NAMES {
            let spec: StrategySpec = name.split('[').next().unwrap().parse().unwrap();
            for worker in [0, 1, 2] {
                let mut s = spec.build_for_worker(3, worker, Bounds::default());
                for _ in 0..4 {
                    assert!(s.begin_iteration(), "{name}");
                    assert!(s.next_bool(0).is_some(), "{name}: no boolean");
                    let v = s.next_int(5, 1);
                    assert!(v.is_some_and(|v| v < 5), "{name}: {v:?}");
                    s.end_iteration(&IterationEnd::default());
                }
            }
        }
    }
}
