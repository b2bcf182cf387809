//! Coyote's failover tutorial (the espresso machine) on `coyote_harness::actor`.
//!
//! An espresso machine's controller ([`machine::CoffeeMachine`], a state machine) drives mock
//! hardware ([`sensors::Sensors`], an actor) that keeps its state across a failover: how full
//! the porta filter is, whether the grinder and the pump run. The failover driver (the test's
//! `main`) orders a coffee, halts the controller at a moment the scheduler picks (a declared
//! choice of delay, then a virtual-time sleep, then a `Terminate` event), starts a new
//! controller on the same hardware and orders again.
//!
//! `coffee_machine_failover` has the bug: the restarted controller trusts that it starts on a
//! clean machine. If the failover came after the grinding and before the grounds were knocked
//! out, the next order starts the grinder onto a full porta filter, and the hardware's safety
//! check fails. Without a failover (`coffee_machine_no_failover`, the same controller) no
//! schedule finds anything: the bug lives only across the failover.
//! `coffee_machine_failover_fixed` brings the hardware to a known state when it starts.

pub mod machine;
pub mod sensors;

use coyote_harness::actor::{self, ActorRef};
use coyote_harness::sync::oneshot;
use coyote_harness::{random, time};
use machine::{CoffeeMachine, MachineEvent};
use sensors::{SensorEvent, Sensors};
use std::time::Duration;

/// A reply channel carried by an event (its `Debug` keeps the step log short).
pub struct Reply<T>(pub oneshot::Sender<T>);

impl<T> std::fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reply")
    }
}

/// The failover comes after a whole number of these, chosen by the test.
const FAILOVER_UNIT: Duration = Duration::from_millis(250);

/// The failover can come up to this many units after the first order (past the whole order).
const FAILOVER_UNITS: u64 = 20;

/// Orders one coffee from `machine` and waits until it is served.
async fn order(machine: &ActorRef<MachineEvent>) {
    let (tx, served) = oneshot::channel();
    machine.send(MachineEvent::MakeCoffee(Reply(tx))).await;
    served
        .await
        .expect("the controller serves the order it took");
}

/// Halts `machine` and waits until it has.
async fn terminate(machine: &ActorRef<MachineEvent>) {
    let (tx, halted) = oneshot::channel();
    machine.send(MachineEvent::Terminate(Reply(tx))).await;
    halted.await.expect("the controller answers Terminate");
}

async fn failover(fixed: bool) {
    let sensors = actor::create(Sensors::default());
    let first = actor::create_machine(CoffeeMachine::new(sensors.clone(), fixed));
    let (tx, _first_order) = oneshot::channel();
    first.send(MachineEvent::MakeCoffee(Reply(tx))).await;
    // The failover: after a delay the test chooses, wherever the controller is by then.
    let units = random::int(FAILOVER_UNITS + 1) as u32;
    time::sleep(FAILOVER_UNIT * units).await;
    terminate(&first).await;
    // The new controller starts on the hardware as the old one left it.
    let second = actor::create_machine(CoffeeMachine::new(sensors.clone(), fixed));
    order(&second).await;
    terminate(&second).await;
    sensors.send(SensorEvent::Off).await;
}

/// The buggy controller across a failover: grinds onto a full porta filter.
pub async fn coffee_machine_failover() {
    failover(false).await
}

/// The fixed controller across a failover: grinder and pump off, grounds out, before it is
/// ready.
pub async fn coffee_machine_failover_fixed() {
    failover(true).await
}

/// The buggy controller without a failover: two orders in a row, which it serves.
pub async fn coffee_machine_no_failover() {
    let sensors = actor::create(Sensors::default());
    let machine = actor::create_machine(CoffeeMachine::new(sensors.clone(), false));
    order(&machine).await;
    order(&machine).await;
    terminate(&machine).await;
    sensors.send(SensorEvent::Off).await;
}

coyote_harness::export_tests!(
    coffee_machine_failover,
    coffee_machine_failover_fixed,
    coffee_machine_no_failover
);

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_harness::{check, Config};

    #[test]
    fn the_restarted_controller_grinds_onto_full_grounds() {
        let err = std::panic::catch_unwind(|| {
            check(coffee_machine_failover, Config::new().iterations(2000))
        })
        .expect_err("the bug is found");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            msg.contains("the grinder was started onto a porta filter already 100% full"),
            "{msg}"
        );
        assert!(msg.contains("CoffeeMachine"), "{msg}");
    }

    #[test]
    fn without_a_failover_the_same_controller_is_correct() {
        check(coffee_machine_no_failover, Config::new().iterations(2000));
    }

    #[test]
    fn the_fixed_controller_survives_every_failover() {
        check(
            coffee_machine_failover_fixed,
            Config::new().iterations(2000),
        );
        check(
            coffee_machine_failover_fixed,
            Config::new().strategy("pct:3").iterations(1000),
        );
    }
}
