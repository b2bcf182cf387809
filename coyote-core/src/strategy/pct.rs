//! `pct[:depth]`: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
//! ASPLOS'10), as Coyote's prioritization strategy runs it.
//!
//! Each operation gets a random priority when it first appears (inserted at a random place in
//! the priority list); the highest-priority enabled operation always runs. `depth - 1` priority
//! change points are drawn uniformly over the iteration's expected length; at a change point the
//! running operation drops below every other. A bug of depth `d` in a program of `n` operations
//! and `k` steps is found with probability at least `1 / (n k^(d-1))` per iteration.
//!
//! The expected length `k` is learned: the longest iteration seen so far (Coyote does the same),
//! starting from a small guess, so change points land where the program actually runs.
//! Declared random choices are uniform.

use super::{IterationEnd, OpId, SchedulingPoint, Strategy};
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
    /// The longest iteration seen (scheduling steps); the range change points are drawn from.
    learned_steps: u32,
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
            learned_steps: 16,
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
        for _ in 1..self.depth {
            let at = 1 + self.rng.below(self.learned_steps.max(1) as u64) as u32;
            self.change_points.push(at);
        }
        self.change_points.sort_unstable();
        true
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        if point.enabled.last().copied().unwrap_or(0) as usize >= self.priorities.len() {
            self.admit_new_ops(point.enabled);
        }
        let mut at = self.highest_enabled(point.enabled);
        while self.next_change < self.change_points.len()
            && self.change_points[self.next_change] <= point.step
        {
            self.next_change += 1;
            let demoted = self.priorities.remove(at);
            self.priorities.push(demoted);
            at = self.highest_enabled(point.enabled);
        }
        Some(self.priorities[at])
    }

    fn next_bool(&mut self, _step: u32) -> Option<bool> {
        Some(self.rng.coin())
    }

    fn next_int(&mut self, bound: u64, _step: u32) -> Option<u64> {
        Some(self.rng.below(bound.max(1)))
    }

    fn end_iteration(&mut self, end: &IterationEnd) {
        self.learned_steps = self.learned_steps.max(end.steps);
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
        assert_eq!(s.learned_steps, 20);
    }
}
