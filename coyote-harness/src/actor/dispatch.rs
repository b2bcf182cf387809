//! The run loop of a [`StateMachine`]: which state handles an event, and how transitions are
//! taken (the rules are documented on [`StateMachine`] and [`Transition`]).
//!
//! Invariants:
//!
//! * the machine is always in the state on top of `stack`, which is never empty (popping the
//!   last state is a bug in the machine, reported as a panic in its task);
//! * `goto` runs the old state's exit, then the new state's entry; `push` runs only the new
//!   state's entry (the state below stays entered); `pop` runs only the popped state's exit; a
//!   transition asked by a handler of a state below the top first pops the states above it;
//! * an entry's transition is taken at once, in a loop (no recursion, no allocation), so a
//!   chain of entries that each go on is one step of the machine, as raised transitions are in
//!   Coyote; an exit cannot transition;
//! * `raised` holds at most one event (one transition per action), handled before the next
//!   dequeue; a dequeue takes the first event the stack does not defer;
//! * a halt (by [`Context::halt`], `Transition::Halt` or the halt event) stops what is being
//!   done at the next step of the loop: no later exit, entry or transition runs;
//! * entering, leaving and every transition are logged with the states' `Debug` names, and
//!   counted for `--coverage` (with the declared [`StateMachine::STATES`] never entered at 0).

use super::context::Context;
use super::machine::{Handling, StateMachine, Transition, TransitionOf};
use super::mailbox::{count, count_n, count_transition, note, Dequeued, Mailbox, Wait};
use crate::rt::Activity;
use coyote_core::trace::BugKind;
use std::sync::Arc;

/// The events the runtime makes, as coverage names them.
#[derive(Debug)]
enum Builtin {
    DefaultEvent,
    HaltEvent,
}

struct Machine<M: StateMachine> {
    m: M,
    ctx: Context<M::Event>,
    mailbox: Arc<Mailbox<M::Event>>,
    stack: Vec<M::State>,
    raised: Option<M::Event>,
}

/// The first state at or below `below` (an index into `stack`, exclusive) that does not leave
/// `event` to the states below it, and what it does with it.
fn lookup<M: StateMachine>(
    stack: &[M::State],
    below: usize,
    event: &M::Event,
) -> Option<(usize, Handling)> {
    stack[..below]
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, &s)| match M::handling(s, event) {
            Handling::Unhandled => None,
            h => Some((i, h)),
        })
}

pub(crate) async fn run<M: StateMachine>(m: M, ctx: Context<M::Event>) {
    let initial = m.initial();
    let mailbox = ctx.mailbox.clone();
    let mut machine = Machine {
        m,
        ctx,
        mailbox,
        stack: vec![initial],
        raised: None,
    };
    let orphaned = machine.run(initial).await;
    machine.ctx.finish(orphaned);
}

impl<M: StateMachine> Machine<M> {
    fn top(&self) -> M::State {
        *self.stack.last().expect("never empty")
    }

    /// Runs the machine until it halts (`false`) or no address is left (`true`).
    async fn run(&mut self, initial: M::State) -> bool {
        let name = self.mailbox.name;
        note(format_args!("{} enters {initial:?}", self.mailbox.label()));
        for state in M::STATES {
            count_n(name, Activity::Entered, state, 0);
        }
        count(name, Activity::Entered, &initial);
        let t = self.m.on_entry(&mut self.ctx, initial, None).await;
        self.take(t, 0).await;
        while !self.ctx.is_halting() {
            if let Some(event) = self.raised.take() {
                self.dispatch(event, "raised ").await;
                continue;
            }
            let default = self.default_state();
            let wait = Wait {
                until_orphaned: default.is_none(),
                or_idle: default.is_some(),
            };
            // Borrowed `&mut` (only read): a `&mut` is `Send` when the states are, a `&` only
            // when they are `Sync` too.
            let stack = &mut self.stack;
            let wanted = move |e: &M::Event| {
                lookup::<M>(stack, stack.len(), e).map_or(true, |(_, h)| h != Handling::Defer)
            };
            match self.ctx.next(wait, wanted).await {
                Dequeued::Event(event) => self.dispatch(event, "").await,
                Dequeued::Halt => self.halt_event().await,
                Dequeued::Idle => self.default(default.expect("asked for idle")).await,
                Dequeued::Orphaned => return true,
            }
        }
        false
    }

    /// The state whose default handler runs when nothing is queued, if any.
    fn default_state(&self) -> Option<usize> {
        self.stack.iter().rposition(|&s| M::has_default(s))
    }

    /// Handles `event` by the rules of the stack (`raised`: "raised " for a raised event).
    async fn dispatch(&mut self, mut event: M::Event, raised: &str) {
        let label = self.mailbox.label();
        let top = self.stack.len() - 1;
        let current = self.top();
        let mut below = self.stack.len();
        loop {
            match lookup::<M>(&self.stack, below, &event) {
                None => return self.unhandled(event, current),
                Some((_, Handling::Ignore)) => {
                    note(format_args!(
                        "{label} ignores {raised}{event:?} in {current:?}"
                    ));
                    count(self.mailbox.name, Activity::Dropped, &event);
                    return;
                }
                Some((_, Handling::Defer)) => {
                    // Only a raised event, or one a handler gave back, gets here.
                    note(format_args!(
                        "{label} defers {raised}{event:?} in {current:?}"
                    ));
                    self.ctx.requeue_front(event);
                    return;
                }
                Some((i, _)) => {
                    let state = self.stack[i];
                    if i == top {
                        note(format_args!(
                            "{label} handles {raised}{event:?} in {state:?}"
                        ));
                    } else {
                        note(format_args!(
                            "{label} handles {raised}{event:?} in {current:?} with the handler of {state:?}"
                        ));
                    }
                    count(self.mailbox.name, Activity::Handled, &event);
                    match self.m.on_event(&mut self.ctx, state, event).await {
                        Transition::Unhandled(back) => {
                            note(format_args!("{label}: {state:?} does not handle {back:?}"));
                            event = back;
                            below = i;
                        }
                        t => return self.take(t, i).await,
                    }
                }
            }
        }
    }

    /// Runs the default handler of the state at `at` (nothing was queued).
    async fn default(&mut self, at: usize) {
        let state = self.stack[at];
        note(format_args!(
            "{} handles DefaultEvent in {:?}",
            self.mailbox.label(),
            self.top()
        ));
        count(self.mailbox.name, Activity::Handled, &Builtin::DefaultEvent);
        let t = self.m.on_default(&mut self.ctx, state).await;
        self.take(t, at).await;
    }

    /// The built-in halt event: every state's exit, top first, then the halt.
    async fn halt_event(&mut self) {
        note(format_args!("{} handles HaltEvent", self.mailbox.label()));
        count(self.mailbox.name, Activity::Handled, &Builtin::HaltEvent);
        for i in (0..self.stack.len()).rev() {
            if self.ctx.is_halting() {
                break;
            }
            self.m.on_exit(&mut self.ctx, self.stack[i]).await;
        }
        self.ctx.halt();
    }

    /// An event no state on the stack handles, in `state` (the top).
    fn unhandled(&mut self, event: M::Event, state: M::State) {
        let label = self.mailbox.label();
        if !M::UNHANDLED_IS_BUG {
            note(format_args!(
                "{label} drops unhandled {event:?} in {state:?}"
            ));
            count(self.mailbox.name, Activity::Dropped, &event);
            return;
        }
        let below = match self.stack.len() {
            1 => String::new(),
            _ => format!(", pushed on {:?}", &self.stack[..self.stack.len() - 1]),
        };
        crate::spec::fail(
            BugKind::Assertion,
            format!(
                "{label} received event {event:?} that cannot be handled in state {state:?}{below} (no state on its stack handles, defers or ignores it)"
            ),
            self.ctx.loc,
        )
    }

    /// Takes transition `t`, asked by the handler of the state at `from`, and the transitions
    /// the entries it leads to ask for.
    async fn take(&mut self, mut t: TransitionOf<M>, mut from: usize) {
        loop {
            if self.ctx.is_halting() {
                return;
            }
            let (state, event) = match t {
                Transition::Stay => return,
                Transition::Halt => return self.ctx.halt(),
                Transition::Raise(e) => {
                    note(format_args!("{} raises {e:?}", self.mailbox.label()));
                    self.raised = Some(e);
                    return;
                }
                Transition::Unhandled(e) => return self.unhandled(e, self.top()),
                Transition::Goto(to) => (self.goto(from, to).await, None),
                Transition::GotoWith(to, e) => (self.goto(from, to).await, Some(e)),
                Transition::Push(to) => (self.push(from, to).await, None),
                Transition::PushWith(to, e) => (self.push(from, to).await, Some(e)),
                Transition::Pop => {
                    if self.pop_above(from).await {
                        self.pop().await;
                    }
                    return;
                }
                Transition::PopGoto(to) => {
                    let popped = self.pop_above(from).await && self.pop().await;
                    if !popped {
                        return;
                    }
                    (self.goto(self.stack.len() - 1, to).await, None)
                }
            };
            let Some(state) = state else {
                return;
            };
            count(self.mailbox.name, Activity::Entered, &state);
            t = self.m.on_entry(&mut self.ctx, state, event).await;
            from = self.stack.len() - 1;
        }
    }

    /// Goto from the state at `from` to `to` (popping the states above it first); the state
    /// to enter, or `None` if the machine halted on the way.
    async fn goto(&mut self, from: usize, to: M::State) -> Option<M::State> {
        if !self.pop_above(from).await {
            return None;
        }
        let state = self.top();
        self.m.on_exit(&mut self.ctx, state).await;
        if self.ctx.is_halting() {
            return None;
        }
        *self.stack.last_mut().expect("never empty") = to;
        self.moved("goto", state, to);
        Some(to)
    }

    /// Push `to` over the state at `from` (popping the states above it first).
    async fn push(&mut self, from: usize, to: M::State) -> Option<M::State> {
        if !self.pop_above(from).await {
            return None;
        }
        self.moved("push", self.top(), to);
        self.stack.push(to);
        Some(to)
    }

    /// Pops the states above the one at `from`; whether the machine is still running.
    async fn pop_above(&mut self, from: usize) -> bool {
        while self.stack.len() - 1 > from {
            if !self.pop().await {
                return false;
            }
        }
        true
    }

    /// Pops the top state (its exit runs); whether the machine is still running.
    async fn pop(&mut self) -> bool {
        let state = self.top();
        if self.stack.len() == 1 {
            panic!(
                "state machine {} popped its last state {state:?}",
                self.mailbox.label()
            );
        }
        self.m.on_exit(&mut self.ctx, state).await;
        if self.ctx.is_halting() {
            return false;
        }
        self.stack.pop();
        self.moved("pop", state, self.top());
        true
    }

    /// Logs a transition, and counts it for coverage.
    fn moved(&self, how: &str, from: M::State, to: M::State) {
        note(format_args!(
            "{}: {how} {from:?} -> {to:?}",
            self.mailbox.label()
        ));
        count_transition(self.mailbox.name, &from, &to);
    }
}
