//! State machines: actors whose handler depends on the state they are in, with Coyote's
//! semantics: entry and exit actions, goto, push and pop (pushed states inherit the handlers of
//! the states below them), deferred and ignored events, raised events, a default event, the
//! built-in halt event, and unhandled events as bugs. The rules are documented on
//! [`StateMachine`]; the run loop that follows them is in `dispatch`.

use super::address::ActorRef;
use super::context::Context;
use std::fmt;
use std::future::Future;

/// What a state does with an event, before it is dequeued (see [`StateMachine::handling`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handling {
    /// Dequeue it and call [`StateMachine::on_event`] with this state.
    Handle,
    /// Leave it in the inbox, in order, until the machine is in a state that does not defer
    /// it (Coyote's `[DeferEvents]`).
    Defer,
    /// Dequeue it and drop it (Coyote's `[IgnoreEvents]`).
    Ignore,
    /// This state does not handle it: the state below it on the stack decides (a pushed state
    /// inherits the handlers of the states below it); if no state on the stack handles, defers
    /// or ignores it, it is an unhandled event: a bug naming the machine, its state and the
    /// event, unless [`StateMachine::UNHANDLED_IS_BUG`] is `false`.
    Unhandled,
}

/// What a machine does after an event handler, an entry action or the default handler
/// (returned by [`StateMachine::on_event`], [`StateMachine::on_entry`] and
/// [`StateMachine::on_default`]).
///
/// One value per action, so an action asks for at most one of them, as Coyote's "only one
/// `Raise*` per action" rule demands (here the type system enforces it). A transition is taken
/// from the state whose handler asked for it: when that is a state below the top of the stack
/// (an inherited handler), every transition but `Stay`, `Raise` and `Halt` first pops the states
/// above it, running their exit actions (Coyote's goto and push transitions of a lower state,
/// which are not inherited).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition<S, E> {
    /// Stay in the current state (no exit, no entry).
    Stay,
    /// Leave the state for `S`: its exit action, then `S`'s entry (which gets no event).
    Goto(S),
    /// As `Goto`, and `S`'s entry action gets the event (the payload of the event that caused
    /// the transition, as a Coyote entry action receives its event).
    GotoWith(S, E),
    /// Enter `S` on top of the state, which stays entered below it.
    Push(S),
    /// As `Push`, and `S`'s entry action gets the event.
    PushWith(S, E),
    /// Leave the state for the one below it (its exit action runs; the one below is not
    /// entered again). Popping the last state is a bug in the machine.
    Pop,
    /// Pop, then go from the state below to `S`: both exit actions run, then `S`'s entry.
    PopGoto(S),
    /// Stay, and handle this event next, before any event in the inbox (Coyote's
    /// `RaiseEvent`); handled by the state's rules like an event dequeued (a state that defers
    /// it puts it at the front of the inbox).
    Raise(E),
    /// Halt the machine (as [`Context::halt`]).
    Halt,
    /// The handler does not handle this event after all (the fallback arm of its `match`);
    /// the event goes to the states below, as if [`StateMachine::handling`] had said
    /// [`Handling::Unhandled`], and no state handling it is a bug. From an entry action: the
    /// entry does not handle the event it was given, a bug.
    Unhandled(E),
}

/// The [`Transition`] type of machine `M`: write `-> TransitionOf<Self>` in its handlers.
pub type TransitionOf<M> = Transition<<M as StateMachine>::State, <M as StateMachine>::Event>;

/// A state machine: an actor whose events are handled according to its current state.
///
/// `State` is usually a fieldless enum; its `Debug` names the states in the step log.
///
/// The machine is in the state on top of its stack. For each event it dequeues (or raised):
///
/// 1. [`handling`](StateMachine::handling) is asked for the state on top of the stack, then
///    for the states below it while the answer is [`Handling::Unhandled`]: the first other
///    answer decides. So a pushed state inherits what the states below it handle, defer and
///    ignore, and overrides it by answering for itself (Coyote's push semantics). A deferred
///    event stays in the inbox; the dequeue takes the first event that is not deferred.
/// 2. `Handle`: [`on_event`](StateMachine::on_event) runs with the state that handles it (maybe
///    one below the top; the pushed states stay entered while it runs). Its [`Transition`] is
///    taken from that state. A handler returning [`Transition::Unhandled`] gives the event back,
///    and the states below it decide, as in 1.
/// 3. No state handles it: an unhandled event, reported as a bug (`assertion`) naming the
///    machine, its state and the event, as Coyote's `UnhandledEventException` is; with
///    [`UNHANDLED_IS_BUG`](StateMachine::UNHANDLED_IS_BUG) `false` it is dropped (logged).
///
/// When no event the state accepts is queued and a state on the stack
/// [`has_default`](StateMachine::has_default), [`on_default`](StateMachine::on_default) runs
/// instead of waiting (Coyote's `DefaultEvent`), again and again while nothing else comes. The
/// built-in halt event ([`ActorRef::send_halt`]) runs the exit actions of every state on the
/// stack, top first, then halts the machine. Every entry, exit, transition, raised, deferred,
/// ignored, unhandled and default event is in the step log and counted by `--coverage`.
///
/// ```
/// use coyote_harness::actor::{self, Context, Handling, StateMachine, TransitionOf, Transition};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// enum Phase { Idle, Busy }
///
/// #[derive(Debug)]
/// enum Job { Start(u32), Done, Status }
///
/// struct Worker { current: u32 }
///
/// impl StateMachine for Worker {
///     type Event = Job;
///     type State = Phase;
///
///     fn initial(&self) -> Phase { Phase::Idle }
///
///     fn handling(state: Phase, event: &Job) -> Handling {
///         match (state, event) {
///             (Phase::Busy, Job::Start(_)) => Handling::Defer, // one job at a time
///             (Phase::Busy, Job::Status) => Handling::Unhandled, // Idle's handler answers
///             _ => Handling::Handle,
///         }
///     }
///
///     async fn on_entry(&mut self, _: &mut Context<Job>, state: Phase, event: Option<Job>)
///         -> TransitionOf<Self>
///     {
///         if let (Phase::Busy, Some(Job::Start(n))) = (state, event) {
///             self.current = n; // the event that caused the transition
///         }
///         Transition::Stay
///     }
///
///     async fn on_event(&mut self, _: &mut Context<Job>, state: Phase, event: Job)
///         -> TransitionOf<Self>
///     {
///         match (state, event) {
///             (Phase::Idle, e @ Job::Start(_)) => Transition::PushWith(Phase::Busy, e),
///             (Phase::Busy, Job::Done) => Transition::Pop,
///             (Phase::Idle, Job::Status) => Transition::Stay,
///             (_, e) => Transition::Unhandled(e), // a bug: named with the state and event
///         }
///     }
/// }
///
/// coyote_harness::check(|| async {
///     let w = actor::create_machine(Worker { current: 0 });
///     for job in [Job::Start(1), Job::Start(2), Job::Status, Job::Done, Job::Done] {
///         w.send(job).await;
///     }
/// }, coyote_harness::Config::new().iterations(20));
/// ```
pub trait StateMachine: Send + Sized + 'static {
    /// The events the machine receives.
    type Event: Send + fmt::Debug + 'static;
    /// Its states.
    type State: Copy + Eq + Send + fmt::Debug + 'static;

    /// Every state the machine has, for coverage: with `coyote test --coverage`, a declared
    /// state no iteration entered is listed as never entered. Optional (the default declares
    /// none, and coverage lists the states entered).
    const STATES: &'static [Self::State] = &[];

    /// Whether an event no state on the stack handles, defers or ignores is a bug (the
    /// default, as in Coyote). `false` opts out: such an event is dropped, logged and counted
    /// as dropped.
    const UNHANDLED_IS_BUG: bool = true;

    /// The state the machine starts in (its entry action runs first, with no event).
    fn initial(&self) -> Self::State;

    /// What `state` does with `event`: handle (the default), defer or ignore it, or leave it to
    /// the states below ([`Handling::Unhandled`]). Declared per state and event, as Coyote's
    /// `[DeferEvents]` and `[IgnoreEvents]` attributes are; it cannot read the machine's fields
    /// (it is asked while the inbox is looked through).
    fn handling(state: Self::State, event: &Self::Event) -> Handling {
        let _ = (state, event);
        Handling::Handle
    }

    /// Whether `state` has a default handler ([`on_default`](StateMachine::on_default)), run
    /// when the inbox holds no event the machine accepts. Inherited by pushed states, as
    /// handlers are. Default: none.
    fn has_default(state: Self::State) -> bool {
        let _ = state;
        false
    }

    /// Runs when the machine enters `state`; `event` is what [`Transition::GotoWith`] or
    /// [`Transition::PushWith`] passed (`None` for the initial state and plain `Goto` and
    /// `Push`). Its [`Transition`] is taken at once, from `state` (an entry may go on to
    /// another state, raise an event, or halt, as a Coyote entry action can).
    fn on_entry(
        &mut self,
        ctx: &mut Context<Self::Event>,
        state: Self::State,
        event: Option<Self::Event>,
    ) -> impl Future<Output = TransitionOf<Self>> + Send {
        let _ = (ctx, state, event);
        async { Transition::Stay }
    }

    /// Runs when the machine leaves `state` (by goto or pop, or the halt event). It cannot
    /// transition (as in Coyote); it may call [`Context::halt`].
    fn on_exit(
        &mut self,
        ctx: &mut Context<Self::Event>,
        state: Self::State,
    ) -> impl Future<Output = ()> + Send {
        let _ = (ctx, state);
        async {}
    }

    /// Handles `event` in `state` (the state whose [`handling`](StateMachine::handling) said
    /// `Handle`, maybe below the top of the stack); returns the transition to take.
    fn on_event(
        &mut self,
        ctx: &mut Context<Self::Event>,
        state: Self::State,
        event: Self::Event,
    ) -> impl Future<Output = TransitionOf<Self>> + Send;

    /// The default handler of `state` (if [`has_default`](StateMachine::has_default)): runs
    /// when no event the machine accepts is queued, instead of waiting (Coyote's
    /// `DefaultEvent`). Each run is a scheduling point, so other tasks run between two.
    fn on_default(
        &mut self,
        ctx: &mut Context<Self::Event>,
        state: Self::State,
    ) -> impl Future<Output = TransitionOf<Self>> + Send {
        let _ = (ctx, state);
        async { Transition::Stay }
    }
}

/// Starts `machine` as a controlled task and returns its address. In tests, which event it
/// handles when is explored like every other scheduling point.
#[track_caller]
pub fn create_machine<M: StateMachine>(machine: M) -> ActorRef<M::Event> {
    super::start::<M, _, _, _, _>(machine, super::dispatch::run, super::dispatch::run)
}
