//! Declared choices (`random::bool`, `random::int`) and stopping an iteration from inside a
//! task: the strategy answers, the decision is recorded and streamed, and at the decision limit
//! or when the strategy has no answer the task unwinds with [`HaltPayload`].
//!
//! Invariant: a choice never hands the task a value the strategy did not give; every recorded
//! choice is also streamed to the decision sink, in order with the scheduling decisions.

use super::{Executor, HaltPayload, CUT};
use crate::rt::recorder::{ChoiceOf, Record};
use coyote_core::strategy::{FairSuffix, Strategy};
use coyote_core::trace::Decision;
use std::panic::Location;

impl Executor {
    /// A declared boolean choice.
    pub(crate) fn choose_bool(&self, loc: &'static Location<'static>) -> bool {
        self.choose(
            loc,
            |strategy, step| strategy.next_bool(step),
            FairSuffix::next_bool,
            Decision::Bool,
            ChoiceOf::Random,
        )
    }

    /// A declared integer choice below `bound` (`bound >= 2`), deciding `of`.
    pub(crate) fn choose_int(
        &self,
        bound: u64,
        loc: &'static Location<'static>,
        of: ChoiceOf,
    ) -> u64 {
        let ask = |strategy: &mut dyn Strategy, step| strategy.next_int(bound, step);
        let fair = |suffix: &mut FairSuffix| suffix.next_int(bound);
        self.choose(loc, ask, fair, Decision::Int, of)
    }

    /// Asks the strategy (or, past its first step, the fair suffix: `fair`) for a choice's
    /// value; records it as `decision(value)`, or stops the iteration here when the strategy
    /// has none (or the decision limit is reached).
    fn choose<T: Copy>(
        &self,
        loc: &'static Location<'static>,
        ask: impl FnOnce(&mut dyn Strategy, u32) -> Option<T>,
        fair: impl FnOnce(&mut FairSuffix) -> T,
        decision: fn(T) -> Decision,
        of: ChoiceOf,
    ) -> T {
        let step = self.step.get();
        // SAFETY: the strategy pointer is set for the whole iteration, and the executor loop does
        // not hold a reference to it while the task (and so this call) runs.
        let strategy = unsafe { &mut *self.strategy.get().expect("strategy set").as_ptr() };
        let value = if step >= self.suffix_at.get() {
            self.suffix_decides();
            self.fair_suffix.borrow_mut().as_mut().map(fair)
        } else {
            ask(strategy, step)
        };
        match value {
            Some(value) => {
                if self.record_choice(decision(value), loc, of) {
                    // At the decision limit: stop here, before the code after the choice.
                    self.halt(Some(CUT.into()));
                    std::panic::resume_unwind(Box::new(HaltPayload));
                }
                value
            }
            None => {
                self.halt(strategy.divergence());
                std::panic::resume_unwind(Box::new(HaltPayload))
            }
        }
    }

    /// Records a choice; returns whether the decisions now reach the limit.
    fn record_choice(
        &self,
        decision: Decision,
        loc: &'static Location<'static>,
        of: ChoiceOf,
    ) -> bool {
        let at_limit = self.recorder.decide(decision);
        self.recorder.push(Record::Choice {
            task: self.tasks.current(),
            decision,
            loc,
            of,
        });
        at_limit
    }

    fn halt(&self, why: Option<String>) {
        self.ending
            .stop(|| why.unwrap_or_else(|| "the strategy stopped the iteration".into()));
    }
}
