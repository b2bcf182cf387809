//! State machines: actors whose handler depends on the state they are in, with entry and exit
//! actions, goto, push and pop, deferred and ignored events, and halt.
//!
//! Invariants:
//!
//! * the machine is always in the state on top of its stack; the stack is never empty (popping
//!   the last state is a bug in the machine, reported as a panic in its task);
//! * `goto` runs the old state's exit, then the new state's entry; `push` runs only the new
//!   state's entry (the state below stays entered); `pop` runs only the popped state's exit;
//! * a dequeue takes the first event that the current state does not defer, so deferred events
//!   keep their order and are handled once a state stops deferring them; an ignored event is
//!   taken and dropped (logged);
//! * entering, leaving and every transition are logged with the states' `Debug` names, and
//!   counted for `--coverage` (with the declared [`StateMachine::STATES`] never entered at 0).

use super::context::Context;
use super::mailbox::{count, count_n, count_transition, note, ActorRef, Mailbox};
use crate::rt::Activity;
use std::fmt;
use std::future::Future;

/// What a state does with an event, before it is dequeued (see [`StateMachine::handling`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handling {
    /// Dequeue it and call [`StateMachine::on_event`].
    Handle,
    /// Leave it in the inbox, in order, until a state that does not defer it.
    Defer,
    /// Dequeue it and drop it.
    Ignore,
}

/// Where a machine goes after handling an event (returned by [`StateMachine::on_event`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition<S> {
    /// Stay in the current state (no exit, no entry).
    Stay,
    /// Leave the current state for `S` (exit, then entry).
    Goto(S),
    /// Enter `S` on top of the current state, which stays entered.
    Push(S),
    /// Leave the current state for the one below it.
    Pop,
    /// Halt the machine (as [`Context::halt`]).
    Halt,
}

/// A state machine: an actor whose events are handled according to its current state.
///
/// `State` is usually a fieldless enum; its `Debug` names the states in the step log.
pub trait StateMachine: Send + Sized + 'static {
    /// The events the machine receives.
    type Event: Send + fmt::Debug + 'static;
    /// Its states.
    type State: Copy + Eq + Send + fmt::Debug + 'static;

    /// Every state the machine has, for coverage: with `coyote test --coverage`, a declared
    /// state no iteration entered is listed as never entered. Optional (the default declares
    /// none, and coverage lists the states entered).
    const STATES: &'static [Self::State] = &[];

    /// The state the machine starts in (its entry action runs first).
    fn initial(&self) -> Self::State;

    /// What `state` does with `event`: handle (the default), defer or ignore it. Declared per
    /// state and event, as Coyote's `[DeferEvents]` and `[IgnoreEvents]` attributes are; it
    /// cannot read the machine's fields.
    fn handling(state: Self::State, event: &Self::Event) -> Handling {
        let _ = (state, event);
        Handling::Handle
    }

    /// Runs when the machine enters `state`.
    fn on_entry(
        &mut self,
        ctx: &mut Context<Self::Event>,
        state: Self::State,
    ) -> impl Future<Output = ()> + Send {
        let _ = (ctx, state);
        async {}
    }

    /// Runs when the machine leaves `state` (by goto or pop).
    fn on_exit(
        &mut self,
        ctx: &mut Context<Self::Event>,
        state: Self::State,
    ) -> impl Future<Output = ()> + Send {
        let _ = (ctx, state);
        async {}
    }

    /// Handles `event` in `state`; returns the transition to take.
    fn on_event(
        &mut self,
        ctx: &mut Context<Self::Event>,
        state: Self::State,
        event: Self::Event,
    ) -> impl Future<Output = Transition<Self::State>> + Send;
}

/// Starts `machine` as a controlled task and returns its address. In tests, which event it
/// handles when is explored like every other scheduling point.
#[track_caller]
pub fn create_machine<M: StateMachine>(machine: M) -> ActorRef<M::Event> {
    super::start::<M, _, _>(|ctx| run(machine, ctx))
}

async fn run<M: StateMachine>(mut m: M, mut ctx: Context<M::Event>) {
    let initial = m.initial();
    let mut stack = vec![initial];
    let mailbox = ctx.mailbox.clone();
    note(format_args!("{} enters {initial:?}", mailbox.label()));
    for state in M::STATES {
        count_n(mailbox.name, Activity::Entered, state, 0);
    }
    count(mailbox.name, Activity::Entered, &initial);
    m.on_entry(&mut ctx, initial).await;
    let mut orphaned = false;
    while !ctx.is_halting() {
        let state = *stack.last().expect("never empty");
        let wanted = move |e: &M::Event| M::handling(state, e) != Handling::Defer;
        let Some(event) = ctx.mailbox.next(ctx.loc, true, wanted).await else {
            orphaned = true;
            break;
        };
        if M::handling(state, &event) == Handling::Ignore {
            note(format_args!(
                "{} ignores {event:?} in {state:?}",
                mailbox.label()
            ));
            count(mailbox.name, Activity::Dropped, &event);
            continue;
        }
        note(format_args!(
            "{} handles {event:?} in {state:?}",
            mailbox.label()
        ));
        count(mailbox.name, Activity::Handled, &event);
        let transition = m.on_event(&mut ctx, state, event).await;
        match transition {
            Transition::Stay => {}
            Transition::Goto(next) => {
                m.on_exit(&mut ctx, state).await;
                moved(&mailbox, "goto", state, next);
                count(mailbox.name, Activity::Entered, &next);
                *stack.last_mut().expect("never empty") = next;
                m.on_entry(&mut ctx, next).await;
            }
            Transition::Push(next) => {
                moved(&mailbox, "push", state, next);
                count(mailbox.name, Activity::Entered, &next);
                stack.push(next);
                m.on_entry(&mut ctx, next).await;
            }
            Transition::Pop => {
                if stack.len() == 1 {
                    panic!(
                        "state machine {} popped its last state {state:?}",
                        mailbox.name
                    );
                }
                m.on_exit(&mut ctx, state).await;
                stack.pop();
                moved(&mailbox, "pop", state, *stack.last().expect("never empty"));
            }
            Transition::Halt => ctx.halt(),
        }
    }
    ctx.finish(orphaned);
}

/// Logs a transition of the machine behind `mailbox`, and counts it for coverage.
fn moved<E: fmt::Debug, S: fmt::Debug>(mailbox: &Mailbox<E>, how: &str, from: S, to: S) {
    note(format_args!(
        "{}: {how} {from:?} -> {to:?}",
        mailbox.label()
    ));
    count_transition(mailbox.name, &from, &to);
}
