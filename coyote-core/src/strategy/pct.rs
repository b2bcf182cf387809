//! `pct[:depth]`: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
//! ASPLOS'10), as Coyote's prioritization strategy runs it.
//!
//! Each operation gets a random priority when it first appears (inserted at a random place in
//! the priority list); the highest-priority enabled operation always runs. `depth - 1` priority
//! change points, at distinct decisions, are drawn uniformly over the iteration's expected
//! length; at a change point the running operation drops below every other. A bug of depth `d`
//! in a program of `n` operations and `k` decisions is found with probability at least
//! `1 / (n k^(d-1))` per iteration.
//!
//! Length is counted in *decisions* (see `length.rs`): the scheduling points where this strategy
//! was asked (two or more operations enabled), not every step. Stretches where only one
//! operation can run cannot hold a useful change point (the paper's "sequential execution"
//! remark), so drawing over them only dilutes the points that matter (the measured effect is in
//! `docs/strategies.md`).
//!
//! The expected length `k` is learned: the most decisions any of its own iterations so far made
//! (Coyote learns its step bound the same way); in a portfolio, before its first turn ends, the
//! most any other member's made; before any iteration has ended, a guess of 16. Change points
//! fall on decisions `1..k` (decision 0 is decided by the initial priorities already), so there
//! are at most `k - 1` of them. Declared random choices are uniform.
//!
//! Invariants:
//!
//! * the decision counter restarts at every iteration and counts every call of
//!   [`Strategy::next_operation`], so change points are a function of the seed and the
//!   learned length only;
//! * priorities are a permutation of the operations seen in this iteration; a change point
//!   moves one operation to the end of it, and so does a yield: an operation that reached the
//!   decision by `task::yield_now` ([`SchedulingPoint::yielded`]) drops below every other, as
//!   shuttle's PCT does, so a task spinning on a yield lets the others run instead of starving
//!   them to `--max-steps` (a yield is not a change point: the bug-depth bound counts change
//!   points only, and a yield hands the others exactly what they were waiting for).

use super::length::Length;
use super::{DataSource, IterationEnd, OpId, SchedulingPoint, Strategy};
use crate::rng::Rng;

/// Probabilistic concurrency testing with `depth - 1` priority change points.
#[derive(Debug)]
pub struct Pct {
    rng: Rng,
    depth: u32,
    /// Operation ids ordered from highest to lowest priority.
    priorities: Vec<OpId>,
    /// Steps at which the running operation is demoted, ascending.
    change_points: Vec<u32>,
    next_change: usize,
    /// The program's length, the range change points are drawn from.
    length: Length,
}

impl Pct {
    /// PCT with the given bug depth (`depth >= 1`; 1 means no change points).
    pub fn new(seed: u64, depth: u32) -> Self {
        Pct {
            rng: Rng::new(seed),
            depth: depth.max(1),
            priorities: Vec::with_capacity(64),
            change_points: Vec::with_capacity(depth as usize),
            next_change: 0,
            length: Length::default(),
        }
    }

    fn admit_new_ops(&mut self, enabled: &[OpId]) {
        // Ids are dense and given in creation order: every id at or above the count is new.
        let known = self.priorities.len() as OpId;
        let newest = *enabled.last().expect("at least two enabled");
        for id in known..=newest {
            let at = self.rng.below(self.priorities.len() as u64 + 1) as usize;
            self.priorities.insert(at, id);
        }
    }

    fn highest_enabled(&self, enabled: &[OpId]) -> usize {
        self.priorities
            .iter()
            .position(|op| enabled.binary_search(op).is_ok())
            .expect("every enabled op has a priority")
    }
}

impl Strategy for Pct {
    fn name(&self) -> String {
        format!("pct:{}", self.depth)
    }

    fn begin_iteration(&mut self) -> bool {
        self.priorities.clear();
        self.change_points.clear();
        self.next_change = 0;
        let length = self.length.begin();
        // `depth - 1` distinct decisions of `1..length`, by Floyd's sampling (every subset
        // equally likely, one draw per point).
        let range = length - 1;
        let k = (self.depth - 1).min(range);
        for j in range - k + 1..=range {
            let t = 1 + self.rng.below(j as u64) as u32;
            let at = if self.change_points.contains(&t) {
                j
            } else {
                t
            };
            self.change_points.push(at);
        }
        self.change_points.sort_unstable();
        true
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        if point.enabled.last().copied().unwrap_or(0) as usize >= self.priorities.len() {
            self.admit_new_ops(point.enabled);
        }
        let decision = self.length.next();
        if let (true, Some(current)) = (point.yielded, point.current) {
            if let Some(i) = self.priorities.iter().position(|&op| op == current) {
                let demoted = self.priorities.remove(i);
                self.priorities.push(demoted);
            }
        }
        let mut at = self.highest_enabled(point.enabled);
        if self.change_points.get(self.next_change) == Some(&decision) {
            self.next_change += 1;
            let demoted = self.priorities.remove(at);
            self.priorities.push(demoted);
            at = self.highest_enabled(point.enabled);
        }
        Some(self.priorities[at])
    }

    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        Some(&mut self.rng)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {
        self.length.end();
    }

    fn observe_length(&mut self, decisions: u32) {
        self.length.observe(decisions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testing::run_once;

    #[test]
    fn depth_one_runs_each_op_to_completion() {
        let mut s = Pct::new(5, 1);
        for _ in 0..10 {
            let order = run_once(&mut s, 3, 4).unwrap();
            // Without change points the highest priority op runs until it is done.
            let switches = order.windows(2).filter(|w| w[0] != w[1]).count();
            assert_eq!(switches, 2, "{order:?}");
        }
    }

    #[test]
    fn a_yielding_operation_lets_every_other_run_first() {
        // Without change points the top op would run forever; a yield must hand over.
        for seed in 0..20 {
            let mut s = Pct::new(seed, 1);
            assert!(s.begin_iteration());
            let enabled = [0, 1, 2];
            let point = |current, yielded| SchedulingPoint {
                enabled: &enabled,
                accesses: &[],
                current,
                step: 0,
                yielded,
                state_hash: 0,
            };
            let top = s.next_operation(&point(None, false)).unwrap();
            assert_eq!(s.next_operation(&point(Some(top), false)), Some(top));
            let next = s.next_operation(&point(Some(top), true)).unwrap();
            assert_ne!(next, top, "seed {seed}");
            let third = s.next_operation(&point(Some(next), true)).unwrap();
            assert!(
                third != top && third != next,
                "seed {seed}: {top} {next} {third}"
            );
            assert_eq!(s.next_operation(&point(Some(third), true)), Some(top));
        }
    }

    #[test]
    fn change_points_add_preemptions() {
        let mut s = Pct::new(9, 3);
        let mut max_switches = 0;
        for _ in 0..50 {
            let order = run_once(&mut s, 2, 10).unwrap();
            let switches = order.windows(2).filter(|w| w[0] != w[1]).count();
            assert!(switches <= 3, "{order:?}");
            max_switches = max_switches.max(switches);
        }
        assert!(max_switches >= 2);
        // Decisions are counted only while both ops are enabled: 10 to 19 of the 20 steps.
        assert!(
            (10..20).contains(&s.length.expected()),
            "{}",
            s.length.expected()
        );
    }
}
