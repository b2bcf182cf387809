//! Replay: feeds the decisions of a trace back to the executor.
//!
//! * Strict ([`Replay::new`]): checks at every step that the program offers the same choice the
//!   trace recorded. The first mismatch stops the iteration and is named
//!   ([`Strategy::divergence`]): which decision, what the trace said, what the program did.
//! * Lenient ([`Replay::lenient`]): the decisions are a guide, for a program that changed since
//!   the trace (a regression replayed after a fix) and for minimising a trace. Its scheduling
//!   decisions and its declared choices are two streams, each followed in order (so a program
//!   that gained or lost a scheduling point still gets the same random choices). A scheduling
//!   decision that fits (its task is enabled) is followed; one that does not is replaced by the
//!   non-preemptive choice (the running task if it is still enabled, else the lowest enabled
//!   one, passing over those [`Replay::run_last`] names while another is enabled), and the first such place is kept as [`Replay::deviation`]; a choice that does not fit
//!   (another kind, out of bounds) is `false` or `0`. Past the end of a stream the execution
//!   goes on non-preemptively, with `false` and `0`. A lenient replay never stops an iteration.
//!
//! The lenient replay keeps where it preempted (chose another task while the running one was
//! still enabled), by scheduling decision ([`Replay::preemptions`]).

use super::{IterationEnd, OpId, SchedulingPoint, Strategy};
use crate::trace::Decision;

/// Replays recorded decisions.
#[derive(Debug)]
pub struct Replay {
    decisions: Vec<Decision>,
    cursor: usize,
    /// Lenient: the declared choices among the decisions, and the next one's index there.
    choices: Vec<Decision>,
    choice_cursor: usize,
    /// Lenient: scheduling decisions asked for so far.
    scheduled: usize,
    divergence: Option<String>,
    started: bool,
    lenient: bool,
    /// Decisions asked for so far (the index of the next decision the execution makes).
    asked: usize,
    deviation: Option<String>,
    preemptions: Vec<Preemption>,
    /// Lenient: tasks the non-preemptive choice avoids while another is enabled, ascending.
    last: Vec<OpId>,
}

/// A preemption a lenient replay made: at the execution's `index`-th scheduling decision (its
/// scheduling decisions counted alone, from 0), another task ran while `running` was still
/// enabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Preemption {
    /// The scheduling decision's index among the execution's scheduling decisions.
    pub index: usize,
    /// The task that was running, and could have gone on.
    pub running: OpId,
}

impl Replay {
    /// Replays `decisions` once.
    pub fn new(decisions: Vec<Decision>) -> Self {
        Replay {
            decisions,
            cursor: 0,
            choices: Vec::new(),
            choice_cursor: 0,
            scheduled: 0,
            divergence: None,
            started: false,
            lenient: false,
            asked: 0,
            deviation: None,
            preemptions: Vec::new(),
            last: Vec::new(),
        }
    }

    /// A lenient replay whose non-preemptive choice, when the running task cannot go on, takes
    /// the lowest enabled task not in `tasks` (one in `tasks` only when no other is enabled);
    /// recorded decisions still fit as before. With the recorded decisions of the tasks taken
    /// out, the execution runs those tasks only when nothing else can run: `coyote minimize`
    /// looks so for a failing schedule that involves fewer tasks.
    pub fn run_last(mut self, mut tasks: Vec<OpId>) -> Self {
        tasks.sort_unstable();
        tasks.dedup();
        self.last = tasks;
        self
    }

    /// Follows `decisions` where they fit, and completes non-preemptively (see the module docs).
    pub fn lenient(decisions: Vec<Decision>) -> Self {
        let (schedules, choices) = decisions
            .into_iter()
            .partition(|d| matches!(d, Decision::Schedule(_)));
        Replay {
            lenient: true,
            choices,
            ..Replay::new(schedules)
        }
    }

    /// Where a lenient replay first left the trace, if it did.
    pub fn deviation(&self) -> Option<&str> {
        self.deviation.as_deref()
    }

    /// The preemptions of a lenient replay, in order.
    pub fn preemptions(&self) -> &[Preemption] {
        &self.preemptions
    }

    /// The lenient answer at a scheduling point: the recorded task if it fits, else the
    /// non-preemptive choice.
    fn lenient_operation(&mut self, point: &SchedulingPoint<'_>) -> OpId {
        let index = self.scheduled;
        self.scheduled += 1;
        let fallback = point.current.unwrap_or_else(|| {
            point
                .enabled
                .iter()
                .copied()
                .find(|t| self.last.binary_search(t).is_err())
                .unwrap_or(point.enabled[0])
        });
        let op = match self.decisions.get(self.cursor).copied() {
            None => fallback,
            Some(d) => {
                self.cursor += 1;
                match d {
                    Decision::Schedule(op) if point.enabled.binary_search(&op).is_ok() => op,
                    other => {
                        self.deviate(format!(
                            "step {}: scheduling decision #{index} of the trace is {}, but the enabled tasks are {:?}",
                            point.step,
                            other.describe(),
                            point.enabled
                        ));
                        fallback
                    }
                }
            }
        };
        if let Some(running) = point.current.filter(|&c| c != op) {
            self.preemptions.push(Preemption { index, running });
        }
        op
    }

    /// The lenient answer to a declared choice: the recorded one if it fits, else `None` (the
    /// caller's default).
    fn lenient_choice(
        &mut self,
        step: u32,
        wanted: &str,
        fits: impl Fn(Decision) -> bool,
    ) -> Option<Decision> {
        let index = self.choice_cursor;
        let d = self.choices.get(index).copied()?;
        self.choice_cursor += 1;
        if fits(d) {
            return Some(d);
        }
        self.deviate(format!(
            "step {step}: declared choice #{index} of the trace is {}, but the program asked for {wanted}",
            d.describe()
        ));
        None
    }

    fn deviate(&mut self, msg: String) {
        if self.deviation.is_none() {
            self.deviation = Some(msg);
        }
    }

    /// How many recorded decisions were consumed.
    pub fn consumed(&self) -> usize {
        self.cursor
    }

    /// Whether every recorded decision was consumed.
    pub fn finished(&self) -> bool {
        self.cursor == self.decisions.len()
    }

    fn next(&mut self, step: u32, wanted: &str) -> Option<Decision> {
        match self.decisions.get(self.cursor).copied() {
            Some(d) => {
                self.cursor += 1;
                Some(d)
            }
            None => {
                self.diverge(format!(
                    "step {step}: the program asks for {wanted}, but the trace has no decisions left ({} recorded)",
                    self.decisions.len()
                ));
                None
            }
        }
    }

    fn diverge(&mut self, msg: String) {
        if self.divergence.is_none() {
            self.divergence = Some(msg);
        }
    }
}

impl Strategy for Replay {
    fn name(&self) -> String {
        "replay".into()
    }

    fn begin_iteration(&mut self) -> bool {
        !std::mem::replace(&mut self.started, true)
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        self.asked += 1;
        if self.lenient {
            return Some(self.lenient_operation(point));
        }
        let index = self.cursor;
        match self.next(point.step, "a scheduling choice")? {
            Decision::Schedule(op) if point.enabled.binary_search(&op).is_ok() => Some(op),
            Decision::Schedule(op) => {
                self.diverge(format!(
                    "step {}: decision #{index} of the trace runs task {op}, but the enabled tasks are {:?}",
                    point.step, point.enabled
                ));
                None
            }
            other => {
                self.diverge(format!(
                    "step {}: decision #{index} of the trace is {}, but the program reached a scheduling point (enabled tasks {:?})",
                    point.step, other.describe(), point.enabled
                ));
                None
            }
        }
    }

    fn next_bool(&mut self, step: u32) -> Option<bool> {
        self.asked += 1;
        if self.lenient {
            let d =
                self.lenient_choice(step, "a random boolean", |d| matches!(d, Decision::Bool(_)));
            return Some(matches!(d, Some(Decision::Bool(true))));
        }
        let index = self.cursor;
        match self.next(step, "a random boolean")? {
            Decision::Bool(b) => Some(b),
            other => {
                self.diverge(format!(
                    "step {step}: decision #{index} of the trace is {}, but the program asked for a random boolean",
                    other.describe()
                ));
                None
            }
        }
    }

    fn next_int(&mut self, bound: u64, step: u32) -> Option<u64> {
        self.asked += 1;
        if self.lenient {
            let wanted = format!("a random integer below {bound}");
            let d = self.lenient_choice(
                step,
                &wanted,
                |d| matches!(d, Decision::Int(v) if v < bound),
            );
            return Some(match d {
                Some(Decision::Int(v)) => v,
                _ => 0,
            });
        }
        let index = self.cursor;
        match self.next(step, "a random integer")? {
            Decision::Int(v) if v < bound => Some(v),
            other => {
                self.diverge(format!(
                    "step {step}: decision #{index} of the trace is {}, but the program asked for a random integer below {bound}",
                    other.describe()
                ));
                None
            }
        }
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {}

    fn divergence(&self) -> Option<String> {
        self.divergence.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point<'a>(enabled: &'a [OpId], current: Option<OpId>, step: u32) -> SchedulingPoint<'a> {
        SchedulingPoint {
            enabled,
            accesses: &[],
            current,
            yielded: false,
            step,
            state_hash: 0,
        }
    }

    #[test]
    fn strict_replay_stops_at_the_first_mismatch() {
        let mut r = Replay::new(vec![Decision::Schedule(1), Decision::Schedule(5)]);
        assert!(r.begin_iteration());
        assert_eq!(r.next_operation(&point(&[0, 1], Some(0), 0)), Some(1));
        assert_eq!(r.next_operation(&point(&[0, 1], Some(1), 1)), None);
        assert!(r.divergence().unwrap().contains("runs task 5"));
    }

    #[test]
    fn lenient_replay_follows_what_fits_and_completes_without_preempting() {
        let mut r = Replay::lenient(vec![
            Decision::Schedule(1),
            Decision::Schedule(7),
            Decision::Bool(true),
            Decision::Int(9),
        ]);
        r.begin_iteration();
        // Fits: task 1 preempts task 0.
        assert_eq!(r.next_operation(&point(&[0, 1], Some(0), 0)), Some(1));
        // Task 7 is not enabled: the running task goes on.
        assert_eq!(r.next_operation(&point(&[0, 1, 2], Some(1), 1)), Some(1));
        assert!(r
            .deviation()
            .unwrap()
            .starts_with("step 1: scheduling decision #1"));
        assert_eq!(r.next_bool(2), Some(true));
        // 9 is out of bounds: the default.
        assert_eq!(r.next_int(3, 3), Some(0));
        // Past the trace: non-preemptive, else the lowest enabled.
        assert_eq!(r.next_operation(&point(&[0, 2], Some(2), 4)), Some(2));
        assert_eq!(r.next_operation(&point(&[0, 2], None, 5)), Some(0));
        assert_eq!(r.next_bool(6), Some(false));
        assert_eq!(r.divergence(), None);
        assert_eq!(
            r.preemptions(),
            [Preemption {
                index: 0,
                running: 0
            }]
        );
    }
}
