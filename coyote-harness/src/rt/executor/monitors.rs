//! The iteration's monitors (`spec::Monitor`): their slots and temperatures, the liveness
//! deadline, and the two liveness failures.
//!
//! Invariants:
//!
//! * one slot per monitor type, in the order the monitors were made; teardown clears the slots
//!   and drops their monitors outside any borrow, so every iteration starts with none;
//! * while a monitor's `on_event` runs, its box is out of its slot (held by a [`Held`]), so the
//!   handler may notify other monitors; notifying itself is a panic with a clear message;
//! * `hot` is the number of slots whose temperature is `Hot` (kept, not counted, because the loop
//!   reads it at every step); a slot's `warm_since` is the step
//!   it first became hot after it was last `Cold` (or made), `None` while it has not been hot
//!   since: `Plain` keeps it, `Cold` clears it;
//! * `liveness_deadline` is the first step at which some *hot* monitor has been warm for more
//!   than the threshold (`u32::MAX` when there is none or the iteration is unfair); the loop
//!   compares the step with it, which is all monitors cost a step.

use super::{fmt_loc, Executor, Record};
use crate::spec::{ErasedMonitor, Temperature};
use coyote_core::trace::{BugKind, Failure};
use std::any::TypeId;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};

pub(crate) struct Slot {
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

/// A monitor out of its slot while it handles an event; puts it back (and takes its new
/// temperature) when dropped, also when the handler panics.
pub(crate) struct Held<'a> {
    ex: &'a Executor,
    index: usize,
    monitor: Option<Box<dyn ErasedMonitor>>,
    loc: &'static Location<'static>,
}

impl Held<'_> {
    /// The monitor (it is `None` only inside `drop`).
    pub(crate) fn monitor(&mut self) -> &mut (dyn ErasedMonitor + 'static) {
        self.monitor.as_deref_mut().expect("held until dropped")
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Some(m) = self.monitor.take() {
            if std::thread::panicking() {
                // The handler failed (the iteration ends with that failure): put the monitor
                // back without asking its temperature, whose panic now would abort the process.
                self.ex.monitors.borrow_mut()[self.index].monitor = Some(m);
            } else {
                self.ex.put_monitor(self.index, m, self.loc);
            }
        }
    }
}

impl Executor {
    /// Takes monitor `type_id` out of its slot, making it with `make` (and a slot for it) if
    /// this iteration has none yet.
    pub(crate) fn take_monitor(
        &self,
        type_id: TypeId,
        name: &'static str,
        make: fn() -> Box<dyn ErasedMonitor>,
        loc: &'static Location<'static>,
    ) -> Held<'_> {
        let found = {
            let mut slots = self.monitors.borrow_mut();
            slots
                .iter_mut()
                .position(|s| s.type_id == type_id)
                .map(|i| (i, slots[i].monitor.take()))
        };
        let (index, monitor) = match found {
            Some((i, Some(m))) => (i, m),
            Some((_, None)) => panic!(
                "monitor {name} was notified while it handled an event (a monitor must not notify itself)"
            ),
            None => {
                // Made outside any borrow: `Default` is user code.
                let m = make();
                let mut slots = self.monitors.borrow_mut();
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
        };
        Held {
            ex: self,
            index,
            monitor: Some(monitor),
            loc,
        }
    }

    /// Puts a monitor back and takes its temperature: a change is logged and moves the heat.
    fn put_monitor(
        &self,
        index: usize,
        monitor: Box<dyn ErasedMonitor>,
        loc: &'static Location<'static>,
    ) {
        // User code (`temperature`) runs outside any borrow; a panic there unwinds the task.
        let new = monitor.temperature();
        let step = self.step.get();
        let current = self.current.get();
        let mut slots = self.monitors.borrow_mut();
        let slot = &mut slots[index];
        slot.monitor = Some(monitor);
        let old = slot.temperature;
        if old == new {
            return;
        }
        if old == Temperature::Hot {
            self.hot.set(self.hot.get() - 1);
        }
        match new {
            Temperature::Cold => slot.warm_since = None,
            Temperature::Hot => {
                slot.warm_since.get_or_insert(step);
                slot.hot_since = step;
                slot.hot_task = current;
                slot.hot_loc = loc;
                self.hot.set(self.hot.get() + 1);
            }
            Temperature::Plain => {}
        }
        slot.temperature = new;
        let name = slot.name;
        self.set_liveness_deadline(&slots);
        drop(slots);
        self.records.borrow_mut().push(Record::Monitor {
            task: current,
            name,
            temperature: new,
            loc,
        });
    }

    fn set_liveness_deadline(&self, slots: &[Slot]) {
        let deadline = match self.config.borrow().liveness_threshold {
            Some(threshold) => slots
                .iter()
                .filter(|s| s.temperature == Temperature::Hot)
                .filter_map(|s| s.warm_since)
                .map(|since| since.saturating_add(threshold).saturating_add(1))
                .min()
                .unwrap_or(u32::MAX),
            None => u32::MAX,
        };
        self.liveness_deadline.set(deadline);
    }

    /// Whether some monitor is hot now.
    #[inline]
    pub(super) fn any_hot(&self) -> bool {
        self.hot.get() > 0
    }

    /// The liveness failure of an execution that ended (nothing can run) with a monitor hot.
    pub(super) fn hot_at_end(&self) -> Failure {
        let slots = self.monitors.borrow();
        let s = slots
            .iter()
            .find(|s| s.temperature == Temperature::Hot)
            .expect("a monitor is hot");
        self.liveness_failure(
            s,
            format!(
                "monitor {} is hot at the end of the execution (hot since step {}, nothing can run any more)",
                s.name, s.hot_since
            ),
        )
    }

    /// The liveness failure of a fair execution in which a hot monitor has not been cold for
    /// more than the threshold (the loop reached [`Executor::liveness_deadline`]).
    pub(super) fn hot_too_long(&self) -> Failure {
        let threshold = self.config.borrow().liveness_threshold.unwrap_or(0);
        let slots = self.monitors.borrow();
        let (s, since) = slots
            .iter()
            .filter(|s| s.temperature == Temperature::Hot)
            .filter_map(|s| Some((s, s.warm_since?)))
            .min_by_key(|&(_, since)| since)
            .expect("a monitor is hot");
        let when = if since == s.hot_since {
            format!("hot since step {since}")
        } else {
            format!(
                "not cold since step {since}, hot again since step {}",
                s.hot_since
            )
        };
        self.liveness_failure(
            s,
            format!(
                "monitor {} is hot and has not been cold for more than {threshold} steps of a fair execution ({when}): the program runs on without meeting it",
                s.name
            ),
        )
    }

    fn liveness_failure(&self, s: &Slot, message: String) -> Failure {
        let state = s.monitor.as_ref().map_or_else(String::new, |m| {
            catch_unwind(AssertUnwindSafe(|| m.state()))
                .unwrap_or_else(|_| "(its Debug panicked)".into())
        });
        Failure {
            kind: BugKind::Liveness,
            message: format!("{message}; its state: {state}"),
            task: Some(self.task_label(s.hot_task)),
            location: Some(fmt_loc(s.hot_loc)),
        }
    }

    /// Empties the slots, returning the monitors to drop outside any borrow.
    pub(super) fn clear_monitors(&self) -> Vec<Box<dyn ErasedMonitor>> {
        self.hot.set(0);
        self.liveness_deadline.set(u32::MAX);
        self.monitors
            .borrow_mut()
            .drain(..)
            .filter_map(|s| s.monitor)
            .collect()
    }
}
