//! The probes: five deterministic schedules that pass the turn round the operations in id
//! order, run by the portfolio as the first iterations of workers 0 and 1.
//!
//! Algorithm: at every scheduling point where a choice exists, either the operation whose turn
//! it is keeps running, or the turn passes to the next enabled operation after it, wrapping
//! around: in descending id order, starting from the newest operation ([`Order::NewestFirst`]),
//! or in ascending order from the oldest ([`Order::OldestFirst`]). How long a turn lasts:
//!
//! * [`Turns::One`], the *round robin*: one decision; every operation gets one step in turn,
//!   the most interleaved schedule there is;
//! * [`Turns::Growing`], the *sweep*: turns last 1, 2, ..., [`SWEEP_CYCLE`] decisions, then
//!   1, 2, ... again (a turn ends early when its operation blocks or finishes), so the schedule
//!   goes from fine interleaving to runs of a few steps ahead of the others, and back;
//! * [`Turns::UntilWrite`], the *write hand-over*: a turn lasts until its operation's step
//!   declared a write (an atomic store or read-modify-write, a lock, a send, a
//!   `task::yield_write`), or it yields on purpose, blocks or finishes; and the root operation (id 0, the test's
//!   body) gets the turn only when no other is enabled. Threads that update shared state in
//!   turn (`t1: i += j`, `t2: j += i`) strictly alternate their updates, with the body's checks
//!   after them: the schedule of SV-COMP's `fib_bench`, which no randomized member reaches
//!   (samples/sctbench/README.md).
//!
//! Declared random choices take their first value (`false`, `0`).
//!
//! Why probes: many small concurrency bugs show up in one of these schedules. Tasks that
//! alternate at every step expose a lock-order deadlock or a check-then-act race; a sweep
//! lets a consumer overtake its producer or a late task run last. On SCTBench (`bench-bugs`)
//! the newest-first sweep finds `carter01`, `circular_buffer`, `deadlock01`, `lazy01`,
//! `queue`, `stack`, `token_ring` and `wronglock`, the newest-first round robin `account`,
//! `carter01`, `circular_buffer`, `deadlock01`, `queue`, `wronglock` and `wronglock_3`; a random
//! walk finds each of these in its first iteration on only some seeds. A probe costs one
//! iteration where it finds nothing. Which small bugs a sweep finds depends on its exact turn
//! lengths, so the cycle length was measured: a sweep whose turns grow without end (the `k`-th
//! lasting `k` decisions), or cycle at 8 or 10, finds the same set less `wronglock`; cycles of 4
//! and 5 lose `wronglock` too, of 3 `carter01` and `token_ring`; 6 and 7 find the set above.
//! The probes are a cheap, deterministic prefix, not a search, and the portfolio's randomized
//! members do the searching.
//!
//! Invariants:
//!
//! * a probe ignores its seed and runs exactly one iteration: the second
//!   [`Strategy::begin_iteration`] answers `false`, so a portfolio moves on and never repeats
//!   it;
//! * the schedule depends only on the enabled sets it is shown.

use super::{IterationEnd, OpId, SchedulingPoint, Strategy};

/// The order in which a probe passes the turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    /// Descending ids, starting from the newest operation.
    NewestFirst,
    /// Ascending ids, starting from the oldest operation.
    OldestFirst,
}

/// How many decisions a turn lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Turns {
    /// One: the turn passes at every decision (the round robin).
    One,
    /// Turns last up to 1, 2, ..., [`SWEEP_CYCLE`] decisions, then start again at 1 (the
    /// sweep).
    Growing,
    /// A turn ends after a step that declared a write; the root operation runs last (the write
    /// hand-over).
    UntilWrite,
}

/// The longest turn of a sweep, after which its turns start again at one decision.
pub(crate) const SWEEP_CYCLE: u32 = 6;

/// One deterministic schedule that passes the turn round the operations in id order.
#[derive(Debug)]
pub(crate) struct RoundRobin {
    order: Order,
    turns: Turns,
    /// The operation whose turn it is (chosen last) in this iteration.
    last: Option<OpId>,
    /// Turns begun in this iteration.
    turn: u32,
    /// Decisions taken by the current turn.
    used: u32,
    /// Whether the one iteration has begun.
    ran: bool,
    /// Whether the step last chosen declared a write (for [`Turns::UntilWrite`]).
    wrote: bool,
}

impl RoundRobin {
    /// The probe passing the turn in `order`, each turn lasting as `turns` says.
    pub(crate) fn new(order: Order, turns: Turns) -> Self {
        RoundRobin {
            order,
            turns,
            last: None,
            turn: 0,
            used: 0,
            ran: false,
            wrote: false,
        }
    }

    /// Whether this probe's iteration length should teach a portfolio's members the program's
    /// length: the round robin's does; the sweep's does not, because its turns let one
    /// operation run several steps alone, which in programs like `twostage` takes a longer
    /// path than the round robin's, and drawing the first PCT turns over that dilutes their
    /// change points (measured on `twostage`: `docs/portfolio.md`).
    pub(crate) fn teaches_length(&self) -> bool {
        self.turns == Turns::One
    }

    /// [`Turns::UntilWrite`]'s choice: the operation whose turn it is, unless its last step
    /// wrote, it yielded on purpose, or it cannot run; then the next enabled one in order, the root (id 0) only when no
    /// other operation is enabled.
    fn write_turn(&mut self, point: &SchedulingPoint<'_>) -> OpId {
        let enabled = point.enabled;
        let at = match self.last.and_then(|l| enabled.binary_search(&l).ok()) {
            Some(at) if !self.wrote && !point.yielded => at,
            _ => {
                self.turn += 1;
                // Candidates: every enabled operation but the root, unless it is alone.
                let others = if enabled[0] == 0 && enabled.len() > 1 {
                    1
                } else {
                    0
                };
                let pool = &enabled[others..];
                let n = pool.len();
                let next = match (self.order, self.last) {
                    (Order::NewestFirst, None) => n - 1,
                    (Order::NewestFirst, Some(last)) => {
                        (pool.partition_point(|op| *op < last) + n - 1) % n
                    }
                    (Order::OldestFirst, None) => 0,
                    (Order::OldestFirst, Some(last)) => pool.partition_point(|op| *op <= last) % n,
                };
                others + next
            }
        };
        self.wrote = point
            .accesses
            .get(at)
            .is_some_and(|a| a.write && a.object != 0);
        self.last = Some(enabled[at]);
        enabled[at]
    }
}

impl Strategy for RoundRobin {
    fn name(&self) -> String {
        let turns = match self.turns {
            Turns::One => "round-robin",
            Turns::Growing => "sweep",
            Turns::UntilWrite => "write-turns",
        };
        let order = match self.order {
            Order::NewestFirst => "newest-first",
            Order::OldestFirst => "oldest-first",
        };
        format!("{turns}:{order}")
    }

    fn begin_iteration(&mut self) -> bool {
        self.last = None;
        self.turn = 0;
        self.used = 0;
        self.wrote = false;
        !std::mem::replace(&mut self.ran, true)
    }

    fn needs_accesses(&self) -> bool {
        self.turns == Turns::UntilWrite
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        let enabled = point.enabled;
        if self.turns == Turns::UntilWrite {
            return Some(self.write_turn(point));
        }
        let n = enabled.len();
        if let (Turns::Growing, Some(last)) = (self.turns, self.last) {
            // The turn goes on while it has decisions left and its operation can run.
            let length = (self.turn - 1) % SWEEP_CYCLE + 1;
            if self.used < length && enabled.binary_search(&last).is_ok() {
                self.used += 1;
                return Some(last);
            }
        }
        self.turn += 1;
        self.used = 1;
        let at = match (self.order, self.last) {
            (Order::NewestFirst, None) => n - 1,
            // The last enabled op below `last`, wrapping to the newest.
            (Order::NewestFirst, Some(last)) => {
                (enabled.partition_point(|op| *op < last) + n - 1) % n
            }
            (Order::OldestFirst, None) => 0,
            // The first enabled op above `last`, wrapping to the oldest.
            (Order::OldestFirst, Some(last)) => enabled.partition_point(|op| *op <= last) % n,
        };
        self.last = Some(enabled[at]);
        self.last
    }

    fn next_bool(&mut self, _step: u32) -> Option<bool> {
        Some(false)
    }

    fn next_int(&mut self, _bound: u64, _step: u32) -> Option<u64> {
        Some(0)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testing::run_once;
    use crate::strategy::Access;

    #[test]
    fn switches_at_every_decision_then_is_done() {
        let mut s = RoundRobin::new(Order::OldestFirst, Turns::One);
        assert_eq!(s.name(), "round-robin:oldest-first");
        assert_eq!(run_once(&mut s, 3, 2).unwrap(), vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(run_once(&mut s, 3, 2), None, "one iteration only");
        let mut s = RoundRobin::new(Order::NewestFirst, Turns::One);
        assert_eq!(run_once(&mut s, 3, 2).unwrap(), vec![2, 1, 0, 2, 1, 0]);
        assert_eq!(run_once(&mut s, 3, 2), None, "one iteration only");
        assert!(s.teaches_length());
    }

    #[test]
    fn the_write_hand_over_passes_after_each_write_and_runs_the_root_last() {
        // Op 0 (the root) reads twice; ops 1 and 2 each do (read, read, write) twice, all on
        // object 7. Each op keeps the turn until its write, then passes it; the root runs once
        // no other op is enabled.
        let read = Access {
            object: 7,
            write: false,
        };
        let write = Access {
            object: 7,
            write: true,
        };
        let worker = [read, read, write, read, read, write];
        let mut scripts = [vec![read, read], worker.to_vec(), worker.to_vec()];
        let mut s = RoundRobin::new(Order::OldestFirst, Turns::UntilWrite);
        assert!(s.needs_accesses() && !s.teaches_length());
        assert_eq!(s.name(), "write-turns:oldest-first");
        assert!(s.begin_iteration());
        let mut order = Vec::new();
        for step in 0.. {
            let enabled: Vec<OpId> = (0..3)
                .filter(|&op| !scripts[op as usize].is_empty())
                .collect();
            if enabled.is_empty() {
                break;
            }
            let accesses: Vec<Access> = enabled.iter().map(|&op| scripts[op as usize][0]).collect();
            let op = if enabled.len() == 1 {
                enabled[0]
            } else {
                let point = SchedulingPoint {
                    enabled: &enabled,
                    accesses: &accesses,
                    current: order.last().copied(),
                    yielded: false,
                    step,
                    state_hash: 0,
                };
                s.next_operation(&point).unwrap()
            };
            scripts[op as usize].remove(0);
            order.push(op);
        }
        assert_eq!(order, [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 0, 0]);
        s.end_iteration(&IterationEnd::default());
        assert!(!s.begin_iteration(), "one iteration only");
    }

    #[test]
    fn the_sweep_makes_the_kth_turn_k_decisions_long() {
        // Turns of 1, 2, 3, 4 decisions; a turn ends early when its op finishes, and the last
        // op's final step is no decision.
        let mut s = RoundRobin::new(Order::OldestFirst, Turns::Growing);
        assert_eq!(s.name(), "sweep:oldest-first");
        let order = run_once(&mut s, 3, 4).unwrap();
        assert_eq!(order, vec![0, 1, 1, 2, 2, 2, 0, 0, 0, 1, 1, 2]);
        assert_eq!(run_once(&mut s, 3, 4), None, "one iteration only");
        let mut s = RoundRobin::new(Order::NewestFirst, Turns::Growing);
        assert_eq!(s.name(), "sweep:newest-first");
        let order = run_once(&mut s, 3, 4).unwrap();
        assert_eq!(order, vec![2, 1, 1, 0, 0, 0, 2, 2, 2, 1, 1, 0]);
        assert!(!s.teaches_length());
    }

    #[test]
    fn the_sweep_starts_again_after_its_longest_turn() {
        let mut s = RoundRobin::new(Order::OldestFirst, Turns::Growing);
        let order = run_once(&mut s, 2, 30).unwrap();
        let mut expect = Vec::new();
        for k in 0..9u32 {
            let length = k % SWEEP_CYCLE + 1;
            expect.extend(std::iter::repeat_n(k % 2, length as usize));
        }
        assert_eq!(SWEEP_CYCLE, 6);
        assert_eq!(
            order[..expect.len()],
            expect[..],
            "turns of 1..6 decisions, then 1, 2, 3 again"
        );
    }

    #[test]
    fn skips_disabled_ops_and_wraps() {
        let pick = |s: &mut RoundRobin, enabled: &[OpId]| {
            s.next_operation(&SchedulingPoint {
                enabled,
                accesses: &[],
                current: None,
                step: 0,
                yielded: false,
                state_hash: 0,
            })
        };
        let mut s = RoundRobin::new(Order::OldestFirst, Turns::One);
        assert!(s.begin_iteration());
        assert_eq!(pick(&mut s, &[0, 1, 2]), Some(0));
        assert_eq!(
            pick(&mut s, &[0, 2]),
            Some(2),
            "1 is blocked: next after 0 is 2"
        );
        assert_eq!(
            pick(&mut s, &[0, 1]),
            Some(0),
            "nothing after 2: wrap to the oldest"
        );
        let mut s = RoundRobin::new(Order::NewestFirst, Turns::One);
        assert!(s.begin_iteration());
        assert_eq!(pick(&mut s, &[0, 1, 3]), Some(3));
        assert_eq!(
            pick(&mut s, &[0, 3]),
            Some(0),
            "1 is blocked: next below 3 is 0"
        );
        assert_eq!(
            pick(&mut s, &[1, 2]),
            Some(2),
            "nothing below 0: wrap to the newest"
        );
    }
}
