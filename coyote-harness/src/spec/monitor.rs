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
//!   is dropped without running any monitor code;
//! * a monitor that names its state ([`Monitor::state`]) has it read when it is made and after
//!   each event; a change is logged and counted for coverage. One that does not costs nothing
//!   more. The name is the state's `Debug` up to the first `(`, `{`, `[` or space, written into
//!   the slot's reused buffer (no allocation once it has grown).

use crate::rt::{with_executor, Activity, ErasedMonitor, Executor, Temperature};
use std::any::{Any, TypeId};
use std::fmt::{self, Write};
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

    /// The state the monitor is in, for the step log and coverage (Coyote's monitor states):
    /// usually `Some(&self.state)`, a fieldless enum. Named by its `Debug` (up to the first
    /// `(`), a change of state is logged (`monitor Answered: Idle -> Waiting`) and, with
    /// `--coverage`, counted: the states visited and the transitions between them are listed
    /// in `coverage.json` as a machine's are. The default, `None`, names no state.
    fn state(&self) -> Option<&dyn fmt::Debug> {
        None
    }

    /// The names of every state [`state`](Monitor::state) can name, for coverage: a declared
    /// state no iteration visited is listed as never entered. Optional.
    const STATES: &'static [&'static str] = &[];
}

/// A monitor as its slot holds it: with the name of the state it was last seen in.
struct Tracked<M> {
    monitor: M,
    /// The last state's name (empty: not read yet).
    state: String,
    scratch: String,
}

impl<M: Monitor> Tracked<M> {
    /// Reads the monitor's state; logs and counts a change (or the first state).
    fn track(&mut self, ex: &Executor, name: &'static str) {
        let Some(state) = self.monitor.state() else {
            return;
        };
        self.scratch.clear();
        let _ = write!(UpToName(&mut self.scratch), "{state:?}");
        if self.scratch.is_empty() {
            self.scratch.push('_');
        }
        if self.scratch == self.state {
            return;
        }
        let counts = ex.counts_activity();
        if self.state.is_empty() {
            ex.note(format_args!("monitor {name} starts in {}", self.scratch));
            if counts {
                ex.count_activity(name, Activity::Monitor, &"", 0);
                for declared in M::STATES {
                    ex.count_activity(name, Activity::Entered, &Raw(declared), 0);
                }
            }
        } else {
            ex.note(format_args!(
                "monitor {name}: {} -> {}",
                self.state, self.scratch
            ));
            if counts {
                ex.count_transition(name, &Raw(&self.state), &Raw(&self.scratch));
            }
        }
        if counts {
            ex.count_activity(name, Activity::Entered, &Raw(&self.scratch), 1);
        }
        std::mem::swap(&mut self.state, &mut self.scratch);
    }
}

/// Shows a name as it is (a `&str`'s `Debug` would quote it).
struct Raw<'a>(&'a str);

impl fmt::Debug for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A writer that keeps what it is given up to the first `(`, `{`, `[` or space, then fails,
/// so the formatting stops there.
struct UpToName<'a>(&'a mut String);

impl Write for UpToName<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match s.find(['(', '{', '[', ' ']) {
            Some(i) => {
                self.0.push_str(&s[..i]);
                Err(fmt::Error)
            }
            None => {
                self.0.push_str(s);
                Ok(())
            }
        }
    }
}

/// Tells monitor `M` about `event` (making the monitor first, if this iteration has none yet).
///
/// Not a scheduling point. In production it does nothing.
#[track_caller]
pub fn monitor<M: Monitor>(event: M::Event) {
    let loc = Location::caller();
    with_executor(|ex| {
        let name = short_name::<M>();
        let mut held = ex.take_monitor(TypeId::of::<M>(), name, make::<M>, loc);
        let tracked = held
            .monitor()
            .as_any_mut()
            .downcast_mut::<Tracked<M>>()
            .expect("a monitor's slot holds its own type");
        if tracked.state.is_empty() {
            tracked.track(ex, name);
        }
        tracked.monitor.on_event(event);
        tracked.track(ex, name);
    });
}

/// Makes monitor `M` now, if this iteration has none yet, so a monitor whose initial state is
/// hot is checked even when no event ever reaches it. Call it at the start of the test.
///
/// Not a scheduling point. In production it does nothing.
#[track_caller]
pub fn register<M: Monitor>() {
    register_at::<M>(Location::caller());
}

/// [`register`], attributed to `loc` (where a test declared the monitor).
pub(crate) fn register_at<M: Monitor>(loc: &'static Location<'static>) {
    with_executor(|ex| {
        let name = short_name::<M>();
        let mut held = ex.take_monitor(TypeId::of::<M>(), name, make::<M>, loc);
        let tracked = held
            .monitor()
            .as_any_mut()
            .downcast_mut::<Tracked<M>>()
            .expect("a monitor's slot holds its own type");
        if tracked.state.is_empty() {
            tracked.track(ex, name);
        }
    });
}

fn make<M: Monitor>() -> Box<dyn ErasedMonitor> {
    Box::new(Tracked {
        monitor: M::default(),
        state: String::new(),
        scratch: String::new(),
    })
}

/// `M`'s type name without its path and generic arguments (`Replicas` for
/// `my_service::spec::Replicas<u32>`), for logs and reports.
/// Searches for single bytes (`memchr`-like), not for `"::"` (a substring search costs hundreds
/// of instructions, and an actor's creation pays it): a path's `:`s come in pairs.
pub(crate) fn short_name<M>() -> &'static str {
    let full = std::any::type_name::<M>();
    let base = full.find('<').map_or(full, |at| &full[..at]);
    base.rfind(':').map_or(base, |at| &base[at + 1..])
}

impl<M: Monitor> ErasedMonitor for Tracked<M> {
    fn temperature(&self) -> Temperature {
        Monitor::temperature(&self.monitor)
    }

    fn describe(&self) -> String {
        format!("{:?}", self.monitor)
    }

    fn state(&self) -> String {
        match self.monitor.state() {
            Some(state) => format!("{state:?}"),
            None => self.describe(),
        }
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
        assert_eq!(short_name::<u8>(), "u8");
        assert_eq!(short_name::<Vec<std::string::String>>(), "Vec");
    }

    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    enum Light {
        #[default]
        Off,
        On(u8),
        #[allow(dead_code)] // declared, never visited
        Broken,
    }

    /// Names its state; `Broken` is declared and never visited.
    #[derive(Debug, Default)]
    struct Lamp(Light);

    impl Monitor for Lamp {
        type Event = Light;
        const STATES: &'static [&'static str] = &["Off", "On", "Broken"];
        fn on_event(&mut self, to: Light) {
            self.0 = to;
        }
        fn state(&self) -> Option<&dyn fmt::Debug> {
            Some(&self.0)
        }
    }

    /// Coverage of `iterations` iterations of `main`.
    fn covered(
        iterations: u32,
        main: fn() -> crate::rt::tasks::LocalBoxFuture,
    ) -> coyote_core::coverage::Coverage {
        use crate::rt::executor::ExecConfig;
        use crate::rt::{Executor, IterationOutcome};
        let ex = Executor::new();
        ex.set_config(ExecConfig {
            max_steps: 1000,
            coverage: true,
            ..ExecConfig::default()
        });
        let spec: coyote_core::strategy::StrategySpec = "random".parse().unwrap();
        let mut strategy = spec.build(1, Default::default());
        for _ in 0..iterations {
            strategy.begin_iteration();
            let (outcome, _) = ex.run_iteration(main(), Location::caller(), strategy.as_mut());
            assert!(
                matches!(outcome, IterationOutcome::Completed),
                "{outcome:?}"
            );
        }
        ex.take_coverage()
    }

    #[test]
    fn monitor_states_and_their_changes_are_counted_like_a_machines() {
        let cov = covered(3, || {
            Box::pin(async {
                register::<Lamp>();
                monitor::<Lamp>(Light::On(1));
                monitor::<Lamp>(Light::On(2)); // the same state: On
                monitor::<Lamp>(Light::Off);
                register::<Plain>(); // names no state: not listed
            })
        });
        let lamp = &cov.actors["Lamp"];
        assert!(lamp.monitor, "{lamp:?}");
        let n = |m: &std::collections::BTreeMap<String, u64>, k: &str| m.get(k).copied();
        assert_eq!(n(&lamp.states, "Off"), Some(6));
        assert_eq!(n(&lamp.states, "On"), Some(3));
        assert_eq!(n(&lamp.states, "Broken"), Some(0));
        assert_eq!(lamp.never_entered().collect::<Vec<_>>(), ["Broken"]);
        assert_eq!(n(&lamp.transitions, "Off -> On"), Some(3));
        assert_eq!(n(&lamp.transitions, "On -> Off"), Some(3));
        assert!(!cov.actors.contains_key("Plain"));
        let summary = coyote_core::report::CoverageSummary::of(&cov);
        assert_eq!(summary.actor_types, 0, "a monitor is not an actor type");
        assert_eq!(summary.never_entered, ["Lamp::Broken"]);
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
