//! State machines: transitions, deferred and ignored events, push and pop, halting, and what
//! the step log says of them.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Door {
    Closed,
    Opened,
    Locked,
    Alarm,
}

#[derive(Debug)]
enum DoorEvent {
    Open,
    Close,
    Lock,
    Unlock,
    Knock,
    Trip,
    Reset,
    Stop,
}

/// A door: `Lock` is deferred while open; `Knock` is ignored when locked; `Trip` pushes the
/// alarm state over any other, `Reset` pops it; `Stop` halts.
struct DoorMachine {
    trail: Arc<std::sync::Mutex<Vec<String>>>,
}

impl DoorMachine {
    fn mark(&self, what: String) {
        self.trail.lock().unwrap().push(what);
    }
}

impl StateMachine for DoorMachine {
    type Event = DoorEvent;
    type State = Door;

    fn initial(&self) -> Door {
        Door::Closed
    }

    fn handling(state: Door, event: &DoorEvent) -> Handling {
        match (state, event) {
            (Door::Opened, DoorEvent::Lock) => Handling::Defer,
            (Door::Locked, DoorEvent::Knock) => Handling::Ignore,
            _ => Handling::Handle,
        }
    }

    async fn on_entry(
        &mut self,
        _ctx: &mut Context<DoorEvent>,
        state: Door,
        _event: Option<DoorEvent>,
    ) -> TransitionOf<Self> {
        self.mark(format!("enter {state:?}"));
        Transition::Stay
    }

    async fn on_exit(&mut self, _ctx: &mut Context<DoorEvent>, state: Door) {
        self.mark(format!("exit {state:?}"));
    }

    async fn on_event(
        &mut self,
        _ctx: &mut Context<DoorEvent>,
        state: Door,
        event: DoorEvent,
    ) -> TransitionOf<Self> {
        self.mark(format!("{event:?} in {state:?}"));
        match (state, event) {
            (_, DoorEvent::Trip) => Transition::Push(Door::Alarm),
            (Door::Alarm, DoorEvent::Reset) => Transition::Pop,
            (_, DoorEvent::Stop) => Transition::Halt,
            (Door::Closed, DoorEvent::Open) => Transition::Goto(Door::Opened),
            (Door::Opened, DoorEvent::Close) => Transition::Goto(Door::Closed),
            (Door::Closed, DoorEvent::Lock) => Transition::Goto(Door::Locked),
            (Door::Locked, DoorEvent::Unlock) => Transition::Goto(Door::Closed),
            _ => Transition::Stay,
        }
    }
}

#[test]
fn a_state_machine_defers_ignores_pushes_pops_and_halts() {
    check(
        || async {
            let trail = Arc::new(std::sync::Mutex::new(Vec::new()));
            let door = actor::create_machine(DoorMachine {
                trail: trail.clone(),
            });
            use DoorEvent::*;
            for e in [
                Open, Lock, Knock, Close, Knock, Trip, Knock, Reset, Unlock, Stop,
            ] {
                door.send(e).await;
            }
            // Sent after the halt is handled, or before: dropped either way, never handled.
            let late = door.clone();
            while !door.is_halted() {
                task::yield_now().await;
            }
            late.send(Open).await;
            let trail = trail.lock().unwrap().join(", ");
            assert_eq!(
                trail,
                "enter Closed, Open in Closed, exit Closed, enter Opened, \
                 Knock in Opened, Close in Opened, exit Opened, enter Closed, \
                 Lock in Closed, exit Closed, enter Locked, \
                 Trip in Locked, enter Alarm, Knock in Alarm, Reset in Alarm, exit Alarm, \
                 Unlock in Locked, exit Locked, enter Closed, Stop in Closed"
            );
        },
        Config::new().iterations(200),
    );
}

#[test]
fn the_log_shows_transitions_deferred_and_ignored_events_and_the_halt() {
    let msg = bug_report(Config::new().iterations(1), || async {
        let trail = Arc::new(std::sync::Mutex::new(Vec::new()));
        let door = actor::create_machine(DoorMachine { trail });
        use DoorEvent::*;
        for e in [Open, Lock, Close, Lock, Knock, Stop, Open] {
            door.send(e).await;
        }
        while !door.is_halted() {
            task::yield_now().await;
        }
        door.send(Open).await;
        panic!("show the log");
    });
    for line in [
        "DoorMachine(1) enters Closed",
        "DoorMachine(1) handles Open in Closed",
        "DoorMachine(1): goto Closed -> Opened",
        "DoorMachine(1) handles Close in Opened",
        // The deferred Lock is handled once the door is closed.
        "DoorMachine(1) handles Lock in Closed",
        "DoorMachine(1) ignores Knock in Locked",
        "DoorMachine(1) halts",
        "drop Open: DoorMachine(1) halted",
    ] {
        assert!(msg.contains(line), "{line:?} missing from: {msg}");
    }
}

struct PopsTooFar;

impl StateMachine for PopsTooFar {
    type Event = ();
    type State = Door;
    fn initial(&self) -> Door {
        Door::Closed
    }
    async fn on_event(&mut self, _: &mut Context<()>, _: Door, _: ()) -> TransitionOf<Self> {
        Transition::Pop
    }
}

#[test]
fn popping_the_last_state_is_a_bug_in_the_machine() {
    let msg = bug_report(Config::new().iterations(5), || async {
        let m = actor::create_machine(PopsTooFar);
        m.send(()).await;
        task::yield_now().await;
        task::yield_now().await;
    });
    assert!(
        msg.contains("state machine PopsTooFar(1) popped its last state Closed"),
        "{msg}"
    );
}

#[test]
fn the_door_machine_runs_the_same_on_tokio() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let trail = Arc::new(std::sync::Mutex::new(Vec::new()));
    rt.block_on(async {
        let door = actor::create_machine(DoorMachine {
            trail: trail.clone(),
        });
        use DoorEvent::*;
        for e in [
            Open, Lock, Knock, Close, Knock, Trip, Knock, Reset, Unlock, Stop, Open,
        ] {
            door.send(e).await;
        }
        while !door.is_halted() {
            tokio::task::yield_now().await;
        }
    });
    // The same trail as under test: the deferred Lock waits for Closed, Knock is ignored when
    // locked, the alarm is pushed and popped, the Open after Stop is dropped.
    assert_eq!(
        trail.lock().unwrap().join(", "),
        "enter Closed, Open in Closed, exit Closed, enter Opened, \
         Knock in Opened, Close in Opened, exit Opened, enter Closed, \
         Lock in Closed, exit Closed, enter Locked, \
         Trip in Locked, enter Alarm, Knock in Alarm, Reset in Alarm, exit Alarm, \
         Unlock in Locked, exit Locked, enter Closed, Stop in Closed"
    );
}
