//! The controller: a state machine that makes espresso with the sensors' actuators.
//!
//! `Init` connects to the sensors and reads them; `Ready` takes an order; `Grinding` runs the
//! grinder until the porta filter is full; `MakingShot` runs the pump until the shot is
//! pulled, then knocks the grounds out and answers the order. `Terminate`, in any state, halts
//! the controller wherever it is: the failover.
//!
//! The bug is in `Init`: the buggy controller trusts that it starts on a clean machine. After
//! a failover that came between the end of the grinding and the knock-out, the porta filter is
//! still full, and the next order starts the grinder onto it. The fixed controller brings the
//! hardware to a known state first: grinder and pump off, grounds out.

use crate::sensors::{Reading, SensorEvent};
use crate::Reply;
use coyote_harness::actor::{ActorRef, Context, Handling, StateMachine, Transition, TransitionOf};

/// What the controller receives.
#[derive(Debug)]
pub enum MachineEvent {
    /// An order for one espresso; the reply is answered once it is served.
    MakeCoffee(Reply<()>),
    /// The sensors' reading, asked for in `Init`.
    Reading(Reading),
    /// The porta filter's level changed (percent).
    PortaFilter(u8),
    /// The pump pulled a shot.
    ShotPulled,
    /// Halt now; the reply is answered first (the failover driver waits for it).
    Terminate(Reply<()>),
}

/// The controller's states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Connecting and reading the sensors.
    Init,
    /// Waiting for an order.
    Ready,
    /// The grinder runs.
    Grinding,
    /// The pump runs.
    MakingShot,
}

/// The espresso machine's controller.
#[derive(Debug)]
pub struct CoffeeMachine {
    sensors: ActorRef<SensorEvent>,
    order: Option<Reply<()>>,
    fixed: bool,
}

impl CoffeeMachine {
    /// A controller for `sensors`; `fixed` brings the hardware to a known state when it starts.
    pub fn new(sensors: ActorRef<SensorEvent>, fixed: bool) -> Self {
        CoffeeMachine {
            sensors,
            order: None,
            fixed,
        }
    }
}

impl StateMachine for CoffeeMachine {
    type Event = MachineEvent;
    type State = Phase;
    const STATES: &'static [Phase] = &[
        Phase::Init,
        Phase::Ready,
        Phase::Grinding,
        Phase::MakingShot,
    ];

    fn initial(&self) -> Phase {
        Phase::Init
    }

    fn handling(state: Phase, event: &MachineEvent) -> Handling {
        use MachineEvent::*;
        match (state, event) {
            (_, Terminate(_)) => Handling::Handle,
            // One order at a time: the next waits until the machine is ready.
            (Phase::Init | Phase::Grinding | Phase::MakingShot, MakeCoffee(_)) => Handling::Defer,
            (Phase::Init, Reading(_)) => Handling::Handle,
            (Phase::Ready, MakeCoffee(_)) => Handling::Handle,
            (Phase::Grinding, PortaFilter(_)) => Handling::Handle,
            (Phase::MakingShot, ShotPulled) => Handling::Handle,
            // Reports about what an earlier controller started.
            _ => Handling::Ignore,
        }
    }

    async fn on_entry(
        &mut self,
        ctx: &mut Context<MachineEvent>,
        state: Phase,
        _event: Option<MachineEvent>,
    ) -> TransitionOf<Self> {
        match state {
            Phase::Init => {
                self.sensors.send(SensorEvent::Connect(ctx.me())).await;
                // BUG (when not fixed): the hardware is trusted to be as a fresh machine's.
                // The fix brings it to a known state before reading it; the sensors apply one
                // sender's events in order, so the reading comes after all three.
                if self.fixed {
                    self.sensors.send(SensorEvent::Grinder(false)).await;
                    self.sensors.send(SensorEvent::Pump(false)).await;
                    self.sensors.send(SensorEvent::Dump).await;
                }
                self.sensors.send(SensorEvent::Read).await;
            }
            Phase::Grinding => self.sensors.send(SensorEvent::Grinder(true)).await,
            Phase::MakingShot => self.sensors.send(SensorEvent::Pump(true)).await,
            Phase::Ready => {}
        }
        Transition::Stay
    }

    async fn on_event(
        &mut self,
        _ctx: &mut Context<MachineEvent>,
        state: Phase,
        event: MachineEvent,
    ) -> TransitionOf<Self> {
        match (state, event) {
            (_, MachineEvent::Terminate(Reply(ack))) => {
                let _ = ack.send(());
                Transition::Halt
            }
            (Phase::Init, MachineEvent::Reading(_)) => Transition::Goto(Phase::Ready),
            (Phase::Ready, MachineEvent::MakeCoffee(order)) => {
                self.order = Some(order);
                Transition::Goto(Phase::Grinding)
            }
            (Phase::Grinding, MachineEvent::PortaFilter(100)) => {
                Transition::Goto(Phase::MakingShot)
            }
            (Phase::MakingShot, MachineEvent::ShotPulled) => {
                self.sensors.send(SensorEvent::Dump).await;
                if let Some(Reply(order)) = self.order.take() {
                    let _ = order.send(());
                }
                Transition::Goto(Phase::Ready)
            }
            _ => Transition::Stay,
        }
    }
}
