//! Tests of the executor (`rt`) through the primitives built on it: what strategies are shown
//! of each enabled task, the step log, coverage. They live above `rt` so that `rt` imports
//! nothing of the modules built on it, not even in tests.

use crate::rt::executor::ExecConfig;
use crate::rt::point::object_id;
use crate::rt::tasks::LocalBoxFuture;
use crate::rt::{Executor, IterationOutcome};
use crate::sync::{mpsc, Mutex, RwLock};
use crate::task;
use coyote_core::strategy::{Access, OpId, Strategy};
use coyote_core::strategy::{IterationEnd, SchedulingPoint};
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

/// Passes the turn round the enabled tasks at every decision, and records every access it was
/// shown, by task.
#[derive(Default)]
pub(crate) struct Recorder {
    seen: Vec<(OpId, Access)>,
    turn: usize,
}

impl Strategy for Recorder {
    fn name(&self) -> String {
        "recorder".into()
    }
    fn begin_iteration(&mut self) -> bool {
        true
    }
    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        assert_eq!(point.enabled.len(), point.accesses.len());
        self.seen.extend(
            point
                .enabled
                .iter()
                .copied()
                .zip(point.accesses.iter().copied()),
        );
        self.turn += 1;
        Some(point.enabled[self.turn % point.enabled.len()])
    }
    fn next_bool(&mut self, _step: u32) -> Option<bool> {
        Some(false)
    }
    fn next_int(&mut self, _bound: u64, _step: u32) -> Option<u64> {
        Some(0)
    }
    fn end_iteration(&mut self, _end: &IterationEnd) {}
    fn needs_accesses(&self) -> bool {
        true
    }
}

/// The accesses `main` showed the strategy, by task, first occurrence of each, no `NONE`s.
fn accesses(main: impl Future<Output = ()> + 'static) -> Vec<(OpId, Access)> {
    let ex = Executor::new();
    ex.set_config(ExecConfig {
        max_steps: 1000,
        ..ExecConfig::default()
    });
    let mut rec = Recorder::default();
    let (outcome, _) = ex.run_iteration(Box::pin(main), Location::caller(), &mut rec);
    assert!(
        matches!(outcome, IterationOutcome::Completed),
        "{outcome:?}"
    );
    let mut out: Vec<(OpId, Access)> = Vec::new();
    for (op, a) in rec.seen {
        if a != Access::NONE && !out.contains(&(op, a)) {
            out.push((op, a));
        }
    }
    out
}

#[test]
fn locks_declare_writes_of_their_mutex_and_reads_of_a_shared_rwlock() {
    let m = Arc::new(Mutex::new(0));
    let l = Arc::new(RwLock::new(0));
    let (mid, lid) = (object_id(&*m), object_id(&*l));
    let seen = accesses(async move {
        let (m2, l2) = (m.clone(), l.clone());
        let t = task::spawn(async move {
            *m2.lock().await += 1;
            let _r = l2.read().await;
        });
        task::yield_now().await;
        *m.lock().await += 1;
        *l.write().await += 1;
        t.await.unwrap();
    });
    let write = |object| Access {
        object,
        write: true,
    };
    assert!(seen.contains(&(1, write(mid))), "{seen:?}");
    assert!(seen.contains(&(0, write(mid))), "{seen:?}");
    let read = Access {
        object: lid,
        write: false,
    };
    assert!(seen.contains(&(1, read)), "{seen:?}");
    assert!(read.races(write(lid)) && write(mid).races(write(mid)));
}

#[test]
fn yield_read_and_write_name_the_object_and_a_channels_ends_share_one() {
    let x = Arc::new(5u32);
    let xid = object_id(&*x);
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let seen = accesses(async move {
        let x2 = x.clone();
        let t = task::spawn(async move {
            task::yield_write(&*x2).await;
            tx.send(1).await.unwrap();
            tx.send(2).await.unwrap();
        });
        task::yield_read(&*x).await;
        task::yield_now().await;
        rx.recv().await;
        rx.recv().await;
        t.await.unwrap();
    });
    let of = |op: OpId| seen.iter().filter(move |(o, _)| *o == op).map(|(_, a)| *a);
    assert!(of(0).any(|a| a.object == xid && !a.write), "{seen:?}");
    assert!(of(1).any(|a| a.object == xid && a.write), "{seen:?}");
    // The channel is one object, neither of the two tasks' addresses: the sender's and the
    // receiver's accesses race.
    let send = of(1).find(|a| a.object != xid).expect("send shown");
    let recv = of(0).find(|a| a.object != xid).expect("recv shown");
    assert!(send.races(recv), "{seen:?}");
}

/// Runs `main` under the turn-passing recorder; returns the outcome and the step log.
pub(crate) fn run_logged(
    main: impl Future<Output = ()> + 'static,
) -> (IterationOutcome, Vec<String>) {
    let ex = Executor::new();
    ex.set_config(ExecConfig {
        max_steps: 1000,
        ..ExecConfig::default()
    });
    let (outcome, _) =
        ex.run_iteration(Box::pin(main), Location::caller(), &mut Recorder::default());
    (outcome, ex.log())
}

#[test]
fn a_join_names_the_joined_task_and_join_all_its_own_call_site() {
    let this = file!();
    let (spawned, joined_all) = (line!() + 2, line!() + 5);
    let (outcome, log) = run_logged(async {
        let a = task::spawn(async { task::yield_now().await });
        let b = task::spawn(async { task::yield_now().await });
        let c = task::spawn(async { task::yield_now().await });
        task::join_all([b, c]).await;
        a.await.unwrap();
    });
    assert!(
        matches!(outcome, IterationOutcome::Completed),
        "{outcome:?}"
    );
    let log = log.join("\n");
    assert!(
        log.contains(&format!(
            "main     join task 1      spawned at {this}:{spawned}:"
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "main     join (several)   at {this}:{joined_all}:"
        )),
        "{log}"
    );
}

#[test]
fn a_deadlocked_join_names_the_task_it_waits_for() {
    let spawned = line!() + 3;
    let (outcome, _) = run_logged(async {
        let never = Arc::new(crate::sync::Notify::new());
        let t = task::spawn(async move { never.notified().await });
        t.await.unwrap();
    });
    let IterationOutcome::Bug(f) = outcome else {
        panic!("expected a deadlock, got {outcome:?}");
    };
    let expected = format!(
        "main waits to join task 1 (spawned at {}:{spawned}:",
        file!()
    );
    assert!(f.message.contains(&expected), "{}", f.message);
}

#[test]
fn a_loop_is_folded_in_the_log_with_its_steps_counted_and_its_last_round_shown() {
    let (outcome, log) = run_logged(async {
        for _ in 0..50 {
            task::yield_now().await;
            task::yield_now().await;
        }
        // A different line after the loop is never folded into it.
        crate::time::sleep(std::time::Duration::from_millis(5)).await;
    });
    assert!(
        matches!(outcome, IterationOutcome::Completed),
        "{outcome:?}"
    );
    let text = log.join("\n");
    // 1 start step, 100 yields (rounds of 2), a sleep and its firing.
    assert_eq!(log.len(), 1 + 2 + 1 + 2 + 2, "{text}");
    assert!(
        log[3].contains("... 48 more rounds of the 2 lines above: steps 4 to 99, folded"),
        "{text}"
    );
    assert!(log[4].starts_with("step  100  main     yield"), "{text}");
    assert!(log[5].starts_with("step  101  main     yield"), "{text}");
    assert!(log[7].starts_with("step  103  main     sleep"), "{text}");
    assert!(log[7].contains("(timer fires, now 5ms)"), "{text}");
}

mod actor_coverage {
    use super::*;
    use crate::actor::{self, Context, StateMachine, Transition, TransitionOf};

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Door {
        Closed,
        Open,
        Broken,
    }

    #[derive(Debug)]
    #[allow(dead_code)] // the payload only shows in the log
    enum Push {
        Toggle(u32),
        Stop,
        Late,
    }

    struct DoorMachine;

    impl StateMachine for DoorMachine {
        type Event = Push;
        type State = Door;
        const STATES: &'static [Door] = &[Door::Closed, Door::Open, Door::Broken];

        fn initial(&self) -> Door {
            Door::Closed
        }

        async fn on_event(
            &mut self,
            _ctx: &mut Context<Push>,
            state: Door,
            event: Push,
        ) -> TransitionOf<Self> {
            match (state, event) {
                (Door::Closed, Push::Toggle(_)) => Transition::Goto(Door::Open),
                (Door::Open, Push::Toggle(_)) => Transition::Goto(Door::Closed),
                (_, _) => Transition::Halt,
            }
        }
    }

    fn executor(coverage: bool) -> Executor {
        let ex = Executor::new();
        ex.set_config(ExecConfig {
            max_steps: 1000,
            coverage,
            ..ExecConfig::default()
        });
        ex
    }

    /// Runs `main` for `iterations` iterations with coverage on; what was counted.
    fn covered(iterations: u32, main: fn() -> LocalBoxFuture) -> coyote_core::coverage::Coverage {
        let ex = executor(true);
        for _ in 0..iterations {
            let (outcome, _) =
                ex.run_iteration(main(), Location::caller(), &mut Recorder::default());
            assert!(
                matches!(outcome, IterationOutcome::Completed),
                "{outcome:?}"
            );
        }
        ex.take_coverage()
    }

    fn three_pushes() -> LocalBoxFuture {
        Box::pin(async {
            let door = actor::create_machine(DoorMachine);
            for event in [
                Push::Toggle(1),
                Push::Toggle(2),
                Push::Toggle(3),
                Push::Stop,
            ] {
                door.send(event).await;
            }
            while !door.is_halted() {
                task::yield_now().await;
            }
            door.send(Push::Late).await;
        })
    }

    #[test]
    fn states_transitions_and_events_are_counted_by_name_over_iterations() {
        let cov = covered(2, three_pushes);
        let door = &cov.actors["DoorMachine"];
        let count = |map: &std::collections::BTreeMap<String, u64>, k: &str| map.get(k).copied();
        // Per iteration: enters Closed, Open, Closed, Open; Broken is declared, never entered.
        assert_eq!(count(&door.states, "Closed"), Some(4));
        assert_eq!(count(&door.states, "Open"), Some(4));
        assert_eq!(count(&door.states, "Broken"), Some(0));
        assert_eq!(door.never_entered().collect::<Vec<_>>(), ["Broken"]);
        assert_eq!(count(&door.transitions, "Closed -> Open"), Some(4));
        assert_eq!(count(&door.transitions, "Open -> Closed"), Some(2));
        // Payloads do not split an event's count.
        assert_eq!(count(&door.handled, "Toggle"), Some(6));
        assert_eq!(count(&door.handled, "Stop"), Some(2));
        // Sent after the halt: dropped.
        assert_eq!(count(&door.dropped, "Late"), Some(2));
        assert!(!cov.points.is_empty());
    }

    #[test]
    fn taking_the_coverage_starts_the_count_again() {
        let ex = executor(true);
        let _ = ex.run_iteration(three_pushes(), Location::caller(), &mut Recorder::default());
        assert!(!ex.take_coverage().actors.is_empty());
        assert_eq!(ex.take_coverage(), Default::default());
    }

    #[test]
    fn nothing_is_counted_without_coverage() {
        let ex = executor(false);
        let _ = ex.run_iteration(three_pushes(), Location::caller(), &mut Recorder::default());
        assert_eq!(ex.take_coverage(), Default::default());
    }
}
