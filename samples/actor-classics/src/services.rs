//! Actor services, each with the bug a user makes and its fixed twin:
//!
//! * a monitor registered per test, with named states: the batcher writes a batch only when it
//!   holds two writes, so a lone write is never written; the `Written` monitor, hot from the
//!   test's start (`export_tests!(.. with monitors(Written))`), catches it though nothing ever
//!   notifies it; the fixed batcher flushes a lone write on a timer;
//! * the halt event: a journal halted (`send_halt`) before a writer's entries reach it drops
//!   them; halting after the writer is done keeps them;
//! * identity and typed replies: a lookup server that answers the last client it heard from,
//!   instead of the one that asked, sends a browser's answer to a phone; answering through the
//!   `Recipient` each request carries reaches clients of different event types.

use coyote_harness::actor::{self, Actor, ActorId, Context, Recipient, TimerId};
use coyote_harness::spec::{self, Monitor, Temperature};
use coyote_harness::task;
use std::fmt;
use std::time::Duration;

// ----- the batcher: a monitor registered per test, and its states -----

/// The `Written` monitor's states.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// A write is owed.
    #[default]
    Owed,
    /// Every write the test made is written.
    Written,
}

/// Liveness: the test's write is written. Hot from its start: registered with the test.
#[derive(Debug, Default)]
pub struct Written {
    phase: Durability,
}

/// A batch was written.
pub struct BatchWritten;

impl Monitor for Written {
    type Event = BatchWritten;
    const STATES: &'static [&'static str] = &["Owed", "Written"];

    fn on_event(&mut self, _: BatchWritten) {
        self.phase = Durability::Written;
    }

    fn temperature(&self) -> Temperature {
        match self.phase {
            Durability::Owed => Temperature::Hot,
            Durability::Written => Temperature::Cold,
        }
    }

    fn state(&self) -> Option<&dyn fmt::Debug> {
        Some(&self.phase)
    }
}

/// What the batcher is told.
#[derive(Debug)]
pub enum BatchEvent {
    /// Write this value.
    Write(u32),
    /// The flush timer fired.
    Flush,
}

struct Batcher {
    fixed: bool,
    pending: Vec<u32>,
    timer: Option<TimerId>,
}

impl Batcher {
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            self.pending.clear();
            spec::monitor::<Written>(BatchWritten);
        }
    }
}

impl Actor for Batcher {
    type Event = BatchEvent;
    async fn handle(&mut self, ctx: &mut Context<BatchEvent>, event: BatchEvent) {
        match event {
            BatchEvent::Write(v) => {
                self.pending.push(v);
                if self.pending.len() >= 2 {
                    self.flush();
                } else if self.fixed && self.timer.is_none() {
                    self.timer = Some(ctx.start_timer(Duration::from_millis(5), BatchEvent::Flush));
                }
                // BUG (unless fixed): a lone write waits for a second one for ever.
            }
            BatchEvent::Flush => {
                self.timer = None;
                self.flush();
            }
        }
    }
}

/// One write to the batcher.
pub async fn batcher(fixed: bool) {
    let batcher = actor::create(Batcher {
        fixed,
        pending: Vec::new(),
        timer: None,
    });
    batcher.send(BatchEvent::Write(1)).await;
}

// ----- the journal: the halt event -----

/// The journal's entries are all in: liveness, registered with the test.
#[derive(Debug, Default)]
pub struct Journaled {
    entries: u32,
}

/// Entry `n` reached the journal.
pub struct Entered(u32);

/// Entries the writer makes.
const ENTRIES: u32 = 2;

impl Monitor for Journaled {
    type Event = Entered;
    fn on_event(&mut self, Entered(n): Entered) {
        spec::assert(n == self.entries, "journal entries out of order");
        self.entries += 1;
    }
    fn temperature(&self) -> Temperature {
        if self.entries < ENTRIES {
            Temperature::Hot
        } else {
            Temperature::Cold
        }
    }
}

/// A journal entry.
#[derive(Debug)]
pub struct Entry(u32);

struct Journal;

impl Actor for Journal {
    type Event = Entry;
    async fn handle(&mut self, _: &mut Context<Entry>, Entry(n): Entry) {
        spec::monitor::<Journaled>(Entered(n));
    }
}

/// A writer makes its entries; the journal is halted when the work is done.
pub async fn journal(fixed: bool) {
    let journal = actor::create(Journal);
    let j = journal.clone();
    let writer = task::spawn(async move {
        for n in 0..ENTRIES {
            j.send(Entry(n)).await;
        }
    });
    if fixed {
        writer.await.expect("the writer runs to its end");
        journal.send_halt().await;
    } else {
        // BUG (unless fixed): halted while the writer may not have sent everything yet.
        journal.send_halt().await;
        writer.await.expect("the writer runs to its end");
    }
}

// ----- the lookup server: identity and typed replies -----

/// An answer: the number asked about, and the client that asked it.
#[derive(Debug)]
pub struct Answer(u32, ActorId);

/// What the server is told.
#[derive(Debug)]
pub enum LookupEvent {
    /// Look `n` up and answer `to`.
    Lookup(u32, Recipient<Answer>),
    /// The store found `n`.
    Found(u32),
}

struct Server {
    fixed: bool,
    /// Requests waiting for the store, by number, with whom to answer.
    waiting: Vec<(u32, Recipient<Answer>)>,
    /// The client the server last heard from.
    last: Option<Recipient<Answer>>,
}

impl Actor for Server {
    type Event = LookupEvent;
    async fn handle(&mut self, ctx: &mut Context<LookupEvent>, event: LookupEvent) {
        match event {
            LookupEvent::Lookup(n, to) => {
                self.last = Some(to.clone());
                self.waiting.push((n, to));
                // The store answers later (another event, so other requests come between).
                ctx.me().send(LookupEvent::Found(n)).await;
            }
            LookupEvent::Found(n) => {
                let at = self.waiting.iter().position(|(m, _)| *m == n);
                let (_, asked) = self.waiting.remove(at.expect("a request waits"));
                // BUG (unless fixed): answers whoever spoke last.
                let asker = asked.id();
                let to = if self.fixed {
                    asked
                } else {
                    self.last.clone().expect("someone asked")
                };
                to.send(Answer(n, asker)).await;
            }
        }
    }
}

/// A browser's events: answers, among others.
#[derive(Debug)]
pub enum BrowserEvent {
    /// An answer.
    Answer(Answer),
}

impl From<Answer> for BrowserEvent {
    fn from(a: Answer) -> Self {
        BrowserEvent::Answer(a)
    }
}

/// A phone's events: answers, among others.
#[derive(Debug)]
pub enum PhoneEvent {
    /// An answer.
    Answer(Answer),
}

impl From<Answer> for PhoneEvent {
    fn from(a: Answer) -> Self {
        PhoneEvent::Answer(a)
    }
}

/// A client that asked about `asked` and checks the answer is its own.
struct Client<E> {
    asked: u32,
    _event: std::marker::PhantomData<fn() -> E>,
}

fn check(me: ActorId, asked: u32, Answer(n, asker): Answer) {
    spec::assert(
        n == asked,
        format!("{me} asked about {asked} and was sent the answer to {asker}'s request about {n}"),
    );
}

impl Actor for Client<BrowserEvent> {
    type Event = BrowserEvent;
    async fn handle(
        &mut self,
        ctx: &mut Context<BrowserEvent>,
        BrowserEvent::Answer(a): BrowserEvent,
    ) {
        check(ctx.id(), self.asked, a);
    }
}

impl Actor for Client<PhoneEvent> {
    type Event = PhoneEvent;
    async fn handle(&mut self, ctx: &mut Context<PhoneEvent>, PhoneEvent::Answer(a): PhoneEvent) {
        check(ctx.id(), self.asked, a);
    }
}

/// A browser and a phone ask the server about different numbers.
pub async fn lookup(fixed: bool) {
    let server = actor::create(Server {
        fixed,
        waiting: Vec::new(),
        last: None,
    });
    let browser = actor::create(Client::<BrowserEvent> {
        asked: 1,
        _event: std::marker::PhantomData,
    });
    let phone = actor::create(Client::<PhoneEvent> {
        asked: 2,
        _event: std::marker::PhantomData,
    });
    let s = server.clone();
    let b = browser.recipient();
    let asks = task::spawn(async move { s.send(LookupEvent::Lookup(1, b)).await });
    server.send(LookupEvent::Lookup(2, phone.recipient())).await;
    asks.await.expect("the browser's request is sent");
}
