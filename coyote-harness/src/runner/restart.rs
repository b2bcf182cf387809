//! Running an iteration that may restart: the first scheduling point an async task reaches off
//! a coroutine (an atomic, a blocking call) switches the run to coroutines and ends the
//! iteration with [`IterationOutcome::Restart`]; it is then run again from its start, the
//! decisions it made so far answered from the record (they are the same in both runs: nothing
//! before that point differed), and the strategy asked from there on. The strategy never sees
//! the restart: it is asked each question of the iteration once, and shown each step once.

use super::MakeFuture;
use crate::rt::{Executor, IterationOutcome};
use coyote_core::strategy::{IterationEnd, OpId, SchedulingPoint, Step, Strategy};
use coyote_core::trace::Decision;

/// Runs one iteration of `make`'s test under `strategy`, restarting it once if it asks to
/// (`restarted` is told before the second run); returns the outcome and the steps taken.
pub(crate) fn run_restartable(
    ex: &Executor,
    make: MakeFuture<'_>,
    strategy: &mut dyn Strategy,
    restarted: &mut dyn FnMut(),
) -> (IterationOutcome, u32) {
    let (fut, entry) = make();
    let first = ex.run_iteration(fut, entry, strategy);
    if !matches!(first.0, IterationOutcome::Restart) {
        return first;
    }
    let prefix = ex.decisions().clone();
    restarted();
    let mut prefixed = Prefixed {
        prefix,
        at: 0,
        seen_steps: first.1,
        inner: strategy,
    };
    let (fut, entry) = make();
    match ex.run_iteration(fut, entry, &mut prefixed) {
        (IterationOutcome::Restart, steps) => (
            IterationOutcome::Diverged(
                "internal: the iteration asked to restart on coroutines twice".into(),
            ),
            steps,
        ),
        done => done,
    }
}

/// Answers the recorded `prefix`, then asks `inner`.
struct Prefixed<'a> {
    prefix: Vec<Decision>,
    at: usize,
    // Steps of the first run, which `inner` was shown already ([`Strategy::on_step`]).
    seen_steps: u32,
    inner: &'a mut dyn Strategy,
}

impl Prefixed<'_> {
    fn recorded(&mut self) -> Option<Decision> {
        let d = self.prefix.get(self.at).copied();
        self.at += usize::from(d.is_some());
        d
    }
}

impl Strategy for Prefixed<'_> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn begin_iteration(&mut self) -> bool {
        true
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        match self.recorded() {
            Some(Decision::Schedule(op)) if point.enabled.binary_search(&op).is_ok() => Some(op),
            _ => self.inner.next_operation(point),
        }
    }

    fn next_bool(&mut self, step: u32) -> Option<bool> {
        match self.recorded() {
            Some(Decision::Bool(b)) => Some(b),
            _ => self.inner.next_bool(step),
        }
    }

    fn next_int(&mut self, bound: u64, step: u32) -> Option<u64> {
        match self.recorded() {
            Some(Decision::Int(i)) if i < bound => Some(i),
            _ => self.inner.next_int(bound, step),
        }
    }

    fn end_iteration(&mut self, end: &IterationEnd) {
        self.inner.end_iteration(end)
    }

    fn observe_length(&mut self, decisions: u32) {
        self.inner.observe_length(decisions)
    }

    fn exhausted(&self) -> bool {
        self.inner.exhausted()
    }

    fn schedules_explored(&self) -> Option<u64> {
        self.inner.schedules_explored()
    }

    fn divergence(&self) -> Option<String> {
        self.inner.divergence()
    }

    fn is_fair(&self) -> bool {
        self.inner.is_fair()
    }

    fn needs_state_hash(&self) -> bool {
        self.inner.needs_state_hash()
    }

    fn needs_accesses(&self) -> bool {
        self.inner.needs_accesses()
    }

    fn needs_steps(&self) -> bool {
        self.inner.needs_steps()
    }

    fn needs_memory(&self) -> bool {
        self.inner.needs_memory()
    }

    fn on_step(&mut self, step: &Step) {
        match self.seen_steps.checked_sub(1) {
            Some(left) => self.seen_steps = left,
            None => self.inner.on_step(step),
        }
    }
}
