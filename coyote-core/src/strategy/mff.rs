//! `mff`: memory-state guided schedule fuzzing.
//!
//! Greybox fuzzing with schedules as inputs, as [`Rff`](super::Rff), but the feedback is the
//! *state of the program's atomics* rather than its reads-from pairs. The executor keeps a hash
//! of the values the test's controlled atomics hold ([`Step::memory`]: each write of a new value
//! changes it by a term for the atomic's old value and one for its new, so it names the current
//! values whatever order they were written in). A schedule whose iteration reached a memory
//! state no earlier iteration reached joins the corpus.
//!
//! Why states, not pairs: a lock-free structure's bugs (an ABA, a lost link) are states that
//! well-formed runs never reach (a node linked twice, a count that disagrees with the list),
//! reached through states that are themselves rare. Each step towards them is a new state, so
//! the corpus climbs towards them one state at a time, where reads-from pairs saturate early (a
//! handful of sites) and a random walk needs them all at once. On SCTBench's `safestack`, whose
//! ABA `random` finds in about 270,000 iterations, `mff` finds it in a few thousand
//! (`samples/sctbench/README.md`).
//!
//! A mutation picks a seed, favouring the newest (the `k`-th newest with probability about
//! `(1 - 1/RECENT)^k / RECENT`, as the corpus grows along the path to new states), keeps its
//! decisions up to a cut drawn uniformly from the start to [`WINDOW`]` - 1` decisions past
//! where it first reached a new state, and walks at random after it. One iteration in
//! [`FRESH_ONE_IN`] walks from scratch. A program without controlled atomics keeps the hash
//! at 0, so only the first iteration is new and `mff` is a random walk.
//!
//! An atomic is named by the order in which the iteration first changed it, and a pointer value
//! by the order in which it first saw it, never by an address (where the allocator puts things
//! differs between iterations and runs): so the run is a function of the seed. The price: one
//! memory state reached by two schedules that first change its atomics in different orders has
//! two hashes, and counts as new twice.
//!
//! Invariants: deterministic from the seed and the calls it receives; declared choices are
//! uniform from the same generator; per step, one set lookup (no allocation once the set has
//! grown); a schedule is copied only when it joins the corpus, which holds at most
//! [`MAX_CORPUS`] seeds (the oldest leave).

use std::collections::{HashSet, VecDeque};

use super::{DataSource, IterationEnd, OpId, SchedulingPoint, Step, Strategy};
use crate::fasthash::Fast;
use crate::rng::Rng;

/// One iteration in this many walks at random from the start instead of mutating a seed.
const FRESH_ONE_IN: u64 = 4;

/// The mean distance, in seeds, of the mutated seed from the newest.
const RECENT: u64 = 10;

/// The most seeds kept; beyond it the oldest is dropped.
const MAX_CORPUS: usize = 4096;

/// A mutation's cut is at most this many decisions, less one, past the seed's first new state.
const WINDOW: u64 = 8;

/// Memory-state guided fuzzing. See the module docs.
#[derive(Debug)]
pub struct Mff {
    rng: Rng,
    /// Every memory-state hash any iteration reached.
    seen: HashSet<u64, Fast>,
    /// Schedules that reached a new state, oldest first.
    corpus: VecDeque<Seed>,
    /// The seed this iteration mutates, if any.
    seed: Option<usize>,
    /// Decisions of this iteration that copy the seed (fewer if the program left its path).
    keep: usize,
    /// This iteration's decisions.
    decisions: Vec<OpId>,
    /// How many decisions had been made when this iteration first reached a new state.
    first_new: Option<u32>,
    /// The memory state of the last step (consecutive steps that write nothing share it, and
    /// are not looked up again).
    last: u64,
}

/// A schedule kept in the corpus.
#[derive(Debug)]
struct Seed {
    /// The operation chosen at each decision.
    decisions: Vec<OpId>,
    /// How many decisions had been made when it first reached a new state.
    first_new: u32,
}

impl Mff {
    /// Memory-state guided fuzzing seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Mff {
            rng: Rng::new(seed),
            seen: HashSet::default(),
            corpus: VecDeque::new(),
            seed: None,
            keep: 0,
            decisions: Vec::with_capacity(256),
            first_new: None,
            last: 0,
        }
    }

    /// Seeds in the corpus (for tests).
    #[cfg(test)]
    pub(crate) fn corpus_len(&self) -> usize {
        self.corpus.len()
    }

    /// The index of the seed to mutate: the newest with probability `1/RECENT`, each older one
    /// a little less likely (a geometric distance, capped at the oldest).
    fn pick_seed(&mut self) -> usize {
        let newest = self.corpus.len() - 1;
        let mut back = 0;
        while back < newest && self.rng.below(RECENT) != 0 {
            back += 1;
        }
        newest - back
    }
}

impl Strategy for Mff {
    fn name(&self) -> String {
        "mff".into()
    }

    fn begin_iteration(&mut self) -> bool {
        self.decisions.clear();
        self.first_new = None;
        self.seed = None;
        self.keep = 0;
        // A new iteration starts from the first state, which the first step's lookup sees.
        self.last = u64::MAX;
        if !self.corpus.is_empty() && self.rng.below(FRESH_ONE_IN) != 0 {
            let k = self.pick_seed();
            let seed = &self.corpus[k];
            let end = (seed.first_new as u64 + WINDOW).min(seed.decisions.len() as u64 + 1);
            self.keep = self.rng.below(end) as usize;
            self.seed = Some(k);
        }
        true
    }

    #[inline]
    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        let at = self.decisions.len();
        // Up to the cut, the seed's decisions; past it, or once the program left the seed's path
        // (the cut moves there), a random walk.
        let followed = match self.seed {
            Some(k) if at < self.keep => {
                let op = self.corpus[k].decisions.get(at).copied();
                let op = op.filter(|op| point.enabled.contains(op));
                if op.is_none() {
                    self.keep = at;
                }
                op
            }
            _ => None,
        };
        let chosen = followed
            .unwrap_or_else(|| point.enabled[self.rng.below(point.enabled.len() as u64) as usize]);
        self.decisions.push(chosen);
        Some(chosen)
    }

    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        Some(&mut self.rng)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {
        if let (Some(first_new), false) = (self.first_new, self.decisions.is_empty()) {
            if self.corpus.len() == MAX_CORPUS {
                self.corpus.pop_front();
            }
            self.corpus.push_back(Seed {
                decisions: self.decisions.clone(),
                first_new,
            });
        }
    }

    fn needs_steps(&self) -> bool {
        true
    }

    fn needs_memory(&self) -> bool {
        true
    }

    #[inline]
    fn on_step(&mut self, step: &Step) {
        if step.memory == self.last {
            return;
        }
        self.last = step.memory;
        if self.seen.insert(step.memory) && self.first_new.is_none() {
            self.first_new = Some(self.decisions.len() as u32);
        }
    }
}

#[cfg(test)]
mod tests;
