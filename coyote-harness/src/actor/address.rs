//! Addresses: [`ActorRef`] (typed by the actor's event type), [`Recipient`] (typed by what the
//! sender sends, for replies to actors of any event type that converts from it), and
//! [`ActorId`], the identity both share.
//!
//! Invariants:
//!
//! * every [`ActorRef`] (and every [`Recipient`], through the `ActorRef` it holds) counts as one
//!   address of its actor: an actor whose last address is gone stops once its inbox is empty;
//! * two addresses are equal, hash and order alike exactly when they name the same actor
//!   (the same [`ActorId`]); ids order by creation within an execution;
//! * sending through a [`Recipient`] is the same scheduling point, on the same inbox, as
//!   sending through the `ActorRef` it came from: only the conversion `E::from` is added.

use super::mailbox::{share, unshare, Mailbox};
use crate::rt::{in_test, writes, OpKind, YieldPoint};
use std::cmp::Ordering;
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

/// An actor's identity: its type name and a number unique among the actors of an execution.
///
/// In tests the number is the actor's task number, the one the step log shows in its `task`
/// column, so it is the same in every replay of a trace; in production it is a process-wide
/// counter. Shown as `Server(2)`, as in the step log. Ids order by creation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActorId {
    number: u64,
    name: &'static str,
}

impl ActorId {
    /// The number (the actor's task in tests).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The actor's type name, without its path (`Server`).
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name, self.number)
    }
}

impl fmt::Debug for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The address of an actor whose events are `E`: send it events from any task. Cheap to clone;
/// when the last address of an actor is dropped and its inbox is empty, the actor stops.
///
/// Addresses compare, hash and order by the actor they name ([`ActorRef::id`]), so they can key
/// a `HashMap` or fill a `BTreeSet`; they print as `Server(2)`.
pub struct ActorRef<E> {
    pub(crate) mailbox: Arc<Mailbox<E>>,
}

impl<E: Send + fmt::Debug + 'static> ActorRef<E> {
    pub(crate) fn new(mailbox: &Arc<Mailbox<E>>) -> Self {
        ActorRef {
            mailbox: share(mailbox),
        }
    }

    /// Sends `event`: it joins the end of the actor's inbox. A scheduling point in tests (so
    /// the order of events from different senders is explored); ready at once in production.
    /// An event sent to a halted actor is dropped, as Coyote does.
    #[track_caller]
    pub fn send(&self, event: E) -> impl Future<Output = ()> + Send + '_ {
        Sending {
            mailbox: &self.mailbox,
            event: Some(event),
            loc: Some(Location::caller()),
        }
    }

    /// Sends the built-in halt event (Coyote's `HaltEvent`): it joins the inbox like any event
    /// and, when the actor dequeues it, the actor halts as [`Context::halt`] makes it (a state
    /// machine runs the exit actions of its states first, top of the stack first). No state
    /// defers or ignores it. A scheduling point, as [`send`](ActorRef::send).
    ///
    /// [`Context::halt`]: super::Context::halt
    #[track_caller]
    pub fn send_halt(&self) -> impl Future<Output = ()> + Send + '_ {
        let loc = Location::caller();
        let point = in_test()
            .then(|| YieldPoint::with_access(OpKind::ActorSend, loc, writes(&*self.mailbox)));
        async move {
            if let Some(point) = point {
                point.await;
            }
            self.mailbox.deliver_halt();
        }
    }

    /// An address for sending `T`s to this actor, each converted with `E::from`: what a server
    /// keeps to reply to clients of different event types (each client's event type converts
    /// from the reply). Counts as an address of the actor, as a clone of this one does.
    ///
    /// ```
    /// use coyote_harness::actor::{ActorRef, Recipient};
    /// # use coyote_harness::actor::{self, Actor, Context};
    /// #[derive(Debug)]
    /// struct Pong(u32);
    ///
    /// #[derive(Debug)]
    /// enum ClientEvent { Pong(u32), Tick }
    /// impl From<Pong> for ClientEvent {
    ///     fn from(p: Pong) -> Self { ClientEvent::Pong(p.0) }
    /// }
    /// # struct Client;
    /// # impl Actor for Client {
    /// #     type Event = ClientEvent;
    /// #     async fn handle(&mut self, _: &mut Context<ClientEvent>, _: ClientEvent) {}
    /// # }
    /// # coyote_harness::check(|| async {
    /// # let client: ActorRef<ClientEvent> = actor::create(Client);
    /// let reply_to: Recipient<Pong> = client.recipient();
    /// reply_to.send(Pong(1)).await; // the client handles ClientEvent::Pong(1)
    /// assert_eq!(reply_to.id(), client.id());
    /// # }, coyote_harness::Config::new().iterations(1));
    /// ```
    pub fn recipient<T>(&self) -> Recipient<T>
    where
        E: From<T>,
        T: Send + 'static,
    {
        Recipient {
            target: Arc::new(self.clone()),
        }
    }

    /// Whether the actor has halted (its events are dropped).
    pub fn is_halted(&self) -> bool {
        self.mailbox.is_halted()
    }
}

impl<E> ActorRef<E> {
    /// The actor's identity (`Server(2)`, as the step log names it).
    pub fn id(&self) -> ActorId {
        ActorId {
            number: self.mailbox.id(),
            name: self.mailbox.name,
        }
    }

    /// The actor's type name (as in the step log).
    pub fn name(&self) -> &'static str {
        self.mailbox.name
    }
}

impl<E> Clone for ActorRef<E> {
    fn clone(&self) -> Self {
        ActorRef {
            mailbox: share(&self.mailbox),
        }
    }
}

impl<E> Drop for ActorRef<E> {
    fn drop(&mut self) {
        unshare(&self.mailbox);
    }
}

impl<E> PartialEq for ActorRef<E> {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl<E> Eq for ActorRef<E> {}

impl<E> Hash for ActorRef<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl<E> PartialOrd for ActorRef<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for ActorRef<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.id().cmp(&other.id())
    }
}

impl<E> fmt::Display for ActorRef<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.id(), f)
    }
}

impl<E> fmt::Debug for ActorRef<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorRef({})", self.id())
    }
}

/// [`ActorRef::send`]'s future: the scheduling point (tests only), then the delivery, in one
/// poll when the point keeps the task (always in production). Hand-written and small, so that
/// a send in production is a check and a channel push, not an `async` state machine.
struct Sending<'a, E> {
    mailbox: &'a Mailbox<E>,
    /// Taken by the poll that delivers it.
    event: Option<E>,
    /// Where the send is, for its scheduling point; `None` once the point was made (test
    /// mode: the next poll delivers).
    loc: Option<&'static Location<'static>>,
}

// Nothing is pinned in place: the event is moved out.
impl<E> Unpin for Sending<'_, E> {}

impl<E: Send + fmt::Debug + 'static> Future for Sending<'_, E> {
    type Output = ();

    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let this = &mut *self;
        // A production inbox: one push on its channel, no thread-local look-up.
        if this.mailbox.deliver_now(&mut this.event) {
            return Poll::Ready(());
        }
        this.poll_test(cx)
    }
}

impl<E: Send + fmt::Debug + 'static> Sending<'_, E> {
    /// The send to a test-mode inbox: the scheduling point, then the delivery.
    #[inline(never)]
    fn poll_test(&mut self, cx: &mut TaskContext<'_>) -> Poll<()> {
        if let Some(loc) = self.loc.take() {
            if in_test() {
                let access = writes(self.mailbox);
                let mut point = YieldPoint::with_access(OpKind::ActorSend, loc, access);
                // Pending once when the strategy switches away: the next poll delivers.
                std::task::ready!(Pin::new(&mut point).poll(cx));
            }
        }
        if let Some(event) = self.event.take() {
            self.mailbox.deliver(event);
        }
        Poll::Ready(())
    }
}

/// What a [`Recipient`] sends through: an address whose event type converts from `T`.
trait Target<T>: Send + Sync {
    fn id(&self) -> ActorId;
    fn point(&self, loc: &'static Location<'static>) -> YieldPoint;
    fn deliver(&self, message: T);
    fn is_halted(&self) -> bool;
}

impl<E, T> Target<T> for ActorRef<E>
where
    E: From<T> + Send + fmt::Debug + 'static,
{
    fn id(&self) -> ActorId {
        ActorRef::id(self)
    }

    fn point(&self, loc: &'static Location<'static>) -> YieldPoint {
        YieldPoint::with_access(OpKind::ActorSend, loc, writes(&*self.mailbox))
    }

    fn deliver(&self, message: T) {
        self.mailbox.deliver(E::from(message));
    }

    fn is_halted(&self) -> bool {
        self.mailbox.is_halted()
    }
}

/// An address typed by what is sent, not by the receiver's event type: a `Recipient<T>` sends
/// `T`s to an actor whose events convert from `T` (`E: From<T>`). Made by
/// [`ActorRef::recipient`] or `.into()`; a server answers several kinds of client by keeping
/// a `Recipient<Reply>` per request, without one event enum shared by all its clients.
///
/// Like an [`ActorRef`] it is an address of its actor, compares by [`ActorId`], and sending
/// through it is a scheduling point.
pub struct Recipient<T> {
    target: Arc<dyn Target<T>>,
}

impl<T: Send + 'static> Recipient<T> {
    /// Sends `message`, converted into the actor's event type: as [`ActorRef::send`].
    #[track_caller]
    pub fn send(&self, message: T) -> impl Future<Output = ()> + Send + '_ {
        let loc = Location::caller();
        let point = in_test().then(|| self.target.point(loc));
        async move {
            if let Some(point) = point {
                point.await;
            }
            self.target.deliver(message);
        }
    }

    /// The identity of the actor it sends to.
    pub fn id(&self) -> ActorId {
        self.target.id()
    }

    /// Whether that actor has halted.
    pub fn is_halted(&self) -> bool {
        self.target.is_halted()
    }
}

impl<E, T> From<ActorRef<E>> for Recipient<T>
where
    E: From<T> + Send + fmt::Debug + 'static,
    T: Send + 'static,
{
    fn from(address: ActorRef<E>) -> Self {
        Recipient {
            target: Arc::new(address),
        }
    }
}

impl<E, T> From<&ActorRef<E>> for Recipient<T>
where
    E: From<T> + Send + fmt::Debug + 'static,
    T: Send + 'static,
{
    fn from(address: &ActorRef<E>) -> Self {
        address.recipient()
    }
}

impl<T> Clone for Recipient<T> {
    fn clone(&self) -> Self {
        Recipient {
            target: self.target.clone(),
        }
    }
}

impl<T: Send + 'static> PartialEq for Recipient<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl<T: Send + 'static> Eq for Recipient<T> {}

impl<T: Send + 'static> Hash for Recipient<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl<T: Send + 'static> PartialOrd for Recipient<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Send + 'static> Ord for Recipient<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.id().cmp(&other.id())
    }
}

impl<T: Send + 'static> fmt::Display for Recipient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.id(), f)
    }
}

impl<T: Send + 'static> fmt::Debug for Recipient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recipient({})", self.id())
    }
}
