//! The production inbox: the receiving end of an actor's inbox outside tests, owned by the
//! actor's own task (in its [`Context`](super::Context)), over the mailbox's production queue
//! (`queue`: what the actor's addresses push).
//!
//! Only the actor takes from its inbox, so the events it defers (skipped by a filter) stay in a
//! queue of its own, `deferred`, instead of the shared one, scanned under its lock: a send is
//! one push on the queue, a dequeue one pop when nothing is deferred.
//!
//! Invariants:
//!
//! * every event in `deferred` was sent before every event still in the queue, so "the first
//!   queued event the filter accepts" is the first in `deferred`, else the first in the queue
//!   (an event the filter skips joins the end of `deferred`, keeping the order);
//! * the queue carries [`Letter`]s, as small as the event allows: an event sent by one of the
//!   actor's timers (rare: real time paces them) is boxed with its timer's id, so that an event
//!   any other task sent is the letter's only payload (every event is copied through the
//!   queue);
//! * [`Letter::Wake`] carries no event: the mailbox sends one when its last address goes, so a
//!   waiting actor looks at whether it is orphaned. An actor is orphaned when no address is left,
//!   no timer is live and nothing accepted is queued; nothing can then be sent to it, so the
//!   check drains the queue without waiting;
//! * the timers learn who sent every event taken (as in test mode), and only when some timer was
//!   started (`Timers` skips the bookkeeping otherwise);
//! * after [`discard`](Inbox::discard) the queue is closed: later sends fail and are dropped;
//! * the inbox is made with its mailbox's production queue (`Mailbox::new`), so that queue is
//!   there whenever an inbox looks at it ([`queue`]).

use super::mailbox::{Dequeued, Envelope, Mailbox, Wait};
use super::queue::Queue;
use super::timer::{Sent, TimerId};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::task::{Context as TaskContext, Poll};

/// What the production queue carries.
pub(crate) enum Letter<E> {
    /// An event sent by a task (or an actor) other than the actor's timers.
    Event(E),
    /// An event sent by the actor's timer.
    Timed(Box<(E, TimerId)>),
    /// The built-in halt event.
    Halt,
    /// The last address went (see the module docs).
    Wake,
}

impl<E> Letter<E> {
    /// The user event it carries, if any.
    #[inline]
    fn event(&self) -> Option<&E> {
        match self {
            Letter::Event(e) => Some(e),
            Letter::Timed(t) => Some(&t.0),
            Letter::Halt | Letter::Wake => None,
        }
    }
}

impl<E> From<Envelope<E>> for Letter<E> {
    /// A production send: only a timer's events name who sent them (the tick an event holds is
    /// test-mode bookkeeping, never made in production).
    fn from(env: Envelope<E>) -> Self {
        match env {
            Envelope::Event(e, sent) => match sent.timer {
                Some(id) => Letter::Timed(Box::new((e, id))),
                None => Letter::Event(e),
            },
            Envelope::Halt => Letter::Halt,
        }
    }
}

/// The actor's side of its production inbox.
pub(crate) struct Inbox<E> {
    /// Events taken out of the queue that no filter accepted yet, in send order.
    deferred: VecDeque<Letter<E>>,
}

/// The production queue of `mailbox`, whose inbox this is (see the module docs).
#[inline(always)]
fn queue<E>(mailbox: &Mailbox<E>) -> &Queue<E> {
    match &mailbox.prod {
        Some(queue) => queue,
        None => unreachable!("a production inbox's mailbox has a queue"),
    }
}

/// What to do with one letter a dequeue found.
enum Found<E> {
    Take(Dequeued<E>),
    Skip(Letter<E>),
    Wake,
}

impl<E: Send + std::fmt::Debug + 'static> Inbox<E> {
    pub(crate) fn new() -> Self {
        Inbox {
            deferred: VecDeque::new(),
        }
    }

    /// Sorts `letter`: accepted (taken, the timers told), skipped, or a wake-up.
    #[inline(always)]
    fn sort(
        mailbox: &Mailbox<E>,
        letter: Letter<E>,
        halts: bool,
        wanted: &mut impl FnMut(&E) -> bool,
    ) -> Found<E> {
        match letter {
            Letter::Event(e) if wanted(&e) => {
                mailbox.timers.taken_untimed();
                Found::Take(Dequeued::Event(e))
            }
            other => Self::sort_other(mailbox, other, halts, wanted),
        }
    }

    /// [`sort`](Self::sort) of what is not an event taken (out of the hot path).
    #[inline(never)]
    fn sort_other(
        mailbox: &Mailbox<E>,
        letter: Letter<E>,
        halts: bool,
        wanted: &mut impl FnMut(&E) -> bool,
    ) -> Found<E> {
        match letter {
            Letter::Event(e) => Found::Skip(Letter::Event(e)),
            Letter::Timed(t) => {
                if wanted(&t.0) {
                    let (e, id) = *t;
                    mailbox.timers.taken(Sent {
                        timer: Some(id),
                        origin: None,
                    });
                    Found::Take(Dequeued::Event(e))
                } else {
                    Found::Skip(Letter::Timed(t))
                }
            }
            Letter::Halt if halts => Found::Take(Dequeued::Halt),
            Letter::Halt => Found::Skip(Letter::Halt),
            Letter::Wake => Found::Wake,
        }
    }

    /// The first deferred envelope accepted, taken out.
    #[inline]
    fn take_deferred(
        &mut self,
        mailbox: &Mailbox<E>,
        halts: bool,
        wanted: &mut impl FnMut(&E) -> bool,
    ) -> Option<Dequeued<E>> {
        if self.deferred.is_empty() {
            return None;
        }
        let at = self.deferred.iter().position(|letter| match letter {
            Letter::Halt => halts,
            other => other.event().is_some_and(&mut *wanted),
        })?;
        match Self::sort(mailbox, self.deferred.remove(at)?, halts, wanted) {
            Found::Take(d) => Some(d),
            _ => None,
        }
    }

    /// Takes what the queue holds without waiting: the first envelope accepted, or `None`
    /// once it is empty (the skipped ones deferred).
    fn try_take(
        &mut self,
        mailbox: &Mailbox<E>,
        halts: bool,
        wanted: &mut impl FnMut(&E) -> bool,
    ) -> Option<Dequeued<E>> {
        loop {
            let env = queue(mailbox).try_pop()?;
            match Self::sort(mailbox, env, halts, wanted) {
                Found::Take(d) => return Some(d),
                Found::Skip(env) => self.deferred.push_back(env),
                Found::Wake => {}
            }
        }
    }

    /// Whether nothing could ever send to the actor again (no address, no live timer).
    fn unreachable(mailbox: &Mailbox<E>) -> bool {
        mailbox.senders.load(Ordering::Acquire) == 0 && !mailbox.timers.any_live()
    }

    /// The run loop's dequeue, as `Mailbox::next` in tests (without the scheduling points).
    pub(crate) async fn next(
        &mut self,
        mailbox: &Mailbox<E>,
        wait: Wait,
        mut wanted: impl FnMut(&E) -> bool,
    ) -> Dequeued<E> {
        // The queue has no cooperative budget of its own (`Running` keeps one): a loop that
        // always finds an event yields as over a tokio channel.
        tokio::task::consume_budget().await;
        if wait.until_orphaned {
            mailbox.timers.handled();
        }
        if let Some(d) = self.take_deferred(mailbox, true, &mut wanted) {
            return d;
        }
        if wait.or_idle {
            if let Some(d) = self.try_take(mailbox, true, &mut wanted) {
                return d;
            }
            // A default handler runs in a loop: let other tokio tasks run.
            tokio::task::yield_now().await;
            return Dequeued::Idle;
        }
        // Nothing deferred is accepted: `poll_next` looks at the queue.
        std::future::poll_fn(|cx| self.poll_next(cx, mailbox, wait.until_orphaned, &mut wanted))
            .await
    }

    /// The run loop's dequeue when it may wait (no default handler), as one poll: what
    /// [`next`](Self::next) returns with `Wait { until_orphaned, or_idle: false }`, without an
    /// `async` layer per event (the run loops poll it directly). The timers are not told that
    /// the last handler returned: the caller does it once per dequeue.
    #[inline]
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut TaskContext<'_>,
        mailbox: &Mailbox<E>,
        until_orphaned: bool,
        wanted: &mut impl FnMut(&E) -> bool,
    ) -> Poll<Dequeued<E>> {
        if let Some(d) = self.take_deferred(mailbox, true, wanted) {
            return Poll::Ready(d);
        }
        loop {
            let env = match queue(mailbox).poll_pop(cx) {
                Poll::Ready(Some(env)) => env,
                // Closed: only once the actor ended.
                Poll::Ready(None) => return Poll::Ready(Dequeued::Orphaned),
                // Looked at before every wait (once unreachable, an actor stays so); what the
                // queue holds first is what the orphan check would take first.
                Poll::Pending => {
                    if until_orphaned && mailbox.senders.load(Ordering::Acquire) == 0 {
                        if let Some(d) = self.orphan_check(mailbox, wanted) {
                            return Poll::Ready(d);
                        }
                    }
                    return Poll::Pending;
                }
            };
            match Self::sort(mailbox, env, true, wanted) {
                Found::Take(d) => return Poll::Ready(d),
                Found::Skip(env) => self.deferred.push_back(env),
                Found::Wake if until_orphaned => {
                    if let Some(d) = self.orphan_check(mailbox, wanted) {
                        return Poll::Ready(d);
                    }
                }
                Found::Wake => {}
            }
        }
    }

    /// [`poll_next`](Self::poll_next) of the run loop of a plain actor (every event wanted,
    /// the halt event too, until orphaned) while nothing is deferred and no timer was started
    /// (the context's `care` is 0): an event as the queue gives it, with no look at the
    /// deferred queue and no timer bookkeeping.
    #[inline]
    pub(crate) fn poll_plain(
        &mut self,
        cx: &mut TaskContext<'_>,
        mailbox: &Mailbox<E>,
    ) -> Poll<Dequeued<E>> {
        loop {
            match queue(mailbox).poll_pop(cx) {
                Poll::Ready(Some(Letter::Event(e))) => return Poll::Ready(Dequeued::Event(e)),
                Poll::Ready(Some(other)) => {
                    if let Some(d) = self.plain_other(mailbox, other) {
                        return Poll::Ready(d);
                    }
                }
                Poll::Ready(None) => return Poll::Ready(Dequeued::Orphaned),
                Poll::Pending => {
                    if mailbox.senders.load(Ordering::Acquire) == 0 {
                        if let Some(d) = self.orphan_check(mailbox, &mut |_| true) {
                            return Poll::Ready(d);
                        }
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    /// [`poll_plain`](Self::poll_plain) of a letter that is not a plain event (out of the hot
    /// path): what the dequeue returns, or `None` to go on.
    #[inline(never)]
    fn plain_other(&mut self, mailbox: &Mailbox<E>, letter: Letter<E>) -> Option<Dequeued<E>> {
        match Self::sort(mailbox, letter, true, &mut |_| true) {
            Found::Take(d) => Some(d),
            Found::Skip(_) => unreachable!("every letter is wanted"),
            Found::Wake => self.orphan_check(mailbox, &mut |_| true),
        }
    }

    /// If nothing can reach the actor any more: what is queued and accepted, else `Orphaned`.
    fn orphan_check(
        &mut self,
        mailbox: &Mailbox<E>,
        wanted: &mut impl FnMut(&E) -> bool,
    ) -> Option<Dequeued<E>> {
        if !Self::unreachable(mailbox) {
            return None;
        }
        Some(
            self.try_take(mailbox, true, wanted)
                .unwrap_or(Dequeued::Orphaned),
        )
    }

    /// `Context::receive`'s dequeue: the first event `wanted` accepts (the halt event stays).
    pub(crate) async fn receive(
        &mut self,
        mailbox: &Mailbox<E>,
        mut wanted: impl FnMut(&E) -> bool,
    ) -> Option<E> {
        if let Some(Dequeued::Event(e)) = self.take_deferred(mailbox, false, &mut wanted) {
            return Some(e);
        }
        loop {
            // No budget of the queue's own (see `next`).
            tokio::task::consume_budget().await;
            let env = std::future::poll_fn(|cx| queue(mailbox).poll_pop(cx)).await?;
            match Self::sort(mailbox, env, false, &mut wanted) {
                Found::Take(Dequeued::Event(e)) => return Some(e),
                Found::Take(_) | Found::Wake => {}
                Found::Skip(env) => self.deferred.push_back(env),
            }
        }
    }

    /// Puts `event` back first (a raised event its state defers).
    pub(crate) fn requeue_front(&mut self, event: E) {
        self.deferred.push_front(Letter::Event(event));
    }
}

impl<E> Inbox<E> {
    /// Closes the queue and drops every queued event (the actor ended, or its task was
    /// dropped; in production nothing logs or counts them), after the queue's lock is released.
    /// A second call finds the queue closed and empty: it does nothing more.
    pub(crate) fn discard(&mut self, mailbox: &Mailbox<E>) {
        let (letters, waker) = queue(mailbox).close();
        drop(letters);
        drop(waker);
        self.deferred.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::Letter;

    #[test]
    fn a_letter_is_its_event_and_at_most_a_word() {
        // Every event is copied through the queue (and an actor's first push allocates room
        // for several letters): each word counts.
        let word = std::mem::size_of::<usize>();
        assert_eq!(std::mem::size_of::<Letter<()>>(), 2 * word);
        assert_eq!(std::mem::size_of::<Letter<u64>>(), 2 * word);
        // An event with a spare tag value: the letter's variants fit in it.
        assert_eq!(std::mem::size_of::<Letter<Option<(u64, u64)>>>(), 3 * word);
        assert_eq!(std::mem::size_of::<Letter<String>>(), 3 * word);
    }
}
