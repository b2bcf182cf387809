//! `idb[:d]` (default `d = 2`): iterative delay bounding (Emmi, Qadeer, Rakamarić, POPL'11; one
//! of the systematic searches of Thomson et al.'s SCTBench study). It enumerates every execution
//! with at most `d` delays, fewest delays first, then says the space is exhausted.
//!
//! Algorithm: a deterministic default execution is deviated from by *delays*. The default is the
//! round robin of `delay-bounding` (the operation that reached the scheduling point keeps running
//! while it is enabled and has not yielded, then the next enabled id after it) with every declared
//! choice at its first value (`false`, `0`). A delay at a scheduling decision skips the operation
//! the round robin would run; at a declared choice it takes the next value. `j` delays at one
//! decision skip `j`. Decisions are numbered in execution order: scheduling points where two or
//! more operations are enabled, and declared choices. Iteration by iteration, placements are
//! enumerated by how many delays they use: none, then one at each decision `0, 1, ...`, then
//! every non-decreasing pair, and so on up to `d`, lexicographically within a count.
//!
//! The enumeration needs no length guess and runs no execution twice. Level `k` extends each
//! execution of level `k - 1`, in order: the execution with placement `Q` made `n` decisions, and
//! one more delay at any decision from `Q`'s last up to `n - 1` is reached, because the new
//! execution agrees with `Q`'s until that decision. So the strategy keeps, for the level below
//! the one it runs, each execution's placement and decision count: at most `d` numbers per
//! execution, none for the last level. An iteration that piles more delays on one decision than
//! it has alternatives wraps around to an execution with fewer delays: it is run (the strategy
//! cannot know in advance) but neither counted as a schedule nor extended.
//!
//! Why: a bug that needs one task held back at one point while another runs ahead is found by
//! one delay at that point, at iteration `1 + point`, on every seed. When `idb:d` ends without a
//! bug, no execution within `d` delays of the default has one (for a deterministic program).
//!
//! Split ([`IterativeDelayBounding::split`], a shard of a run over machines): part `K` of `N`
//! owns the placements whose first delay falls on a decision `p` with `p % N == K`, and the
//! default execution (no delay) belongs to part 0. Every extension of a placement keeps its
//! first delay, so a part extends only its own executions; each part runs the default once to
//! learn its decisions (counted by part 0 only). The parts' counts add up to the whole count.
//!
//! Invariants:
//!
//! * the strategy ignores its seed: two runs make the same executions;
//! * an iteration contains at most `d` deviations from the default execution;
//! * placements are non-decreasing, each is run at most once, every delay of a placement is
//!   reached, and every such placement within `d` delays is run before the strategy is
//!   exhausted;
//! * nothing is allocated per decision; per iteration, at most `d` numbers are recorded.

use super::delay_bounding::round_robin;
use super::{IterationEnd, OpId, SchedulingPoint, Strategy};

/// Every execution within `bound` delays of round robin, then exhausted.
#[derive(Debug)]
pub struct IterativeDelayBounding {
    bound: u32,
    /// The decisions at which this iteration delays, non-decreasing: the placement of one of the
    /// previous level's executions (the `prefix`-th) plus one delay.
    points: Vec<u32>,
    /// The previous level's executions in enumeration order: their placements, flat,
    /// `points.len() - 1` decisions each, and how many decisions each execution made.
    prev_points: Vec<u32>,
    prev_lengths: Vec<u32>,
    /// Which of the previous level's executions the current placement extends.
    prefix: usize,
    /// The current level's executions, recorded as they end (not at the last level).
    next_points: Vec<u32>,
    next_lengths: Vec<u32>,
    /// Delays applied so far in this iteration (a prefix of `points`).
    applied: usize,
    /// Decisions taken so far in this iteration.
    decision: u32,
    /// Whether this iteration piled more delays on one decision than it had alternatives.
    wrapped: bool,
    /// The operation this strategy last chose in this iteration.
    last: Option<OpId>,
    schedules: u64,
    done: bool,
    /// The part of a split this search explores, of how many (0 of 1: all).
    part: u32,
    parts: u32,
}

impl IterativeDelayBounding {
    /// Every execution with at most `bound` delays.
    pub fn new(bound: u32) -> Self {
        IterativeDelayBounding {
            bound,
            points: Vec::with_capacity(bound as usize),
            prev_points: Vec::new(),
            prev_lengths: Vec::new(),
            prefix: 0,
            next_points: Vec::new(),
            next_lengths: Vec::new(),
            applied: 0,
            decision: 0,
            wrapped: false,
            last: None,
            schedules: 0,
            done: false,
            part: 0,
            parts: 1,
        }
    }

    /// Explores only part `split.index` of `split.count` (see the module docs).
    pub fn split(mut self, split: crate::shard::Split) -> Self {
        self.parts = split.count.max(1);
        self.part = split.index.min(self.parts - 1);
        self
    }

    /// Takes the next decision: how many delays fall on it.
    fn delays_here(&mut self) -> u32 {
        let at = self.decision;
        self.decision += 1;
        let start = self.applied;
        while self.points.get(self.applied) == Some(&at) {
            self.applied += 1;
        }
        (self.applied - start) as u32
    }

    /// Moves to the next placement; false when every placement within the bound has run.
    fn advance(&mut self) -> bool {
        // The level: how many delays the placement has.
        let mut k = self.points.len();
        if k > 0 {
            // The last delay one decision later, over the same prefix (a split's first delay:
            // its part's next decision).
            let later = self.points[k - 1] + if k == 1 { self.parts } else { 1 };
            if later < self.prev_lengths[self.prefix] {
                self.points[k - 1] = later;
                return true;
            }
            self.prefix += 1;
        }
        loop {
            if k > 0 && self.prefix < self.prev_lengths.len() {
                // The first placement over the next prefix: the new delay joins its last one.
                let q = &self.prev_points[self.prefix * (k - 1)..(self.prefix + 1) * (k - 1)];
                let first = q.last().copied().unwrap_or(self.part);
                if first < self.prev_lengths[self.prefix] {
                    self.points.clear();
                    self.points.extend_from_slice(q);
                    self.points.push(first);
                    return true;
                }
                self.prefix += 1;
                continue;
            }
            // The level is done; the next one extends the executions this one recorded.
            if k == self.bound as usize || self.next_lengths.is_empty() {
                return false;
            }
            std::mem::swap(&mut self.prev_points, &mut self.next_points);
            std::mem::swap(&mut self.prev_lengths, &mut self.next_lengths);
            self.next_points.clear();
            self.next_lengths.clear();
            self.prefix = 0;
            k += 1;
        }
    }
}

impl Strategy for IterativeDelayBounding {
    fn name(&self) -> String {
        format!("idb:{}", self.bound)
    }

    fn begin_iteration(&mut self) -> bool {
        self.applied = 0;
        self.decision = 0;
        self.wrapped = false;
        self.last = None;
        !self.done
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        let skips = self.delays_here();
        self.wrapped |= skips as usize >= point.enabled.len();
        let op = round_robin(point, self.last, skips);
        self.last = Some(op);
        Some(op)
    }

    fn next_bool(&mut self, _step: u32) -> Option<bool> {
        let skips = self.delays_here();
        self.wrapped |= skips >= 2;
        Some(skips % 2 == 1)
    }

    fn next_int(&mut self, bound: u64, _step: u32) -> Option<u64> {
        let skips = self.delays_here() as u64;
        let bound = bound.max(1);
        self.wrapped |= skips >= bound;
        Some(skips % bound)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {
        // An iteration that wrapped repeated an execution with fewer delays (and its extensions
        // would repeat that one's): it is neither counted nor extended.
        if self.applied == self.points.len() && !self.wrapped {
            // The default execution is part 0's; every part runs it to extend it.
            self.schedules += u64::from(!self.points.is_empty() || self.part == 0);
            if self.points.len() < self.bound as usize {
                self.next_points.extend_from_slice(&self.points);
                self.next_lengths.push(self.decision);
            }
        }
        self.done = !self.advance();
    }

    fn exhausted(&self) -> bool {
        self.done
    }

    fn schedules_explored(&self) -> Option<u64> {
        Some(self.schedules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testing::{preemptions, run_once};
    use std::collections::HashSet;

    fn explore(bound: u32, n: u32, len: u32) -> (Vec<Vec<OpId>>, IterativeDelayBounding) {
        let mut s = IterativeDelayBounding::new(bound);
        let mut orders = Vec::new();
        while let Some(order) = run_once(&mut s, n, len) {
            orders.push(order);
            assert!(orders.len() < 10_000, "never exhausted");
        }
        (orders, s)
    }

    #[test]
    fn zero_delays_is_one_round_robin_schedule() {
        let (orders, s) = explore(0, 3, 2);
        assert_eq!(orders, vec![vec![0, 0, 1, 1, 2, 2]]);
        assert!(s.exhausted());
        assert_eq!(s.schedules_explored(), Some(1));
    }

    #[test]
    fn one_delay_tries_each_decision_in_order() {
        // Two ops of two steps: the default and one delay at each of its two decisions.
        let (orders, s) = explore(1, 2, 2);
        assert_eq!(
            orders,
            vec![vec![0, 0, 1, 1], vec![1, 1, 0, 0], vec![0, 1, 1, 0]]
        );
        assert_eq!(s.schedules_explored(), Some(3));
    }

    #[test]
    fn enumerates_every_schedule_within_the_bound() {
        // Every schedule of 3 ops x 2 steps that round robin reaches with at most 2 delays is
        // found, each counted once, and none needs more than 2 preemptions.
        let (orders, s) = explore(2, 3, 2);
        let distinct: HashSet<_> = orders.iter().cloned().collect();
        for o in &orders {
            assert!(preemptions(o, 3, 2) <= 2, "{o:?}");
        }
        assert_eq!(s.schedules_explored(), Some(distinct.len() as u64));
        // A growing bound only adds schedules.
        let (more, _) = explore(3, 3, 2);
        let more: HashSet<_> = more.into_iter().collect();
        assert!(distinct.is_subset(&more) && more.len() > distinct.len());
        // With enough delays (up to 2 per switch, 5 switches), every interleaving
        // (6!/(2!2!2!) = 90) is reached.
        let (all, _) = explore(10, 3, 2);
        assert_eq!(all.into_iter().collect::<HashSet<_>>().len(), 90);
    }

    #[test]
    fn split_parts_add_up_to_the_whole_count_with_no_schedule_twice() {
        for (bound, n, len) in [(0, 2, 2), (1, 2, 2), (2, 3, 2), (3, 3, 2), (2, 2, 3)] {
            let (whole, s) = explore(bound, n, len);
            let whole_count = s.schedules_explored().unwrap();
            for parts in [1, 2, 3, 4] {
                let mut counted = 0;
                let mut union = HashSet::new();
                let mut runs = 0;
                for part in 0..parts {
                    let mut s = IterativeDelayBounding::new(bound).split(crate::shard::Split {
                        index: part,
                        count: parts,
                    });
                    while let Some(order) = run_once(&mut s, n, len) {
                        union.insert(order);
                        runs += 1;
                    }
                    counted += s.schedules_explored().unwrap();
                }
                assert_eq!(
                    counted, whole_count,
                    "idb:{bound}, {n}x{len}, {parts} parts"
                );
                assert_eq!(union, whole.iter().cloned().collect::<HashSet<_>>());
                // Only the default execution runs once more per extra part.
                assert_eq!(runs, whole.len() + parts as usize - 1);
            }
        }
    }

    #[test]
    fn declared_choices_are_enumerated_as_delays() {
        let mut s = IterativeDelayBounding::new(1);
        let mut seen = Vec::new();
        while s.begin_iteration() {
            seen.push((s.next_bool(0).unwrap(), s.next_int(3, 1).unwrap()));
            s.end_iteration(&IterationEnd::default());
        }
        assert_eq!(
            seen,
            vec![(false, 0), (true, 0), (false, 1)],
            "the default, then one delay at each choice"
        );
        assert_eq!(s.schedules_explored(), Some(3));
    }
}
