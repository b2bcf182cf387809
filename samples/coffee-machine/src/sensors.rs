//! The mock hardware: the espresso machine's sensors and actuators. It is an actor of its own
//! that survives the failover, as the real hardware survives a crash of the controller's
//! process, so a restarted controller finds it as the old one left it.
//!
//! Invariants: the grinder fills the porta filter by a quarter per grind tick (a periodic
//! timer) and cuts out when it is full; a shot is pulled one timer period after the pump
//! starts; every change is reported to the controller connected last. The safety check of
//! the whole sample lives here, as the hardware's: the grinder must never be started onto
//! grounds already in the porta filter (they overflow).

use crate::machine::MachineEvent;
use coyote_harness::actor::{Actor, ActorRef, Context, TimerId};
use coyote_harness::spec;
use std::time::Duration;

/// How long the grinder takes to add a quarter of a dose.
pub const GRIND_TICK: Duration = Duration::from_millis(500);

/// How long a shot takes once the pump runs.
pub const SHOT_TIME: Duration = Duration::from_millis(1500);

/// What the sensors report when read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// How full the porta filter is, in percent.
    pub porta_filter: u8,
    /// Whether the grinder runs.
    pub grinder: bool,
    /// Whether the pump runs (a shot is being pulled).
    pub pump: bool,
    /// Shots pulled since the machine was installed.
    pub shots: u32,
}

/// What the sensors are told.
#[derive(Debug)]
pub enum SensorEvent {
    /// Report every later change to this controller.
    Connect(ActorRef<MachineEvent>),
    /// Read every sensor; the reading goes to the connected controller.
    Read,
    /// Start or stop the grinder.
    Grinder(bool),
    /// Start or stop the pump.
    Pump(bool),
    /// Knock the grounds out of the porta filter.
    Dump,
    /// The grinder's timer: a quarter more grounds.
    GrindTick,
    /// The pump's timer: the shot is pulled.
    ShotPulled,
    /// Switch the hardware off (the end of a test).
    Off,
}

/// The mock sensors and actuators, with the state they keep across a failover.
#[derive(Debug, Default)]
pub struct Sensors {
    reading: Reading,
    controller: Option<ActorRef<MachineEvent>>,
    grinding: Option<TimerId>,
    pumping: Option<TimerId>,
}

impl Sensors {
    async fn report(&self, event: MachineEvent) {
        if let Some(c) = &self.controller {
            c.send(event).await;
        }
    }
}

impl Actor for Sensors {
    type Event = SensorEvent;

    async fn handle(&mut self, ctx: &mut Context<SensorEvent>, event: SensorEvent) {
        match event {
            SensorEvent::Connect(controller) => self.controller = Some(controller),
            SensorEvent::Read => self.report(MachineEvent::Reading(self.reading)).await,
            SensorEvent::Grinder(true) if self.grinding.is_none() => {
                spec::assert(
                    self.reading.porta_filter == 0,
                    format!(
                        "the grinder was started onto a porta filter already {}% full: grounds overflow",
                        self.reading.porta_filter
                    ),
                );
                self.reading.grinder = true;
                let tick = ctx.start_periodic_timer(GRIND_TICK, || SensorEvent::GrindTick);
                self.grinding = Some(tick);
            }
            SensorEvent::Grinder(on) => {
                if !on {
                    if let Some(t) = self.grinding.take() {
                        ctx.stop_timer(t);
                    }
                }
                self.reading.grinder = self.grinding.is_some();
            }
            // A tick that was already on its way when the grinder stopped adds nothing.
            SensorEvent::GrindTick if self.grinding.is_some() => {
                self.reading.porta_filter = (self.reading.porta_filter + 25).min(100);
                if self.reading.porta_filter == 100 {
                    // The cut-out: a full porta filter stops the grinder.
                    if let Some(t) = self.grinding.take() {
                        ctx.stop_timer(t);
                    }
                    self.reading.grinder = false;
                }
                let level = self.reading.porta_filter;
                self.report(MachineEvent::PortaFilter(level)).await;
            }
            SensorEvent::GrindTick => {}
            SensorEvent::Pump(true) if self.pumping.is_none() => {
                self.reading.pump = true;
                self.pumping = Some(ctx.start_timer(SHOT_TIME, SensorEvent::ShotPulled));
            }
            SensorEvent::Pump(on) => {
                if !on {
                    if let Some(t) = self.pumping.take() {
                        ctx.stop_timer(t);
                    }
                }
                self.reading.pump = self.pumping.is_some();
            }
            SensorEvent::ShotPulled if self.pumping.is_some() => {
                self.pumping = None;
                self.reading.pump = false;
                self.reading.shots += 1;
                self.report(MachineEvent::ShotPulled).await;
            }
            SensorEvent::ShotPulled => {}
            SensorEvent::Dump => self.reading.porta_filter = 0,
            SensorEvent::Off => ctx.halt(),
        }
    }
}
