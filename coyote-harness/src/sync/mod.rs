//! Synchronisation: thin mirrors of `tokio::sync` whose waiting operations are scheduling points.
//!
//! Each type wraps the tokio primitive of the same name (tokio's sync primitives work under any
//! executor), so production and test mode share one implementation and the same semantics,
//! fairness included. What test mode adds: every operation that can wait (`lock`, `read`,
//! `write`, `acquire`, `notified`, `send` on a bounded channel, `recv`, `get_or_init`) first yields to the
//! strategy, and while it waits, the task is recorded as blocked on that operation at the
//! caller's source line, so a deadlock report names it. Operations that cannot wait (`try_lock`,
//! `notify_one`, unbounded `send`, dropping a guard) are not scheduling points: they run
//! atomically with the code around them.
//!
//! ```
//! use coyote_harness::{sync::Mutex, task};
//! use std::sync::Arc;
//! # coyote_harness::check(|| async {
//! let counter = Arc::new(Mutex::new(0));
//! let c = counter.clone();
//! let t = task::spawn(async move { *c.lock().await += 1 });
//! *counter.lock().await += 1;
//! t.await.unwrap();
//! assert_eq!(*counter.lock().await, 2);
//! # }, coyote_harness::Config::new().iterations(20));
//! ```

/// A channel end's `Debug` is its kind alone (`mpsc::Sender { .. }`): an event that carries a
/// reply channel stays one short line in the step log, where tokio's shows the channel's
/// internals (which also change with the schedule).
macro_rules! short_debug {
    ($($ty:ident => $name:literal),* $(,)?) => {$(
        impl<T> std::fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($name)
            }
        }
    )*};
}

mod barrier;
pub mod broadcast;
mod guards;
mod locks;
pub mod mpsc;
mod notify;
mod once_cell;
pub mod oneshot;
mod owned;
mod set_once;
pub mod watch;

use coyote_core::strategy::Access;
use std::sync::atomic::{AtomicU64, Ordering};

pub use barrier::{Barrier, BarrierWaitResult};
pub use guards::{MutexGuard, RwLockReadGuard, RwLockWriteGuard, SemaphorePermit};
pub use locks::{Mutex, RwLock, Semaphore};
pub use notify::{Notified, Notify, OwnedNotified};
pub use once_cell::{OnceCell, SetError};
pub use owned::{
    Owned, OwnedMutexGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, OwnedSemaphorePermit,
};
pub use set_once::{SetOnce, SetOnceError};
pub use tokio::sync::{AcquireError, TryAcquireError, TryLockError};

/// A fresh channel identity, as the access its waiting operations make (`write`: an `mpsc`
/// receive takes a message another receive would get; a `watch` or `broadcast` wait only
/// reads): a process-wide counter with the top bit set, so it never equals an address (the
/// identity of the other primitives). A channel's ends are separate values, so they share this
/// instead of an address.
pub(crate) fn channel_access(write: bool) -> Access {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    Access {
        object: NEXT.fetch_add(1, Ordering::Relaxed) | 1 << 63,
        write,
    }
}
