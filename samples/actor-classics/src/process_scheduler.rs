//! The process scheduler's lost wakeup, the P# benchmark: a process tests a condition and, when
//! it does not hold, asks the scheduler to put it to sleep; a waker makes the condition true
//! and asks the scheduler to wake the sleepers.
//!
//! `process_scheduler` has the bug of the classic kernel race: the test and the sleep are two
//! events. When the wakeup is handled between them, there is no sleeper yet to wake, and the
//! process then goes to sleep for good. Nothing deadlocks: the scheduler's clock interrupt (a
//! periodic timer) ticks on for ever, so the execution never ends and the [`Wakeups`] monitor
//! stays hot: a liveness bug, "hot for too long". `process_scheduler_fixed` makes the sleep
//! conditional, checked by the scheduler when it handles it (as `prepare_to_wait` does).

use coyote_harness::actor::{self, Actor, ActorRef, Context};
use coyote_harness::spec::{self, Monitor, Temperature};
use coyote_harness::{random, time};
use std::collections::BTreeSet;
use std::time::Duration;

/// The scheduler's clock interrupt.
const TICK: Duration = Duration::from_millis(10);
/// How many processes wait for the condition.
const PROCESSES: usize = 2;

/// What the scheduler receives.
#[derive(Debug)]
pub enum SchedulerEvent {
    /// A process asks whether the condition holds.
    Test(usize, ActorRef<ProcessEvent>),
    /// A process asks to sleep until the condition holds.
    Sleep(usize, ActorRef<ProcessEvent>),
    /// The waker made the condition true: wake the sleepers.
    Wakeup,
    /// The clock interrupt.
    Tick,
}

/// The scheduler.
pub struct Scheduler {
    condition: bool,
    sleeping: Vec<(usize, ActorRef<ProcessEvent>)>,
    ticks: u64,
    fixed: bool,
}

impl Actor for Scheduler {
    type Event = SchedulerEvent;

    async fn on_start(&mut self, ctx: &mut Context<SchedulerEvent>) {
        ctx.start_periodic_timer(TICK, || SchedulerEvent::Tick);
    }

    async fn handle(&mut self, _ctx: &mut Context<SchedulerEvent>, event: SchedulerEvent) {
        match event {
            SchedulerEvent::Test(_, process) => {
                process.send(ProcessEvent::Condition(self.condition)).await;
            }
            // BUG: the sleep is not conditional; the wakeup may have come since the test.
            SchedulerEvent::Sleep(_, process) if self.fixed && self.condition => {
                process.send(ProcessEvent::Woken).await;
            }
            SchedulerEvent::Sleep(pid, process) => self.sleeping.push((pid, process)),
            SchedulerEvent::Wakeup => {
                self.condition = true;
                for (_, process) in std::mem::take(&mut self.sleeping) {
                    process.send(ProcessEvent::Woken).await;
                }
            }
            SchedulerEvent::Tick => self.ticks += 1,
        }
    }
}

/// What a process receives.
#[derive(Debug)]
pub enum ProcessEvent {
    /// The answer to its test.
    Condition(bool),
    /// The scheduler woke it.
    Woken,
}

/// A process that waits until the condition holds, then runs.
pub struct Process {
    pid: usize,
    scheduler: ActorRef<SchedulerEvent>,
}

impl Actor for Process {
    type Event = ProcessEvent;

    async fn on_start(&mut self, ctx: &mut Context<ProcessEvent>) {
        spec::monitor::<Wakeups>(Waiting::Waits(self.pid));
        self.scheduler
            .send(SchedulerEvent::Test(self.pid, ctx.me()))
            .await;
    }

    async fn handle(&mut self, ctx: &mut Context<ProcessEvent>, event: ProcessEvent) {
        match event {
            ProcessEvent::Condition(false) => {
                self.scheduler
                    .send(SchedulerEvent::Sleep(self.pid, ctx.me()))
                    .await;
            }
            ProcessEvent::Condition(true) | ProcessEvent::Woken => {
                spec::monitor::<Wakeups>(Waiting::Runs(self.pid));
                ctx.halt();
            }
        }
    }
}

/// What [`Wakeups`] is told.
#[derive(Debug)]
pub enum Waiting {
    /// The process waits for the condition.
    Waits(usize),
    /// The process runs again.
    Runs(usize),
}

/// Liveness: every waiting process eventually runs (hot while one waits).
#[derive(Debug, Default)]
pub struct Wakeups {
    waiting: BTreeSet<usize>,
}

impl Monitor for Wakeups {
    type Event = Waiting;

    fn on_event(&mut self, event: Waiting) {
        match event {
            Waiting::Waits(p) => self.waiting.insert(p),
            Waiting::Runs(p) => self.waiting.remove(&p),
        };
    }

    fn temperature(&self) -> Temperature {
        if self.waiting.is_empty() {
            Temperature::Cold
        } else {
            Temperature::Hot
        }
    }
}

/// The scheduler, the processes, and `main` as the waker, after a delay the test picks.
pub async fn scenario(fixed: bool) {
    let scheduler = actor::create(Scheduler {
        condition: false,
        sleeping: Vec::new(),
        ticks: 0,
        fixed,
    });
    let _processes: Vec<_> = (0..PROCESSES)
        .map(|pid| {
            actor::create(Process {
                pid,
                scheduler: scheduler.clone(),
            })
        })
        .collect();
    time::sleep(TICK * random::int(3) as u32).await;
    scheduler.send(SchedulerEvent::Wakeup).await;
}
