//! Replay: feeds the decisions of a trace back to the executor, checking at every step that the
//! program offers the same choice the trace recorded. The first mismatch stops the iteration and
//! is named ([`Strategy::divergence`]): which decision, what the trace said, what the program did.

use super::{IterationEnd, OpId, SchedulingPoint, Strategy};
use crate::trace::Decision;

/// Replays recorded decisions.
#[derive(Debug)]
pub struct Replay {
    decisions: Vec<Decision>,
    cursor: usize,
    divergence: Option<String>,
    started: bool,
}

impl Replay {
    /// Replays `decisions` once.
    pub fn new(decisions: Vec<Decision>) -> Self {
        Replay {
            decisions,
            cursor: 0,
            divergence: None,
            started: false,
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
