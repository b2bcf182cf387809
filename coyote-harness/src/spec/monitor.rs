//! Monitors: specifications that observe the whole program and check safety and liveness (the
//! semantics are documented on [`Monitor`]).
//!
//! Invariants:
//!
//! * a monitor is made (`Default`) the first time it is notified or [`register`]ed in an
//!   iteration and dropped when the iteration ends: at most one per type per iteration;
//! * events reach monitors synchronously, in program order: notifying is not a scheduling point
//!   and draws no decision, so monitors never change which schedules exist, and a trace replays
//!   with the same monitor states;
//! * in production (no controlled executor) [`monitor`] and [`register`] do nothing: the event
//!   is dropped without running any monitor code.

use crate::rt::{with_executor, ErasedMonitor, Temperature};
use std::any::{Any, TypeId};
use std::fmt;
use std::panic::Location;

/// A specification that observes events of the program.
///
/// The program tells a monitor what happened with [`monitor`]; the monitor updates its state,
/// may fail a safety check with [`spec::assert`](crate::spec::assert), and answers a
/// [`Temperature`]: `Hot` while the program owes it something (a requested replica not yet
/// made), `Cold` when nothing is owed. Under `coyote test` and [`check`](crate::check):
///
/// * an execution that **ends** with a monitor hot is a `liveness` bug, reported at the
///   [`monitor`] call that made it hot. While a monitor is hot, tasks sleeping on timers are
///   still scheduled after `main` returns (a background reconciler keeps its turns), so an
///   execution ends only when no task can run at all;
/// * in an execution a **fair** strategy runs (`fair-pct`, `probabilistic`, the portfolio's
///   `fair-pct` turns), a monitor that is hot and has not been cold for more than the liveness
///   threshold, half the fair step bound (`--max-fair-steps`, [`Config::max_fair_steps`]; 50,000
///   steps by default), is a `liveness` bug: the program runs on without ever meeting the
///   obligation (a livelock, a request lost for good). Unfair strategies may starve a task on
///   purpose, so they report only the first kind.
///
/// Notifying a monitor is not a scheduling point and draws no decision, so monitors never
/// change which schedules exist, and a trace replays with the same monitor states. A monitor is
/// made (`Default`) by the first notification in each iteration, or by [`register`] for one that
/// starts hot. In production, [`monitor`] and [`register`] do nothing.
///
/// [`Config::max_fair_steps`]: crate::Config::max_fair_steps
///
/// ```
/// use coyote_harness::spec::{self, Monitor, Temperature};
///
/// /// Every accepted request is eventually answered.
/// #[derive(Debug, Default)]
/// struct Answered {
///     pending: u32,
/// }
///
/// enum Reply {
///     Accepted,
///     Answered,
/// }
///
/// impl Monitor for Answered {
///     type Event = Reply;
///
///     fn on_event(&mut self, event: Reply) {
///         match event {
///             Reply::Accepted => self.pending += 1,
///             Reply::Answered => {
///                 spec::assert(self.pending > 0, "an answer nobody asked for");
///                 self.pending -= 1;
///             }
///         }
///     }
///
///     fn temperature(&self) -> Temperature {
///         if self.pending > 0 { Temperature::Hot } else { Temperature::Cold }
///     }
/// }
///
/// // In the service:
/// spec::monitor::<Answered>(Reply::Accepted);
/// spec::monitor::<Answered>(Reply::Answered);
/// ```
pub trait Monitor: Default + fmt::Debug + 'static {
    /// What the program tells this monitor.
    type Event;

    /// Handles one event. A failed [`spec::assert`](crate::spec::assert) (or a panic) here is a
    /// bug of the program, reported at the assertion's line in the notifying task.
    fn on_event(&mut self, event: Self::Event);

    /// The monitor's temperature, asked after every event (and when it is made): `Hot` while
    /// the program owes it something. The default, `Cold`, makes a safety-only monitor.
    fn temperature(&self) -> Temperature {
        Temperature::Cold
    }
}

/// Tells monitor `M` about `event` (making the monitor first, if this iteration has none yet).
///
/// Not a scheduling point. In production it does nothing.
#[track_caller]
pub fn monitor<M: Monitor>(event: M::Event) {
    let loc = Location::caller();
    with_executor(|ex| {
        let mut held = ex.take_monitor(TypeId::of::<M>(), short_name::<M>(), make::<M>, loc);
        held.monitor()
            .as_any_mut()
            .downcast_mut::<M>()
            .expect("a monitor's slot holds its own type")
            .on_event(event);
    });
}

/// Makes monitor `M` now, if this iteration has none yet, so a monitor whose initial state is
/// hot is checked even when no event ever reaches it. Call it at the start of the test.
///
/// Not a scheduling point. In production it does nothing.
#[track_caller]
pub fn register<M: Monitor>() {
    let loc = Location::caller();
    with_executor(|ex| {
        drop(ex.take_monitor(TypeId::of::<M>(), short_name::<M>(), make::<M>, loc));
    });
}

fn make<M: Monitor>() -> Box<dyn ErasedMonitor> {
    Box::new(M::default())
}

/// `M`'s type name without its path and generic arguments (`Replicas` for
/// `my_service::spec::Replicas<u32>`), for logs and reports.
pub(crate) fn short_name<M>() -> &'static str {
    let full = std::any::type_name::<M>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

impl<M: Monitor> ErasedMonitor for M {
    fn temperature(&self) -> Temperature {
        Monitor::temperature(self)
    }

    fn state(&self) -> String {
        format!("{self:?}")
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct Plain;
    impl Monitor for Plain {
        type Event = ();
        fn on_event(&mut self, _: ()) {}
    }

    #[derive(Debug, Default)]
    struct Generic<T>(T);
    impl<T: Default + fmt::Debug + 'static> Monitor for Generic<T> {
        type Event = ();
        fn on_event(&mut self, _: ()) {}
    }

    #[test]
    fn short_names_drop_paths_and_generics() {
        assert_eq!(short_name::<Plain>(), "Plain");
        assert_eq!(short_name::<Generic<Vec<u8>>>(), "Generic");
    }

    #[test]
    fn production_mode_drops_events_without_running_monitors() {
        #[derive(Debug, Default)]
        struct Panics;
        impl Monitor for Panics {
            type Event = ();
            fn on_event(&mut self, _: ()) {
                panic!("ran in production");
            }
        }
        register::<Panics>();
        monitor::<Panics>(());
        assert_eq!(Monitor::temperature(&Plain), Temperature::Cold);
    }
}
