//! Waiting on several futures at once: [`join_all`] (every output, in order), [`select`] and
//! [`when_any`] (the first ready one). Built on `futures-util`'s `MaybeDone` and `Select`.
//!
//! Invariants: the futures are polled in their given order, each at most once per poll of the
//! combinator and never again once done (so which task a `join_all` joins first, and so the
//! decisions, follow the order the caller wrote); ties go to the lowest index.

use crate::rt::with_executor;
use futures_util::future::{self, Either as FutureEither, MaybeDone};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Waits for every future and returns their outputs in order (like `futures::future::join_all`).
/// In the step log, a wait for several tasks at once shows this call's location.
#[track_caller]
pub fn join_all<I>(futures: I) -> JoinAll<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    JoinAll {
        elems: futures
            .into_iter()
            .map(|f| future::maybe_done(Box::pin(f)))
            .collect(),
        loc: Location::caller(),
    }
}

/// The future of [`join_all`].
#[must_use = "futures do nothing unless awaited"]
pub struct JoinAll<F: Future> {
    elems: Box<[MaybeDone<Pin<Box<F>>>]>,
    loc: &'static Location<'static>,
}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let this = self.get_mut();
        let mut all_done = true;
        for e in this.elems.iter_mut() {
            // A done element answers `Ready` without polling its future again.
            if Pin::new(e).poll(cx).is_pending() {
                all_done = false;
            }
        }
        if !all_done {
            let loc = this.loc;
            with_executor(|ex| ex.join_site(loc));
            return Poll::Pending;
        }
        Poll::Ready(
            this.elems
                .iter_mut()
                .map(|e| Pin::new(e).take_output().expect("all futures are done"))
                .collect(),
        )
    }
}

/// Either of two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<L, R> {
    /// The first.
    Left(L),
    /// The second.
    Right(R),
}

/// Waits for the first of two futures; the other is dropped. Ties go to the first.
pub fn select<A: Future, B: Future>(a: A, b: B) -> Select<A, B> {
    Select {
        inner: future::select(Box::pin(a), Box::pin(b)),
    }
}

/// The future of [`select`].
#[must_use = "futures do nothing unless awaited"]
pub struct Select<A, B> {
    inner: future::Select<Pin<Box<A>>, Pin<Box<B>>>,
}

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner).poll(cx).map(|won| match won {
            FutureEither::Left((a, _)) => Either::Left(a),
            FutureEither::Right((b, _)) => Either::Right(b),
        })
    }
}

/// Waits for the first of many futures (Coyote's `WhenAny`); returns its index and output.
/// Ties go to the lowest index.
pub fn when_any<I>(futures: I) -> WhenAny<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    WhenAny {
        elems: futures.into_iter().map(Box::pin).collect(),
    }
}

/// The future of [`when_any`].
#[must_use = "futures do nothing unless awaited"]
pub struct WhenAny<F> {
    elems: Box<[Pin<Box<F>>]>,
}

impl<F: Future> Future for WhenAny<F> {
    type Output = (usize, F::Output);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        for (i, f) in self.elems.iter_mut().enumerate() {
            if let Poll::Ready(v) = f.as_mut().poll(cx) {
                return Poll::Ready((i, v));
            }
        }
        Poll::Pending
    }
}
