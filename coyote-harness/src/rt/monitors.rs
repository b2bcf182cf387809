//! The iteration's monitors (`spec::Monitor`, held erased as [`ErasedMonitor`]): their slots and
//! [`Temperature`]s, the liveness deadline, and the two liveness failures. `spec` builds the
//! user-facing trait on these; this module knows nothing of it.
//!
//! Invariants:
//!
//! * one slot per monitor type, in the order the monitors were made; [`Monitors::clear`] empties
//!   the slots and hands the monitors back to be dropped outside any borrow, so every iteration
//!   starts with none;
//! * while a monitor's handler runs, its box is out of its slot, so the handler may notify other
//!   monitors; taking it again then is a panic with a clear message;
//! * `hot` is the number of slots whose temperature is `Hot` (kept, not counted, because the loop
//!   reads it at every step); a slot's `warm_since` is the step it first became hot after it was
//!   last `Cold` (or made), `None` while it has not been hot since: `Plain` keeps it, `Cold`
//!   clears it;
//! * `deadline` is the first step at which some *hot* monitor has been warm for more than the
//!   threshold, counted from the first fair step (`fair_from`; `u32::MAX` when there is none,
//!   or the iteration is unfair and has not reached its fair suffix); the loop compares the
//!   step with it, which is all monitors cost a step.

use coyote_core::trace::{BugKind, Failure};
use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe, Location};

use super::tasks::fmt_loc;

/// How a monitor stands toward its liveness property (see [`Monitor`](crate::spec::Monitor)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Temperature {
    /// Nothing is owed (a cold state): the liveness threshold's count starts again.
    #[default]
    Cold,
    /// Something is owed (a hot state): the execution must not end here, nor run on for ever
    /// without the monitor becoming cold.
    Hot,
    /// Neither (a plain, or "warm", state): not a bug to end in, but it does not restart the
    /// threshold's count either; only `Cold` does. So a monitor that goes back and forth between
    /// `Hot` and `Plain` for ever is still reported.
    Plain,
}

/// A monitor of any type, as the executor holds it.
pub(crate) trait ErasedMonitor {
    fn temperature(&self) -> Temperature;
    /// The monitor's `Debug`, for reports.
    fn describe(&self) -> String;
    /// The monitor's state for saturation: the state it names (`Monitor::state`), else its
    /// `Debug`.
    fn state(&self) -> String;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

struct Slot {
    type_id: TypeId,
    name: &'static str,
    monitor: Option<Box<dyn ErasedMonitor>>,
    temperature: Temperature,
    warm_since: Option<u32>,
    hot_since: u32,
    /// The task and the call that last made the monitor hot.
    hot_task: u32,
    hot_loc: &'static Location<'static>,
}

/// See the module docs.
pub(crate) struct Monitors {
    slots: RefCell<Vec<Slot>>,
    hot: Cell<u32>,
    deadline: Cell<u32>,
    /// Steps a hot monitor may go without being cold (`None`: no limit, an unfair strategy).
    threshold: Cell<Option<u32>>,
    /// The first fair step: the threshold counts from it (0 for a fair strategy, the start of
    /// its fair suffix for another, `u32::MAX` before that suffix).
    fair_from: Cell<u32>,
}

impl Monitors {
    pub(crate) fn new() -> Monitors {
        Monitors {
            slots: RefCell::new(Vec::new()),
            hot: Cell::new(0),
            deadline: Cell::new(u32::MAX),
            threshold: Cell::new(None),
            fair_from: Cell::new(0),
        }
    }

    pub(crate) fn threshold(&self) -> Option<u32> {
        self.threshold.get()
    }

    pub(crate) fn set_threshold(&self, threshold: Option<u32>) {
        self.threshold.set(threshold);
    }

    /// The threshold counts from step `from` on (see `fair_from`).
    pub(crate) fn set_fair_from(&self, from: u32) {
        self.fair_from.set(from);
        self.set_deadline(&self.slots.borrow());
    }

    /// Whether some monitor is hot now.
    #[inline]
    pub(crate) fn any_hot(&self) -> bool {
        self.hot.get() > 0
    }

    /// The step at which a hot monitor has been hot too long (`u32::MAX`: none).
    #[inline]
    pub(crate) fn deadline(&self) -> u32 {
        self.deadline.get()
    }

    /// Takes monitor `type_id` out of its slot (its index and box), making it with `make` (and a
    /// slot for it, cold) if this iteration has none yet.
    pub(crate) fn take(
        &self,
        type_id: TypeId,
        name: &'static str,
        make: fn() -> Box<dyn ErasedMonitor>,
        loc: &'static Location<'static>,
    ) -> (usize, Box<dyn ErasedMonitor>) {
        let found = {
            let mut slots = self.slots.borrow_mut();
            slots
                .iter_mut()
                .position(|s| s.type_id == type_id)
                .map(|i| (i, slots[i].monitor.take()))
        };
        match found {
            Some((i, Some(m))) => (i, m),
            Some((_, None)) => panic!(
                "monitor {name} was notified while it handled an event (a monitor must not notify itself)"
            ),
            None => {
                // Made outside any borrow: `Default` is user code.
                let m = make();
                let mut slots = self.slots.borrow_mut();
                slots.push(Slot {
                    type_id,
                    name,
                    monitor: None,
                    temperature: Temperature::Cold,
                    warm_since: None,
                    hot_since: 0,
                    hot_task: 0,
                    hot_loc: loc,
                });
                (slots.len() - 1, m)
            }
        }
    }

    /// Puts a monitor back without asking its temperature (its handler panicked).
    pub(crate) fn put_back(&self, index: usize, monitor: Box<dyn ErasedMonitor>) {
        self.slots.borrow_mut()[index].monitor = Some(monitor);
    }

    /// Puts a monitor back and takes its temperature, in `step` of `task` at `loc`; returns the
    /// monitor's name and new temperature if it changed (for the log).
    pub(crate) fn put(
        &self,
        index: usize,
        monitor: Box<dyn ErasedMonitor>,
        loc: &'static Location<'static>,
        step: u32,
        task: u32,
    ) -> Option<(&'static str, Temperature)> {
        // User code (`temperature`) runs outside any borrow; a panic there unwinds the task.
        let new = monitor.temperature();
        let mut slots = self.slots.borrow_mut();
        let slot = &mut slots[index];
        slot.monitor = Some(monitor);
        let old = slot.temperature;
        if old == new {
            return None;
        }
        if old == Temperature::Hot {
            self.hot.set(self.hot.get() - 1);
        }
        match new {
            Temperature::Cold => slot.warm_since = None,
            Temperature::Hot => {
                slot.warm_since.get_or_insert(step);
                slot.hot_since = step;
                slot.hot_task = task;
                slot.hot_loc = loc;
                self.hot.set(self.hot.get() + 1);
            }
            Temperature::Plain => {}
        }
        slot.temperature = new;
        let name = slot.name;
        self.set_deadline(&slots);
        Some((name, new))
    }

    fn set_deadline(&self, slots: &[Slot]) {
        let deadline = match self.threshold.get() {
            Some(threshold) => slots
                .iter()
                .filter(|s| s.temperature == Temperature::Hot)
                .filter_map(|s| s.warm_since)
                .map(|since| {
                    since
                        .max(self.fair_from.get())
                        .saturating_add(threshold)
                        .saturating_add(1)
                })
                .min()
                .unwrap_or(u32::MAX),
            None => u32::MAX,
        };
        self.deadline.set(deadline);
    }

    /// The liveness failure of an execution that ended (nothing can run) with a monitor hot;
    /// `label` names a task.
    pub(crate) fn hot_at_end(&self, label: impl Fn(u32) -> String) -> Failure {
        let slots = self.slots.borrow();
        let s = slots
            .iter()
            .find(|s| s.temperature == Temperature::Hot)
            .expect("a monitor is hot");
        liveness_failure(
            s,
            format!(
                "monitor {} is hot at the end of the execution (hot since step {}, nothing can run any more)",
                s.name, s.hot_since
            ),
            label,
        )
    }

    /// The liveness failure of a fair execution in which a hot monitor has not been cold for
    /// more than the threshold (the loop reached [`Monitors::deadline`]).
    pub(crate) fn hot_too_long(&self, label: impl Fn(u32) -> String) -> Failure {
        let threshold = self.threshold.get().unwrap_or(0);
        let slots = self.slots.borrow();
        let (s, since) = slots
            .iter()
            .filter(|s| s.temperature == Temperature::Hot)
            .filter_map(|s| Some((s, s.warm_since?)))
            .min_by_key(|&(_, since)| since)
            .expect("a monitor is hot");
        let from = self.fair_from.get();
        let when = if from > since {
            format!(
                "hot since step {}, counted from step {from}, where the fair suffix began",
                s.hot_since
            )
        } else if since == s.hot_since {
            format!("hot since step {since}")
        } else {
            format!(
                "not cold since step {since}, hot again since step {}",
                s.hot_since
            )
        };
        liveness_failure(
            s,
            format!(
                "monitor {} is hot and has not been cold for more than {threshold} steps of a fair execution ({when}): the program runs on without meeting it",
                s.name
            ),
            label,
        )
    }

    /// Empties the slots, returning the monitors to drop outside any borrow.
    pub(crate) fn clear(&self) -> Vec<Box<dyn ErasedMonitor>> {
        self.hot.set(0);
        self.deadline.set(u32::MAX);
        self.slots
            .borrow_mut()
            .drain(..)
            .filter_map(|s| s.monitor)
            .collect()
    }
}

fn liveness_failure(s: &Slot, message: String, label: impl Fn(u32) -> String) -> Failure {
    let state = s.monitor.as_ref().map_or_else(String::new, |m| {
        catch_unwind(AssertUnwindSafe(|| m.describe()))
            .unwrap_or_else(|_| "(its Debug panicked)".into())
    });
    Failure {
        kind: BugKind::Liveness,
        message: format!("{message}; its state: {state}"),
        task: Some(label(s.hot_task)),
        location: Some(fmt_loc(s.hot_loc)),
    }
}
