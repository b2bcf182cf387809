//! [`Shared`]: a controlled "register" for the plain loads and stores of the C programs.
//!
//! SCTBench's schedulers make every synchronisation operation and every access to a *racy*
//! variable (one a race detector flagged) a scheduling point, and run the code between two such
//! operations atomically. The ports do the same: a variable the C program accesses without a
//! consistent lock is a `Shared`, and its asynchronous [`load`](Shared::load),
//! [`store`](Shared::store) and [`rmw`](Shared::rmw) (an atomic read-modify-write: `exchange`,
//! `compare_exchange`, `fetch_add`, ...) each first yield to the scheduler, declaring the read or
//! write (`task::yield_read` / `task::yield_write`) so race-aware strategies see the races. Accesses the program
//! always makes under a lock are not scheduling points ([`get`](Shared::get) and
//! [`set`](Shared::set)), or the data simply lives inside the `sync::Mutex`.
//!
//! The value itself sits in a `std::sync::Mutex` that is never held across an `.await`, so it
//! only makes the cell `Sync`; it never blocks (in test mode one task runs at a time).

use coyote_harness::task;
use std::fmt;
use std::future::Future;

/// A shared variable whose accesses are scheduling points.
pub struct Shared<T> {
    cell: std::sync::Mutex<T>,
}

impl<T: Copy + Send> Shared<T> {
    /// A variable with an initial value.
    pub const fn new(value: T) -> Self {
        Shared {
            cell: std::sync::Mutex::new(value),
        }
    }

    /// Reads the value, after a scheduling point (a racy load).
    #[track_caller]
    pub fn load(&self) -> impl Future<Output = T> + Send + '_ {
        let point = task::yield_read(self);
        async move {
            point.await;
            self.get()
        }
    }

    /// Writes the value, after a scheduling point (a racy store).
    #[track_caller]
    pub fn store(&self, value: T) -> impl Future<Output = ()> + Send + '_ {
        let point = task::yield_write(self);
        async move {
            point.await;
            self.set(value)
        }
    }

    /// An atomic read-modify-write after a single scheduling point; returns what `f` returns.
    #[track_caller]
    pub fn rmw<'a, R, F>(&'a self, f: F) -> impl Future<Output = R> + Send + 'a
    where
        F: FnOnce(&mut T) -> R + Send + 'a,
        R: 'a,
    {
        let point = task::yield_write(self);
        async move {
            point.await;
            f(&mut self.cell.lock().unwrap_or_else(|e| e.into_inner()))
        }
    }

    /// Atomic exchange: stores `value`, returns the previous value.
    #[track_caller]
    pub fn exchange(&self, value: T) -> impl Future<Output = T> + Send + '_ {
        self.rmw(move |v| std::mem::replace(v, value))
    }

    /// Reads the value without a scheduling point (an access the program protects with a lock).
    pub fn get(&self) -> T {
        *self.cell.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the value without a scheduling point (an access the program protects with a lock).
    pub fn set(&self, value: T) {
        *self.cell.lock().unwrap_or_else(|e| e.into_inner()) = value;
    }
}

impl<T: Copy + Send + PartialEq> Shared<T> {
    /// Atomic compare-and-swap: `Ok(previous)` if the value was `current` and is now `new`,
    /// `Err(actual)` otherwise.
    #[track_caller]
    pub fn compare_exchange(
        &self,
        current: T,
        new: T,
    ) -> impl Future<Output = Result<T, T>> + Send + '_ {
        self.rmw(move |v| {
            if *v == current {
                *v = new;
                Ok(current)
            } else {
                Err(*v)
            }
        })
    }
}

impl<T: Copy + Send + Default> Default for Shared<T> {
    fn default() -> Self {
        Shared::new(T::default())
    }
}

impl<T: Copy + Send + fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Shared").field(&self.get()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_harness::{check, Config};
    use std::sync::Arc;

    #[test]
    fn loads_and_stores_are_scheduling_points() {
        // A lost update needs the two increments to interleave between load and store.
        let lost = std::panic::catch_unwind(|| {
            check(
                || async {
                    let x = Arc::new(Shared::new(0));
                    let x2 = x.clone();
                    let t = task::spawn(async move {
                        let v = x2.load().await;
                        x2.store(v + 1).await;
                    });
                    let v = x.load().await;
                    x.store(v + 1).await;
                    t.await.unwrap();
                    assert_eq!(x.load().await, 2, "lost update");
                },
                Config::new()
                    .iterations(200)
                    .trace_dir(std::env::temp_dir().join("coyote-sctbench")),
            )
        });
        assert!(lost.is_err(), "the lost update must be found");
    }

    #[test]
    fn rmw_is_atomic() {
        check(
            || async {
                let x = Arc::new(Shared::new(0));
                let x2 = x.clone();
                let t = task::spawn(async move {
                    x2.rmw(|v| *v += 1).await;
                });
                x.rmw(|v| *v += 1).await;
                t.await.unwrap();
                assert_eq!(x.load().await, 2);
                assert_eq!(x.compare_exchange(2, 5).await, Ok(2));
                assert_eq!(x.compare_exchange(2, 7).await, Err(5));
                assert_eq!(x.exchange(1).await, 5);
            },
            Config::new().iterations(200),
        );
    }
}
