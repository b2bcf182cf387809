//! Coyote's state-machine semantics: entry actions that transition and see their event, pushed
//! states inheriting the handlers of the states below, pop-then-goto, raised events, default
//! events, and unhandled events as bugs. Each bug of its kind is found with its message, and
//! the fixed twin passes.

#[path = "common/mod.rs"]
mod common;

use common::{bug_report, dfs, written_trace};
use coyote_harness::actor::{self, Context, Handling, StateMachine, Transition, TransitionOf};
use coyote_harness::sync::oneshot;
use coyote_harness::{check, spec, task, Config};
use std::sync::{Arc, Mutex};

type Trail = Arc<Mutex<Vec<String>>>;

fn trail() -> Trail {
    Arc::new(Mutex::new(Vec::new()))
}

fn joined(t: &Trail) -> String {
    t.lock().unwrap().join(", ")
}

// ----- entry actions: transition, and see the event that caused the transition -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conn {
    Init,
    Waiting,
    Active,
}

#[derive(Debug)]
enum ConnEvent {
    Configure(u32),
    Request(u32),
}

/// A server whose `Init` entry goes on to `Waiting` at once (`fixed`), and whose `Active`
/// entry takes its limit from the `Configure` that caused it. `Init` handles nothing.
struct Server {
    fixed: bool,
    limit: Option<u32>,
    trail: Trail,
}

impl StateMachine for Server {
    type Event = ConnEvent;
    type State = Conn;

    fn initial(&self) -> Conn {
        Conn::Init
    }

    fn handling(state: Conn, event: &ConnEvent) -> Handling {
        match (state, event) {
            (Conn::Init, _) => Handling::Unhandled,
            (Conn::Waiting, ConnEvent::Request(_)) => Handling::Defer,
            _ => Handling::Handle,
        }
    }

    async fn on_entry(
        &mut self,
        _: &mut Context<ConnEvent>,
        state: Conn,
        event: Option<ConnEvent>,
    ) -> TransitionOf<Self> {
        self.trail
            .lock()
            .unwrap()
            .push(format!("enter {state:?} with {event:?}"));
        match (state, event) {
            // BUG (unless fixed): the entry forgets to move on, so `Init` sees the events.
            (Conn::Init, _) if self.fixed => Transition::Goto(Conn::Waiting),
            (Conn::Active, Some(ConnEvent::Configure(n))) => {
                self.limit = Some(n);
                Transition::Stay
            }
            _ => Transition::Stay,
        }
    }

    async fn on_event(
        &mut self,
        _: &mut Context<ConnEvent>,
        state: Conn,
        event: ConnEvent,
    ) -> TransitionOf<Self> {
        match (state, event) {
            (Conn::Waiting, e @ ConnEvent::Configure(_)) => Transition::GotoWith(Conn::Active, e),
            (Conn::Active, ConnEvent::Request(n)) => {
                let limit = self.limit.expect("the entry saw the Configure");
                spec::assert(n <= limit, format!("request {n} over the limit {limit}"));
                Transition::Stay
            }
            (_, e) => Transition::Unhandled(e),
        }
    }
}

async fn configure_and_request(fixed: bool, trail: Trail) {
    let server = actor::create_machine(Server {
        fixed,
        limit: None,
        trail,
    });
    let s = server.clone();
    let client = task::spawn(async move { s.send(ConnEvent::Request(2)).await });
    server.send(ConnEvent::Configure(3)).await;
    client.await.unwrap();
}

#[test]
fn an_entry_action_transitions_at_once_and_the_next_entry_sees_the_event_that_caused_it() {
    let seen = trail();
    let t = seen.clone();
    check(
        move || {
            t.lock().unwrap().clear();
            configure_and_request(true, t.clone())
        },
        dfs(),
    );
    // The last iteration's entries: Init's goto was taken before any event was looked at;
    // Active's entry got the Configure that caused it.
    assert_eq!(
        joined(&seen),
        "enter Init with None, enter Waiting with None, enter Active with Some(Configure(3))"
    );
}

#[test]
fn an_entry_that_does_not_move_on_leaves_the_events_unhandled() {
    let msg = bug_report(dfs(), || configure_and_request(false, trail()));
    assert!(
        msg.contains("assertion: Server(1) received event ")
            && msg.contains(" that cannot be handled in state Init (no state on its stack handles, defers or ignores it)"),
        "{msg}"
    );
}

// ----- push: inherited handlers, defer and ignore; goto from a lower state pops -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Init,
    Final,
    Done,
}

#[derive(Debug)]
enum E {
    E1,
    E2,
    E3,
    E4,
    E5,
    Finish,
}

/// Coyote's `TestPushStateInheritance`: `Init` defers `E2`, pushes `Final` on `E1`, ignores
/// `E3` and handles `E4`; `Final` handles `E2` and leaves the rest to `Init`. `Finish`, handled
/// by `Init`, goes to `Done`. `E5` is handled by no state.
struct Pusher {
    trail: Trail,
}

impl Pusher {
    fn mark(&self, what: impl Into<String>) {
        self.trail.lock().unwrap().push(what.into());
    }
}

impl StateMachine for Pusher {
    type Event = E;
    type State = Level;

    fn initial(&self) -> Level {
        Level::Init
    }

    fn handling(state: Level, event: &E) -> Handling {
        match (state, event) {
            (Level::Init, E::E2) => Handling::Defer,
            (Level::Init, E::E3) => Handling::Ignore,
            (Level::Init, E::E1 | E::E4 | E::Finish) => Handling::Handle,
            (Level::Final, E::E2) => Handling::Handle,
            _ => Handling::Unhandled,
        }
    }

    async fn on_entry(
        &mut self,
        _: &mut Context<E>,
        state: Level,
        _: Option<E>,
    ) -> TransitionOf<Self> {
        self.mark(format!("enter {state:?}"));
        Transition::Stay
    }

    async fn on_exit(&mut self, _: &mut Context<E>, state: Level) {
        self.mark(format!("exit {state:?}"));
    }

    async fn on_event(&mut self, _: &mut Context<E>, state: Level, event: E) -> TransitionOf<Self> {
        self.mark(format!("{event:?} by {state:?}"));
        match (state, event) {
            (Level::Init, E::E1) => Transition::Push(Level::Final),
            (Level::Init, E::E4) => Transition::Stay,
            (Level::Init, E::Finish) => Transition::Goto(Level::Done),
            (Level::Final, E::E2) => Transition::Stay,
            (_, e) => Transition::Unhandled(e),
        }
    }
}

async fn push_and_send(events: Vec<E>, trail: Trail) {
    let m = actor::create_machine(Pusher { trail });
    for e in events {
        m.send(e).await;
    }
}

#[test]
fn a_pushed_state_inherits_handlers_defers_and_ignores_and_a_lower_goto_pops_it() {
    let seen = trail();
    let t = seen.clone();
    check(
        move || {
            t.lock().unwrap().clear();
            push_and_send(vec![E::E2, E::E1, E::E3, E::E4, E::Finish], t.clone())
        },
        dfs(),
    );
    assert_eq!(
        joined(&seen),
        "enter Init, E1 by Init, enter Final, E2 by Final, E4 by Init, Finish by Init, \
         exit Final, exit Init, enter Done"
    );
    let msg = bug_report(Config::new().iterations(1), || async {
        let t = trail();
        push_and_send(vec![E::E2, E::E1, E::E3, E::E4, E::Finish], t.clone()).await;
        while !joined(&t).ends_with("enter Done") {
            task::yield_now().await;
        }
        panic!("show the log");
    });
    for line in [
        "Pusher(1): push Init -> Final",
        "Pusher(1) handles E2 in Final",
        "Pusher(1) ignores E3 in Final",
        "Pusher(1) handles E4 in Final with the handler of Init",
        "Pusher(1): pop Final -> Init",
        "Pusher(1): goto Init -> Done",
    ] {
        assert!(msg.contains(line), "{line:?} missing from: {msg}");
    }
}

#[test]
fn an_event_no_state_on_the_stack_handles_is_a_bug_naming_machine_state_and_event() {
    let dir = std::env::temp_dir().join(format!("coyote-unhandled-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let test = || push_and_send(vec![E::E1, E::E5], trail());
    let msg = bug_report(dfs().trace_dir(&dir), test);
    let expected = "Pusher(1) received event E5 that cannot be handled in state Final, pushed on [Init] (no state on its stack handles, defers or ignores it)";
    assert!(msg.contains(&format!("assertion: {expected}")), "{msg}");
    // Final passed it down: the log says so before the bug.
    assert!(msg.contains("Pusher(1) handles E1 in Init"), "{msg}");
    // The trace replays to the same failure.
    let failure = coyote_harness::replay(test, written_trace(&dir));
    assert_eq!(failure.kind.to_string(), "assertion");
    assert_eq!(failure.message, expected);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `Pusher`, opted out of unhandled-event bugs.
struct Lenient(Pusher);

impl StateMachine for Lenient {
    type Event = E;
    type State = Level;
    const UNHANDLED_IS_BUG: bool = false;

    fn initial(&self) -> Level {
        Level::Init
    }

    fn handling(state: Level, event: &E) -> Handling {
        Pusher::handling(state, event)
    }

    async fn on_event(
        &mut self,
        ctx: &mut Context<E>,
        state: Level,
        event: E,
    ) -> TransitionOf<Self> {
        self.0.on_event(ctx, state, event).await
    }
}

#[test]
fn a_machine_that_opts_out_drops_unhandled_events_and_logs_them() {
    check(
        || async {
            let m = actor::create_machine(Lenient(Pusher { trail: trail() }));
            m.send(E::E5).await;
            m.send(E::E1).await;
            m.send(E::E5).await;
        },
        dfs(),
    );
    let msg = bug_report(Config::new().iterations(1), || async {
        let t = trail();
        let m = actor::create_machine(Lenient(Pusher { trail: t.clone() }));
        m.send(E::E5).await;
        m.send(E::E1).await;
        while !joined(&t).contains("E1 by Init") {
            task::yield_now().await;
        }
        panic!("show the log");
    });
    assert!(
        msg.contains("Lenient(1) drops unhandled E5 in Init"),
        "{msg}"
    );
}

// ----- pop-then-goto -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Menu {
    Main,
    Sub,
    Next,
}

struct Popper {
    trail: Trail,
}

impl StateMachine for Popper {
    type Event = ();
    type State = Menu;

    fn initial(&self) -> Menu {
        Menu::Main
    }

    async fn on_entry(
        &mut self,
        _: &mut Context<()>,
        state: Menu,
        _: Option<()>,
    ) -> TransitionOf<Self> {
        self.trail.lock().unwrap().push(format!("enter {state:?}"));
        match state {
            // Entries that transition: the initial one, and one entered by a transition.
            Menu::Main | Menu::Next => Transition::Push(Menu::Sub),
            Menu::Sub => Transition::Stay,
        }
    }

    async fn on_exit(&mut self, _: &mut Context<()>, state: Menu) {
        self.trail.lock().unwrap().push(format!("exit {state:?}"));
    }

    async fn on_event(&mut self, _: &mut Context<()>, state: Menu, _: ()) -> TransitionOf<Self> {
        match state {
            Menu::Sub => Transition::PopGoto(Menu::Next),
            _ => Transition::Halt,
        }
    }
}

#[test]
fn pop_then_goto_leaves_the_pushed_state_and_the_one_below_it() {
    let seen = trail();
    let t = seen.clone();
    check(
        move || {
            t.lock().unwrap().clear();
            let t = t.clone();
            async move {
                let m = actor::create_machine(Popper { trail: t });
                m.send(()).await;
                m.send(()).await;
            }
        },
        dfs(),
    );
    assert_eq!(
        joined(&seen),
        "enter Main, enter Sub, exit Sub, exit Main, enter Next, enter Sub, \
         exit Sub, exit Next, enter Next, enter Sub"
    );
}

// ----- raise: handled before the inbox -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Only {
    Open,
}

#[derive(Debug)]
enum Teller {
    Withdraw(u32),
    Unlock,
}

/// Locks itself while it handles a withdrawal and unlocks by an event of its own: raised
/// (`fixed`), or sent to itself, which lets another sender's withdrawal in first.
struct Account {
    fixed: bool,
    locked: bool,
}

impl StateMachine for Account {
    type Event = Teller;
    type State = Only;

    fn initial(&self) -> Only {
        Only::Open
    }

    async fn on_event(
        &mut self,
        ctx: &mut Context<Teller>,
        _: Only,
        event: Teller,
    ) -> TransitionOf<Self> {
        match event {
            Teller::Withdraw(n) => {
                spec::assert(!self.locked, format!("withdrawal of {n} while locked"));
                self.locked = true;
                if self.fixed {
                    Transition::Raise(Teller::Unlock)
                } else {
                    ctx.me().send(Teller::Unlock).await;
                    Transition::Stay
                }
            }
            Teller::Unlock => {
                self.locked = false;
                Transition::Stay
            }
        }
    }
}

async fn two_withdrawals(fixed: bool) {
    let account = actor::create_machine(Account {
        fixed,
        locked: false,
    });
    let a = account.clone();
    let other = task::spawn(async move { a.send(Teller::Withdraw(1)).await });
    account.send(Teller::Withdraw(2)).await;
    other.await.unwrap();
}

#[test]
fn an_event_sent_to_oneself_may_come_after_another_senders_but_a_raised_one_does_not() {
    let msg = bug_report(dfs(), || two_withdrawals(false));
    assert!(msg.contains(" while locked"), "{msg}");
    check(|| two_withdrawals(true), dfs());
    let msg = bug_report(Config::new().iterations(1), || async {
        two_withdrawals(true).await;
        task::yield_now().await;
        task::yield_now().await;
        task::yield_now().await;
        panic!("show the log");
    });
    assert!(msg.contains("Account(1) raises Unlock"), "{msg}");
    assert!(
        msg.contains("Account(1) handles raised Unlock in Open"),
        "{msg}"
    );
}

// ----- the default event: run when nothing is queued -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mood {
    Idle,
    Sleeping,
}

#[derive(Debug)]
enum Job {
    Work(u32),
    Report(oneshot::Sender<u32>),
}

/// Goes to sleep when its inbox is empty (the default event of `Idle`); asleep, it drops work
/// unless `fixed`, which wakes up for it.
struct Worker {
    fixed: bool,
    done: u32,
}

impl StateMachine for Worker {
    type Event = Job;
    type State = Mood;

    fn initial(&self) -> Mood {
        Mood::Idle
    }

    fn has_default(state: Mood) -> bool {
        state == Mood::Idle
    }

    async fn on_default(&mut self, _: &mut Context<Job>, _: Mood) -> TransitionOf<Self> {
        Transition::Goto(Mood::Sleeping)
    }

    async fn on_event(
        &mut self,
        _: &mut Context<Job>,
        state: Mood,
        event: Job,
    ) -> TransitionOf<Self> {
        match (state, event) {
            (Mood::Idle, Job::Work(n)) => {
                self.done += n;
                Transition::Stay
            }
            // BUG (unless fixed): work that comes while asleep is lost.
            (Mood::Sleeping, Job::Work(n)) if self.fixed => {
                self.done += n;
                Transition::Goto(Mood::Idle)
            }
            (Mood::Sleeping, Job::Work(_)) => Transition::Stay,
            (_, Job::Report(reply)) => {
                let _ = reply.send(self.done);
                Transition::Stay
            }
        }
    }
}

async fn work_then_report(fixed: bool) {
    let worker = actor::create_machine(Worker { fixed, done: 0 });
    worker.send(Job::Work(1)).await;
    worker.send(Job::Work(2)).await;
    let (tx, rx) = oneshot::channel();
    worker.send(Job::Report(tx)).await;
    let done = rx.await.unwrap();
    assert_eq!(done, 3, "lost work: {done} of 3 done");
}

#[test]
fn the_default_handler_runs_when_the_inbox_is_empty_and_the_strategy_picks_when() {
    let msg = bug_report(Config::new().iterations(200), || work_then_report(false));
    assert!(msg.contains("lost work: "), "{msg}");
    assert!(
        msg.contains("Worker(1) handles DefaultEvent in Idle"),
        "{msg}"
    );
    assert!(msg.contains("Worker(1): goto Idle -> Sleeping"), "{msg}");
    check(|| work_then_report(true), Config::new().iterations(300));
}
