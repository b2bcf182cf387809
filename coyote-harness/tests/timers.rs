//! The timer model: deadlines fire in order, a periodic timer never runs ahead of the actors it
//! feeds, every timer event names its `TimerId`, an execution ends when nothing but timers is
//! left after `main`, and a timer loop folds in the step log. Also on tokio.

mod common;

use common::bug_report;
use coyote_harness::actor::{self, Actor, ActorRef, Context, TimerId};
use coyote_harness::sync::oneshot;
use coyote_harness::{check, time, Config};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ----- deadline order -----

/// Starts a 20 ms and a 10 ms timer, then records the order they fire in.
#[derive(Default)]
struct Two {
    fired: Vec<&'static str>,
    done: Option<oneshot::Sender<Vec<&'static str>>>,
}

#[derive(Debug)]
enum TwoEvent {
    Start(oneshot::Sender<Vec<&'static str>>),
    Late,
    Early,
}

impl Actor for Two {
    type Event = TwoEvent;
    async fn handle(&mut self, ctx: &mut Context<TwoEvent>, e: TwoEvent) {
        match e {
            TwoEvent::Start(done) => {
                self.done = Some(done);
                ctx.start_timer(Duration::from_millis(20), TwoEvent::Late);
                ctx.start_timer(Duration::from_millis(10), TwoEvent::Early);
            }
            TwoEvent::Late => self.fired.push("late"),
            TwoEvent::Early => self.fired.push("early"),
        }
        if self.fired.len() == 2 {
            let _ = self.done.take().unwrap().send(self.fired.clone());
        }
    }
}

async fn two_timers_and_a_sleep() {
    let two = actor::create(Two::default());
    let (tx, rx) = oneshot::channel();
    two.send(TwoEvent::Start(tx)).await;
    // A task's timer is ordered with the actor's, once registered (main may be slow to reach
    // it: time may move on meanwhile).
    time::sleep(Duration::from_millis(15)).await;
    let order = rx.await.unwrap();
    assert_eq!(order, ["early", "late"], "a later deadline fired first");
}

/// Fires one timer after `after`, recording its deadline and when it fired.
struct One {
    after: Duration,
    deadline: Option<time::Instant>,
    order: Arc<Mutex<Vec<(time::Instant, time::Instant)>>>,
}

#[derive(Debug)]
enum OneEvent {
    Start,
    Fired(time::Instant),
}

impl Actor for One {
    type Event = OneEvent;
    async fn handle(&mut self, ctx: &mut Context<OneEvent>, e: OneEvent) {
        match e {
            OneEvent::Start => {
                self.deadline = Some(time::now() + self.after);
                // The event is made when the timer fires: it carries that time.
                ctx.start_periodic_timer(self.after, || OneEvent::Fired(time::now()));
            }
            OneEvent::Fired(at) => {
                ctx.stop_timer(ctx.timer_id().expect("a timer event"));
                self.order
                    .lock()
                    .unwrap()
                    .push((self.deadline.unwrap(), at));
            }
        }
    }
}

/// Two actors' timers (20 ms and 10 ms) and main's sleep: they fire in deadline order, each
/// no earlier than its deadline (an actor slow to start arms its timer later).
async fn two_actors() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let make = |ms| {
        actor::create(One {
            after: Duration::from_millis(ms),
            deadline: None,
            order: order.clone(),
        })
    };
    let (late, early) = (make(20), make(10));
    late.send(OneEvent::Start).await;
    early.send(OneEvent::Start).await;
    time::sleep(Duration::from_millis(100)).await;
    let mut order = order.lock().unwrap().clone();
    order.sort_by_key(|&(_, fired)| fired);
    for w in order.windows(2) {
        assert!(w[0].0 <= w[1].0, "a later deadline fired first: {order:?}");
    }
    for (deadline, fired) in &order {
        assert!(fired >= deadline, "a timer fired early: {order:?}");
    }
}

#[test]
fn an_earlier_deadline_never_fires_after_a_later_one() {
    check(
        two_actors,
        Config::new().strategy("dfs").iterations(100_000),
    );
    check(
        two_timers_and_a_sleep,
        Config::new().strategy("dfs").iterations(100_000),
    );
    check(two_timers_and_a_sleep, Config::new().iterations(300));
}

// ----- no run-ahead -----

static SENT: AtomicU32 = AtomicU32::new(0);
static TAKEN: AtomicU32 = AtomicU32::new(0);
static MOST_IN_FLIGHT: AtomicU32 = AtomicU32::new(0);

/// Reports to the sink at every tick of a 1 ms periodic timer.
struct Reporter {
    sink: ActorRef<u32>,
}

#[derive(Debug)]
enum ReporterEvent {
    Start,
    Tick,
}

impl Actor for Reporter {
    type Event = ReporterEvent;
    async fn handle(&mut self, ctx: &mut Context<ReporterEvent>, e: ReporterEvent) {
        match e {
            ReporterEvent::Start => {
                ctx.start_periodic_timer(Duration::from_millis(1), || ReporterEvent::Tick);
            }
            ReporterEvent::Tick => {
                let n = SENT.fetch_add(1, Ordering::Relaxed) + 1;
                let in_flight = n - TAKEN.load(Ordering::Relaxed);
                MOST_IN_FLIGHT.fetch_max(in_flight, Ordering::Relaxed);
                self.sink.send(n).await;
            }
        }
    }
}

/// Takes reports; stops the test after 30, telling when.
struct Sink(Option<oneshot::Sender<time::Instant>>);

impl Actor for Sink {
    type Event = u32;
    async fn handle(&mut self, _ctx: &mut Context<u32>, n: u32) {
        TAKEN.store(n, Ordering::Relaxed);
        if n == 30 {
            let _ = self.0.take().unwrap().send(time::now());
        }
    }
}

async fn reports() {
    let start = time::now();
    SENT.store(0, Ordering::Relaxed);
    TAKEN.store(0, Ordering::Relaxed);
    let (tx, rx) = oneshot::channel();
    let sink = actor::create(Sink(Some(tx)));
    let reporter = actor::create(Reporter { sink });
    reporter.send(ReporterEvent::Start).await;
    let at = rx.await.unwrap();
    // The 30th report at the 30th tick: virtual time tracks the period (the next tick may
    // fire between the sink's take and its handler, which reads the clock).
    let elapsed = at - start;
    assert!(
        elapsed == Duration::from_millis(30) || elapsed == Duration::from_millis(31),
        "{elapsed:?}"
    );
}

#[test]
fn a_periodic_timer_never_runs_ahead_of_the_actor_it_feeds() {
    MOST_IN_FLIGHT.store(0, Ordering::Relaxed);
    for strategy in ["random", "pct:3", "pos", "portfolio"] {
        check(reports, Config::new().strategy(strategy).iterations(100));
    }
    // Whatever the schedule, when a tick is handled the sink has taken the last report (it may
    // not have counted it yet: it counts after the take's scheduling point).
    assert!(MOST_IN_FLIGHT.load(Ordering::Relaxed) <= 2);
}

// ----- every timer event names its timer -----

/// Each tick handled: its timer, and whether that is the current one.
type Seen = Vec<(Option<TimerId>, bool)>;

/// Starts timer 1, which fires while the actor waits for `Go`; then stops it (too late) and
/// starts timer 2. The queued tick of timer 1 is told apart by its id.
#[derive(Default)]
#[allow(clippy::type_complexity)]
struct Retry {
    first: Option<TimerId>,
    second: Option<TimerId>,
    seen: Seen,
    done: Option<oneshot::Sender<Seen>>,
}

#[derive(Debug)]
enum RetryEvent {
    Start(oneshot::Sender<Seen>, oneshot::Sender<()>),
    Go,
    Timeout,
}

impl Actor for Retry {
    type Event = RetryEvent;
    async fn handle(&mut self, ctx: &mut Context<RetryEvent>, e: RetryEvent) {
        match e {
            RetryEvent::Start(done, started) => {
                self.done = Some(done);
                self.first = Some(ctx.start_timer(Duration::from_millis(1), RetryEvent::Timeout));
                let _ = started.send(());
                ctx.receive(|e| matches!(e, RetryEvent::Go)).await;
                assert_eq!(ctx.timer_id(), None, "Go came from main");
                assert!(!ctx.stop_timer(self.first.unwrap()), "it fired already");
                self.second = Some(ctx.start_timer(Duration::from_millis(1), RetryEvent::Timeout));
            }
            RetryEvent::Go => unreachable!("received in Start"),
            RetryEvent::Timeout => {
                let current = ctx.timer_id() == self.second;
                self.seen.push((ctx.timer_id(), current));
                if self.seen.len() == 2 {
                    let _ = self.done.take().unwrap().send(self.seen.clone());
                }
            }
        }
    }
}

async fn stale_tick() {
    let retry = actor::create(Retry::default());
    let (tx, rx) = oneshot::channel();
    let (started_tx, started_rx) = oneshot::channel();
    retry.send(RetryEvent::Start(tx, started_tx)).await;
    started_rx.await.unwrap();
    // Timer 1 (1 ms) is armed, so it fires before this 5 ms sleep ends: deadline order.
    time::sleep(Duration::from_millis(5)).await;
    retry.send(RetryEvent::Go).await;
    let seen = rx.await.unwrap();
    assert_eq!(seen.len(), 2);
    assert!(!seen[0].1, "the first tick is timer 1's, stale: {seen:?}");
    assert!(seen[1].1, "the second is timer 2's: {seen:?}");
    assert_ne!(seen[0].0, seen[1].0);
    assert!(seen.iter().all(|(id, _)| id.is_some()));
}

#[test]
fn a_tick_sent_before_stop_timer_is_told_apart_by_its_timer_id() {
    check(stale_tick, Config::new().iterations(300));
    check(
        stale_tick,
        Config::new().strategy("dfs").iterations(100_000),
    );
}

#[test]
fn on_tokio_timers_fire_in_real_time_with_their_ids() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        let (started, _) = oneshot::channel();
        let retry = actor::create(Retry::default());
        retry.send(RetryEvent::Start(tx, started)).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        retry.send(RetryEvent::Go).await;
        let seen = rx.await.unwrap();
        assert!(!seen[0].1 && seen[1].1, "{seen:?}");
    });
}

// ----- when an execution with live timers ends -----

static FIRED_AFTER_MAIN: AtomicU32 = AtomicU32::new(0);

/// On `Start`, arms a 1 ms timeout and floods a sink with work; the timeout may fire while the
/// sink still works, after `main` has returned.
struct Flooder {
    sink: ActorRef<u32>,
    main_done: Arc<Mutex<bool>>,
}

#[derive(Debug)]
enum FlooderEvent {
    Start,
    Timeout,
}

impl Actor for Flooder {
    type Event = FlooderEvent;
    async fn handle(&mut self, ctx: &mut Context<FlooderEvent>, e: FlooderEvent) {
        match e {
            FlooderEvent::Start => {
                ctx.start_timer(Duration::from_millis(1), FlooderEvent::Timeout);
                ctx.start_periodic_timer(Duration::from_millis(3), || FlooderEvent::Timeout);
                for n in 0..20 {
                    self.sink.send(n).await;
                }
            }
            FlooderEvent::Timeout => {
                if *self.main_done.lock().unwrap() {
                    FIRED_AFTER_MAIN.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

struct Worker;

impl Actor for Worker {
    type Event = u32;
    async fn handle(&mut self, _ctx: &mut Context<u32>, _n: u32) {}
}

async fn returns_at_once() {
    let main_done = Arc::new(Mutex::new(false));
    let sink = actor::create(Worker);
    let flooder = actor::create(Flooder {
        sink,
        main_done: main_done.clone(),
    });
    flooder.send(FlooderEvent::Start).await;
    *main_done.lock().unwrap() = true;
}

#[test]
fn after_main_timers_fire_while_work_is_left_and_the_execution_ends_when_only_timers_are() {
    FIRED_AFTER_MAIN.store(0, Ordering::Relaxed);
    // A periodic timer lives for ever, yet every iteration ends: not a deadlock, not the step
    // bound (which this config would call a bug). (A fair strategy: an unfair one may starve
    // `main`, and while `main` runs, timers always fire.)
    check(
        returns_at_once,
        Config::new()
            .strategy("random")
            .iterations(300)
            .step_bound_is_bug(true),
    );
    assert!(FIRED_AFTER_MAIN.load(Ordering::Relaxed) > 0);
}

// ----- a timer loop folds -----

/// Hot for ever: its handler loop never meets it. A heartbeat keeps the system running.
#[derive(Debug, Default)]
struct NeverDone;

impl coyote_harness::spec::Monitor for NeverDone {
    type Event = ();
    fn on_event(&mut self, _: ()) {}
    fn temperature(&self) -> coyote_harness::spec::Temperature {
        coyote_harness::spec::Temperature::Hot
    }
}

struct Heart;

#[derive(Debug)]
enum HeartEvent {
    Start,
    Beat,
}

impl Actor for Heart {
    type Event = HeartEvent;
    async fn handle(&mut self, ctx: &mut Context<HeartEvent>, e: HeartEvent) {
        match e {
            HeartEvent::Start => {
                ctx.start_timer(Duration::from_millis(5), HeartEvent::Beat);
            }
            // A one-shot timer re-armed every round: one serving task, so the round repeats.
            HeartEvent::Beat => {
                ctx.start_timer(Duration::from_millis(5), HeartEvent::Beat);
            }
        }
    }
}

async fn heartbeat_for_ever() {
    coyote_harness::spec::monitor::<NeverDone>(());
    let heart = actor::create(Heart);
    heart.send(HeartEvent::Start).await;
}

#[test]
fn a_timer_loop_folds_in_the_step_log() {
    let msg = bug_report(
        Config::new()
            .strategy("pos")
            .iterations(10)
            .max_steps(500)
            .max_fair_steps(20_000),
        heartbeat_for_ever,
    );
    assert!(msg.contains("monitor NeverDone is hot"), "{msg}");
    assert!(msg.contains("more rounds of the"), "{msg}");
    assert!(msg.lines().count() < 60, "{msg}");
}
