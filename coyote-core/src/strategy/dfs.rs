//! `dfs[:depth]`: exhaustive depth-first enumeration of every schedule and every declared
//! choice. It says when the whole space has been explored and how many schedules that took.
//!
//! Invariant: the stack holds, for each choice of the current path, how many options there were
//! and which one this path takes. After each iteration the deepest choice with an untried option
//! advances and everything below it is forgotten; when none is left the space is exhausted.
//! With a depth bound, choices deeper than the bound always take their first option, so the
//! count is of schedules distinct within the bound. A scheduling decision's options are the
//! enabled operations in id order, starting after the operation that reached it if that one
//! yielded (`SchedulingPoint::yielded`), so the first option never spins on a yield.

use super::{IterationEnd, OpId, SchedulingPoint, Strategy};

#[derive(Clone, Copy, Debug)]
struct Frame {
    options: u32,
    chosen: u32,
}

/// Exhaustive depth-first search.
#[derive(Debug, Default)]
pub struct Dfs {
    stack: Vec<Frame>,
    depth: usize,
    max_depth: Option<u32>,
    done: bool,
    schedules: u64,
}

impl Dfs {
    /// Depth-first search; `max_depth` bounds how many choices are enumerated per schedule.
    pub fn new(max_depth: Option<u32>) -> Self {
        Dfs {
            max_depth,
            ..Dfs::default()
        }
    }

    fn choose(&mut self, options: u32) -> u32 {
        if let Some(bound) = self.max_depth {
            if self.depth >= bound as usize {
                return 0;
            }
        }
        let d = self.depth;
        self.depth += 1;
        if d < self.stack.len() {
            let frame = &mut self.stack[d];
            if frame.options != options {
                // The program is not deterministic under the same choices; keep going with what
                // the program offers now rather than indexing out of range.
                frame.options = options;
                frame.chosen = frame.chosen.min(options - 1);
            }
            frame.chosen
        } else {
            self.stack.push(Frame { options, chosen: 0 });
            0
        }
    }
}

impl Strategy for Dfs {
    fn name(&self) -> String {
        match self.max_depth {
            Some(d) => format!("dfs:{d}"),
            None => "dfs".into(),
        }
    }

    fn begin_iteration(&mut self) -> bool {
        self.depth = 0;
        !self.done
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        let enabled = point.enabled;
        let i = self.choose(enabled.len() as u32) as usize;
        // Options in id order, except after a yield: then they start after the yielding
        // operation, so the first option (the one every choice past a depth bound takes) lets
        // the others run rather than spinning to the step bound.
        let first = match point.current {
            Some(c) if point.yielded => enabled.partition_point(|op| *op <= c),
            _ => 0,
        };
        Some(enabled[(first + i) % enabled.len()])
    }

    fn next_bool(&mut self, _step: u32) -> Option<bool> {
        Some(self.choose(2) == 1)
    }

    fn next_int(&mut self, bound: u64, _step: u32) -> Option<u64> {
        Some(self.choose(bound.clamp(1, u32::MAX as u64) as u32) as u64)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {
        self.schedules += 1;
        self.stack.truncate(self.depth);
        while let Some(top) = self.stack.last_mut() {
            if top.chosen + 1 < top.options {
                top.chosen += 1;
                return;
            }
            self.stack.pop();
        }
        self.done = true;
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
    use crate::strategy::testing::run_once;
    use std::collections::HashSet;

    #[test]
    fn enumerates_every_interleaving_exactly_once() {
        // Two ops of two steps each: C(4,2) = 6 interleavings.
        let mut s = Dfs::new(None);
        let mut seen = HashSet::new();
        while let Some(order) = run_once(&mut s, 2, 2) {
            assert!(seen.insert(order), "a schedule was explored twice");
        }
        assert!(s.exhausted());
        assert_eq!(seen.len(), 6);
        assert_eq!(s.schedules_explored(), Some(6));
    }

    #[test]
    fn after_a_yield_the_first_option_is_the_next_op() {
        let mut s = Dfs::new(Some(0));
        assert!(s.begin_iteration());
        let point = |current, yielded| SchedulingPoint {
            enabled: &[1, 3, 4],
            accesses: &[],
            current,
            step: 0,
            yielded,
            state_hash: 0,
        };
        assert_eq!(s.next_operation(&point(Some(3), false)), Some(1));
        assert_eq!(s.next_operation(&point(Some(3), true)), Some(4));
        assert_eq!(s.next_operation(&point(Some(4), true)), Some(1));
    }

    #[test]
    fn three_ops_multinomial() {
        // 3 ops x 2 steps: 6! / (2!2!2!) = 90.
        let mut s = Dfs::new(None);
        let mut n = 0;
        while run_once(&mut s, 3, 2).is_some() {
            n += 1;
        }
        assert_eq!(n, 90);
    }
}
