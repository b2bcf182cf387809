//! `bluetooth_driver`, from the CS suite (SCTBench
//! `concurrent-software-benchmarks/bluetooth_driver_bad.c`), the simplified Windows Bluetooth
//! driver of Qadeer and Wu's KISS (PLDI'04).
//!
//! `main` runs `BCSP_PnpAdd` (an I/O request: `IoIncrement`, do work asserting the driver is
//! not `stopped`, `IoDecrement`) while a thread runs `BCSP_PnpStop` (set `stoppingFlag`,
//! `IoDecrement`, and if that signalled `stoppingEvent`, set `stopped`). `pendingIo` is updated in
//! atomic sections, but `IoIncrement` checks `stoppingFlag` *outside* its atomic section. Bug:
//! the adder reads `stoppingFlag == false`, the stopper then sets the flag, drops `pendingIo` to
//! 0, signals and sets `stopped`, and the adder increments and does work on a stopped driver.
//! SCTBench lists 2 threads, 13 scheduling points. Depth: one preemption of the adder, right
//! after its flag check (the stopper then runs to completion).
//!
//! `bluetooth_driver_fixed` checks the flag and increments in one atomic section, has the
//! stopper set the flag atomically too and *wait* for `stoppingEvent` (a `Notify`) before it
//! sets `stopped`, and decrements only after a successful increment.

use crate::shared::Shared;
use coyote_harness::{
    sync::{Mutex, Notify},
    task,
};
use std::sync::Arc;

struct Device {
    /// `pendingIo`, updated in ESBMC atomic sections (a global mutex).
    atomic: Mutex<i32>,
    stopping_flag: Shared<bool>,
    stopping_event: Shared<bool>,
    stopped: Shared<bool>,
    /// The fixed variant's wait for `stoppingEvent`.
    event: Notify,
}

async fn io_increment(e: &Device, fixed: bool) -> i32 {
    if fixed {
        let mut pending = e.atomic.lock().await;
        if e.stopping_flag.get() {
            return -1;
        }
        *pending += 1;
        return 0;
    }
    if e.stopping_flag.load().await {
        return -1;
    }
    *e.atomic.lock().await += 1;
    0
}

async fn io_decrement(e: &Device) {
    let pending = {
        let mut p = e.atomic.lock().await;
        *p -= 1;
        *p
    };
    if pending == 0 {
        e.stopping_event.store(true).await;
        e.event.notify_one();
    }
}

async fn pnp_add(e: &Device, fixed: bool) {
    let status = io_increment(e, fixed).await;
    if status == 0 {
        // do work here
        assert!(
            !e.stopped.load().await,
            "bluetooth_driver: work on a stopped driver"
        ); // BAD
    }
    if !fixed || status == 0 {
        io_decrement(e).await;
    }
}

async fn pnp_stop(e: Arc<Device>, fixed: bool) {
    if fixed {
        let _atomic = e.atomic.lock().await;
        e.stopping_flag.set(true);
    } else {
        e.stopping_flag.store(true).await;
    }
    io_decrement(&e).await;
    if fixed {
        if !e.stopping_event.load().await {
            e.event.notified().await;
        }
        e.stopped.store(true).await;
    } else if e.stopping_event.load().await {
        // release allocated resource
        e.stopped.store(true).await;
    }
}

async fn run(fixed: bool) {
    let e = Arc::new(Device {
        atomic: Mutex::new(1),
        stopping_flag: Shared::new(false),
        stopping_event: Shared::new(false),
        stopped: Shared::new(false),
        event: Notify::new(),
    });
    let id = task::spawn(pnp_stop(e.clone(), fixed));
    pnp_add(&e, fixed).await;
    id.await.unwrap();
}

/// The program; the adder can work on a stopped driver.
pub async fn bluetooth_driver() {
    run(false).await
}

/// Atomic flag check and increment; the stopper waits for the last I/O.
pub async fn bluetooth_driver_fixed() {
    run(true).await
}
