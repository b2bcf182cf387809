//! Coyote's state-machine semantics, each with the bug a user makes when the rule is missed and
//! its fixed twin:
//!
//! * an entry action that transitions: the pump's `Init` entry forgets to move on to `Ready`, so
//!   the first `Start` reaches a state that handles nothing (the unhandled-event bug);
//! * a pushed state inherits the handlers of the state below it, and pop-then-goto: the printer
//!   pushes `Printing` on `Ready`, which answers `Status`; the buggy `Printing` ignores `Status`
//!   instead of leaving it to `Ready`, so a client is never answered; a jam pops `Printing` and
//!   goes to `Jammed` in one transition;
//! * a raised event is handled next: the door's `Unlocked` entry sends `OpenDoor` to itself,
//!   and a `Lock` queued meanwhile is handled first, so the door opens while locked; raising
//!   `OpenDoor` handles it before anything in the inbox;
//! * the default event: the fan's `Running` goes to `Standby` when its inbox is empty (when it
//!   counts as empty is the strategy's choice), and the buggy `Standby` drops a speed it is told.

use coyote_harness::actor::{self, Context, Handling, StateMachine, Transition, TransitionOf};
use coyote_harness::sync::oneshot;
use coyote_harness::{spec, task};
use std::fmt;

// ----- the pump: an entry that transitions, and the unhandled-event bug -----

/// The pump's states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pump {
    /// Priming, left by the entry action at once.
    Init,
    /// Waiting for `Start`.
    Ready,
    /// Running until `Stop`.
    Pumping,
}

/// What the pump is told.
#[derive(Debug)]
pub enum PumpEvent {
    /// Start pumping.
    Start,
    /// Stop pumping.
    Stop,
}

struct PumpMachine {
    fixed: bool,
}

impl StateMachine for PumpMachine {
    type Event = PumpEvent;
    type State = Pump;
    const STATES: &'static [Pump] = &[Pump::Init, Pump::Ready, Pump::Pumping];

    fn initial(&self) -> Pump {
        Pump::Init
    }

    fn handling(state: Pump, event: &PumpEvent) -> Handling {
        match (state, event) {
            (Pump::Init, _) => Handling::Unhandled,
            (Pump::Ready, PumpEvent::Stop) | (Pump::Pumping, PumpEvent::Start) => Handling::Ignore,
            _ => Handling::Handle,
        }
    }

    async fn on_entry(
        &mut self,
        _: &mut Context<PumpEvent>,
        state: Pump,
        _: Option<PumpEvent>,
    ) -> TransitionOf<Self> {
        match state {
            // BUG (unless fixed): the entry primes the pump and forgets to move on.
            Pump::Init if self.fixed => Transition::Goto(Pump::Ready),
            _ => Transition::Stay,
        }
    }

    async fn on_event(
        &mut self,
        _: &mut Context<PumpEvent>,
        state: Pump,
        event: PumpEvent,
    ) -> TransitionOf<Self> {
        match (state, event) {
            (Pump::Ready, PumpEvent::Start) => Transition::Goto(Pump::Pumping),
            (Pump::Pumping, PumpEvent::Stop) => Transition::Goto(Pump::Ready),
            (_, e) => Transition::Unhandled(e),
        }
    }
}

/// Starts and stops the pump.
pub async fn pump(fixed: bool) {
    let pump = actor::create_machine(PumpMachine { fixed });
    pump.send(PumpEvent::Start).await;
    pump.send(PumpEvent::Stop).await;
}

// ----- the printer: pushed states inherit, and pop-then-goto -----

/// The printer's states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Printer {
    /// Idle; answers `Status`.
    Ready,
    /// Pushed on `Ready` while a job prints.
    Printing,
    /// A jam popped `Printing`; `Clear` goes back to `Ready`.
    Jammed,
}

/// Where to send an answer (its `Debug` keeps the step log short).
pub struct Reply<T>(oneshot::Sender<T>);

impl<T> fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("reply")
    }
}

/// What the printer is told.
#[derive(Debug)]
pub enum PrinterEvent {
    /// Print a job.
    Print,
    /// Answer with the state that handled the question.
    Status(Reply<Printer>),
    /// The paper jammed.
    Jam,
    /// The jam was cleared.
    Clear,
}

/// `FIXED`: `handling` is an associated function, so the variant is in the type.
struct PrinterMachine<const FIXED: bool>;

impl<const FIXED: bool> StateMachine for PrinterMachine<FIXED> {
    type Event = PrinterEvent;
    type State = Printer;
    const STATES: &'static [Printer] = &[Printer::Ready, Printer::Printing, Printer::Jammed];

    fn initial(&self) -> Printer {
        Printer::Ready
    }

    fn handling(state: Printer, event: &PrinterEvent) -> Handling {
        match (state, event) {
            // BUG (unless fixed): `Printing` drops the question `Ready` below it answers.
            (Printer::Printing, PrinterEvent::Status(_)) => {
                if FIXED {
                    Handling::Unhandled
                } else {
                    Handling::Ignore
                }
            }
            (Printer::Printing, PrinterEvent::Print) | (Printer::Jammed, PrinterEvent::Print) => {
                Handling::Defer
            }
            (Printer::Printing, PrinterEvent::Clear) | (Printer::Ready, PrinterEvent::Clear) => {
                Handling::Ignore
            }
            (Printer::Ready, PrinterEvent::Jam) | (Printer::Jammed, PrinterEvent::Jam) => {
                Handling::Ignore
            }
            _ => Handling::Handle,
        }
    }

    async fn on_event(
        &mut self,
        _: &mut Context<PrinterEvent>,
        state: Printer,
        event: PrinterEvent,
    ) -> TransitionOf<Self> {
        match (state, event) {
            (Printer::Ready, PrinterEvent::Print) => Transition::Push(Printer::Printing),
            (s, PrinterEvent::Status(Reply(tx))) => {
                let _ = tx.send(s);
                Transition::Stay
            }
            (Printer::Printing, PrinterEvent::Jam) => Transition::PopGoto(Printer::Jammed),
            (Printer::Jammed, PrinterEvent::Clear) => Transition::Goto(Printer::Ready),
            (_, e) => Transition::Unhandled(e),
        }
    }
}

/// A job prints and jams while a client asks for the status; the client must be answered.
pub async fn printer(fixed: bool) {
    let printer = if fixed {
        actor::create_machine(PrinterMachine::<true>)
    } else {
        actor::create_machine(PrinterMachine::<false>)
    };
    let p = printer.clone();
    let client = task::spawn(async move {
        let (tx, rx) = oneshot::channel();
        p.send(PrinterEvent::Status(Reply(tx))).await;
        rx.await.ok()
    });
    printer.send(PrinterEvent::Print).await;
    printer.send(PrinterEvent::Jam).await;
    printer.send(PrinterEvent::Clear).await;
    let answer = client.await.expect("the client runs to its end");
    spec::assert(
        answer.is_some(),
        "the printer dropped a status request without answering it",
    );
}

// ----- the door: a raised event is handled next -----

/// The door's states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    /// Locked.
    Locked,
    /// Unlocked; its entry opens the door.
    Unlocked,
    /// Open.
    Open,
}

/// What the door is told.
#[derive(Debug)]
pub enum DoorEvent {
    /// Lock it.
    Lock,
    /// Unlock it (and so open it).
    Unlock,
    /// Open it: only an unlocked door may.
    OpenDoor,
}

struct DoorMachine {
    fixed: bool,
}

impl StateMachine for DoorMachine {
    type Event = DoorEvent;
    type State = Door;
    const STATES: &'static [Door] = &[Door::Locked, Door::Unlocked, Door::Open];

    fn initial(&self) -> Door {
        Door::Locked
    }

    fn handling(state: Door, event: &DoorEvent) -> Handling {
        match (state, event) {
            (Door::Open, _) | (Door::Locked, DoorEvent::Lock) => Handling::Ignore,
            (Door::Unlocked, DoorEvent::Unlock) => Handling::Ignore,
            _ => Handling::Handle,
        }
    }

    async fn on_entry(
        &mut self,
        ctx: &mut Context<DoorEvent>,
        state: Door,
        _: Option<DoorEvent>,
    ) -> TransitionOf<Self> {
        if state != Door::Unlocked {
            return Transition::Stay;
        }
        if self.fixed {
            Transition::Raise(DoorEvent::OpenDoor)
        } else {
            // BUG (unless fixed): queued behind whatever is in the inbox already.
            ctx.me().send(DoorEvent::OpenDoor).await;
            Transition::Stay
        }
    }

    async fn on_event(
        &mut self,
        _: &mut Context<DoorEvent>,
        state: Door,
        event: DoorEvent,
    ) -> TransitionOf<Self> {
        match (state, event) {
            (Door::Locked, DoorEvent::Unlock) => Transition::Goto(Door::Unlocked),
            (Door::Unlocked, DoorEvent::Lock) => Transition::Goto(Door::Locked),
            (Door::Unlocked, DoorEvent::OpenDoor) => Transition::Goto(Door::Open),
            (Door::Locked, DoorEvent::OpenDoor) => {
                spec::assert(false, "the door opened while it was locked");
                Transition::Stay
            }
            (_, e) => Transition::Unhandled(e),
        }
    }
}

/// A guard locks the door while someone unlocks it.
pub async fn door(fixed: bool) {
    let door = actor::create_machine(DoorMachine { fixed });
    let d = door.clone();
    let guard = task::spawn(async move { d.send(DoorEvent::Lock).await });
    door.send(DoorEvent::Unlock).await;
    guard.await.expect("the guard runs to its end");
}

// ----- the fan: the default event -----

/// The fan's states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fan {
    /// Spinning; goes to `Standby` when nothing is queued (its default event).
    Running,
    /// Saving power until told a speed.
    Standby,
}

/// What the fan is told.
#[derive(Debug)]
pub enum FanEvent {
    /// Spin at this speed.
    Speed(u32),
    /// Answer with the speed set.
    Report(Reply<u32>),
}

struct FanMachine {
    fixed: bool,
    speed: u32,
}

impl StateMachine for FanMachine {
    type Event = FanEvent;
    type State = Fan;
    const STATES: &'static [Fan] = &[Fan::Running, Fan::Standby];

    fn initial(&self) -> Fan {
        Fan::Running
    }

    fn has_default(state: Fan) -> bool {
        state == Fan::Running
    }

    async fn on_default(&mut self, _: &mut Context<FanEvent>, _: Fan) -> TransitionOf<Self> {
        Transition::Goto(Fan::Standby)
    }

    async fn on_event(
        &mut self,
        _: &mut Context<FanEvent>,
        state: Fan,
        event: FanEvent,
    ) -> TransitionOf<Self> {
        match (state, event) {
            (Fan::Running, FanEvent::Speed(n)) => {
                self.speed = n;
                Transition::Stay
            }
            (Fan::Standby, FanEvent::Speed(n)) if self.fixed => {
                self.speed = n;
                Transition::Goto(Fan::Running)
            }
            // BUG (unless fixed): a speed set while in standby is lost.
            (Fan::Standby, FanEvent::Speed(_)) => Transition::Stay,
            (_, FanEvent::Report(Reply(reply))) => {
                let _ = reply.send(self.speed);
                Transition::Stay
            }
        }
    }
}

/// The fan is told a speed, then asked for it.
pub async fn fan(fixed: bool) {
    let fan = actor::create_machine(FanMachine { fixed, speed: 0 });
    fan.send(FanEvent::Speed(3)).await;
    let (tx, rx) = oneshot::channel();
    fan.send(FanEvent::Report(Reply(tx))).await;
    let speed = rx.await.expect("the fan answers");
    spec::assert(
        speed == 3,
        format!("the fan was set to 3 and runs at {speed}"),
    );
}
