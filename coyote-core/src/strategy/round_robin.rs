//! The round-robin probes: two deterministic schedules that switch at every decision, run by
//! the portfolio as the first iteration of workers 0 and 1.
//!
//! Algorithm: at every scheduling point where a choice exists, run the next enabled operation
//! after the one chosen last, wrapping around: in descending id order, starting from the newest
//! operation ([`Order::NewestFirst`]), or in ascending order from the oldest
//! ([`Order::OldestFirst`]). So every operation gets one step in turn: the most interleaved
//! schedules there are, the opposite of running each operation to completion. Declared random
//! choices take their first value (`false`, `0`).
//!
//! Why probes: many small concurrency bugs (a lock-order deadlock, a check-then-act race, a
//! read that should see another task's write) show up as soon as tasks alternate at every step.
//! On SCTBench the newest-first schedule alone finds `account`, `carter01`, `circular_buffer`,
//! `deadlock01`, `queue`, `wronglock` and `wronglock_3`, and the oldest-first one `carter01`,
//! `deadlock01`, `lazy01`, `queue` and `stringbuffer`; a random walk finds each of these in its
//! first iteration on only some seeds. A probe costs one iteration where it finds nothing.
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

/// One deterministic schedule that switches to the next operation at every decision.
#[derive(Debug)]
pub(crate) struct RoundRobin {
    order: Order,
    /// The operation chosen last in this iteration.
    last: Option<OpId>,
    /// Whether the one iteration has begun.
    ran: bool,
}

impl RoundRobin {
    /// The probe passing the turn in `order`.
    pub(crate) fn new(order: Order) -> Self {
        RoundRobin {
            order,
            last: None,
            ran: false,
        }
    }
}

impl Strategy for RoundRobin {
    fn name(&self) -> String {
        match self.order {
            Order::NewestFirst => "round-robin:newest-first".into(),
            Order::OldestFirst => "round-robin:oldest-first".into(),
        }
    }

    fn begin_iteration(&mut self) -> bool {
        self.last = None;
        !std::mem::replace(&mut self.ran, true)
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        let enabled = point.enabled;
        let n = enabled.len();
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

    #[test]
    fn switches_at_every_decision_then_is_done() {
        let mut s = RoundRobin::new(Order::OldestFirst);
        assert_eq!(run_once(&mut s, 3, 2).unwrap(), vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(run_once(&mut s, 3, 2), None, "one iteration only");
        let mut s = RoundRobin::new(Order::NewestFirst);
        assert_eq!(run_once(&mut s, 3, 2).unwrap(), vec![2, 1, 0, 2, 1, 0]);
        assert_eq!(run_once(&mut s, 3, 2), None, "one iteration only");
    }

    #[test]
    fn skips_disabled_ops_and_wraps() {
        let pick = |s: &mut RoundRobin, enabled: &[OpId]| {
            s.next_operation(&SchedulingPoint {
                enabled,
                current: None,
                step: 0,
                state_hash: 0,
            })
        };
        let mut s = RoundRobin::new(Order::OldestFirst);
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
        let mut s = RoundRobin::new(Order::NewestFirst);
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
