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
//!
//! Split ([`Dfs::split`], a shard of a run over machines): part `K` of `N` owns the schedules
//! whose decision prefix leads to it when the parts are dealt out down the tree: at a choice
//! with `o` options reached by a group of `m > 1` parts, option `i` goes to part
//! `lo + i % m` if `o >= m`, else to the `i`-th of `o` contiguous subgroups; a group of one owns
//! its whole subtree, and a schedule that ends while its group still has several parts belongs
//! to the group's first. Each part only takes options whose group contains it, so the parts
//! explore disjoint subtrees, each schedule is counted by exactly one part, and their counts add
//! up to the whole space's. A part re-runs only the schedules that end inside a shared group
//! (the tree is too small to deal out), without counting them.

use super::{IterationEnd, OpId, SchedulingPoint, Strategy};

#[derive(Clone, Copy, Debug)]
struct Frame {
    options: u32,
    chosen: u32,
    /// The group of parts (of a split) that reached this choice: `lo..hi`.
    lo: u32,
    hi: u32,
}

/// The group of parts option `i` of `options` goes to, from group `lo..hi`.
fn child_group(options: u32, lo: u32, hi: u32, i: u32) -> (u32, u32) {
    let m = hi - lo;
    if m == 1 {
        (lo, hi)
    } else if options >= m {
        (lo + i % m, lo + i % m + 1)
    } else {
        let (i, m, o) = (u64::from(i), u64::from(m), u64::from(options));
        (lo + (i * m / o) as u32, lo + ((i + 1) * m / o) as u32)
    }
}

/// The first option from `from` on whose group contains part `me`.
fn first_owned(options: u32, lo: u32, hi: u32, me: u32, from: u32) -> Option<u32> {
    let m = hi - lo;
    let i = if m == 1 {
        from
    } else if options >= m {
        let r = me - lo;
        from + (r + m - from % m) % m
    } else {
        (0..options).find(|&i| {
            let (a, b) = child_group(options, lo, hi, i);
            a <= me && me < b
        })?
    };
    (i >= from && i < options).then_some(i)
}

/// Exhaustive depth-first search.
#[derive(Debug, Default)]
pub struct Dfs {
    stack: Vec<Frame>,
    depth: usize,
    max_depth: Option<u32>,
    done: bool,
    schedules: u64,
    /// The part of a split this search explores, of how many (0 of 1: all).
    part: u32,
    parts: u32,
    /// The group of parts the current path leads to.
    group: (u32, u32),
}

impl Dfs {
    /// Depth-first search; `max_depth` bounds how many choices are enumerated per schedule.
    pub fn new(max_depth: Option<u32>) -> Self {
        Dfs {
            max_depth,
            parts: 1,
            group: (0, 1),
            ..Dfs::default()
        }
    }

    /// Explores only part `split.index` of `split.count` (see the module docs).
    pub fn split(mut self, split: crate::shard::Split) -> Self {
        self.parts = split.count.max(1);
        self.part = split.index.min(self.parts - 1);
        self.group = (0, self.parts);
        self
    }

    fn choose(&mut self, options: u32) -> u32 {
        if let Some(bound) = self.max_depth {
            if self.depth >= bound as usize {
                return 0;
            }
        }
        let d = self.depth;
        self.depth += 1;
        let (lo, hi) = self.group;
        let chosen = if d < self.stack.len() {
            let frame = &mut self.stack[d];
            if frame.options != options {
                // The program is not deterministic under the same choices; keep going with what
                // the program offers now rather than indexing out of range.
                frame.options = options;
                frame.chosen = frame.chosen.min(options - 1);
            }
            frame.chosen
        } else {
            // The group contains this part, and the options' groups cover it: one is ours.
            let chosen = first_owned(options, lo, hi, self.part, 0).unwrap_or(0);
            self.stack.push(Frame {
                options,
                chosen,
                lo,
                hi,
            });
            chosen
        };
        if hi - lo > 1 {
            self.group = child_group(options, lo, hi, chosen);
        }
        chosen
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
        self.group = (0, self.parts);
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
        // A schedule belongs to the first part of the group its path ends in.
        self.schedules += u64::from(self.group.0 == self.part);
        self.stack.truncate(self.depth);
        while let Some(top) = self.stack.last_mut() {
            if let Some(next) = first_owned(top.options, top.lo, top.hi, self.part, top.chosen + 1)
            {
                top.chosen = next;
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
    fn split_parts_are_disjoint_and_add_up_to_the_whole_space() {
        for (n, len, whole) in [(2, 2, 6u64), (3, 2, 90), (2, 1, 2), (4, 1, 24)] {
            for parts in [1, 2, 3, 4, 7] {
                let mut seen = HashSet::new();
                let mut counted = 0;
                for part in 0..parts {
                    let mut s = Dfs::new(None).split(crate::shard::Split {
                        index: part,
                        count: parts,
                    });
                    let mut mine = HashSet::new();
                    let mut runs = 0;
                    while let Some(order) = run_once(&mut s, n, len) {
                        mine.insert(order);
                        runs += 1;
                        assert!(runs < 10_000, "never exhausted");
                    }
                    assert!(s.exhausted());
                    counted += s.schedules_explored().unwrap();
                    seen.extend(mine);
                }
                assert_eq!(counted, whole, "{n} ops x {len}, {parts} parts");
                assert_eq!(seen.len() as u64, whole, "every schedule is reached");
            }
        }
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
