//! SCTBench programs as threads: the pthread originals written against
//! `coyote_harness::std::{thread, sync}`, closer to the C than the task ports.
//!
//! A pthread is a [`thread::spawn`]ed thread, joined with `join` where the C joins and left
//! running where it does not (`account`, `fib_bench`); a `pthread_mutex` is a `Mutex` holding
//! the data it protects; a global the C program accesses with no consistent lock (a data race
//! there) is an atomic accessed `Relaxed`, C11 atomics keep their ordering. `assert` is
//! `assert!`: in a joined thread its panic reaches `main` through [`join_all`], as an `abort`
//! would end the C program; in a detached one the harness reports it. Every atomic access, lock
//! and join is a scheduling point; code between them runs atomically, as SCTBench's schedulers
//! see a program.
//!
//! | program | verdict of the original | fixed variant |
//! |---|---|---|
//! | `threads_account` | bug (ordering, assertion) | `threads_account_fixed` |
//! | `threads_lazy01` | bug (ordering, assertion) | none |
//! | `threads_carter01` | bug (deadlock) | `threads_carter01_fixed` |
//! | `threads_stack` | bug (ordering, assertion) | `threads_stack_fixed` |
//! | `threads_queue` | bug (ordering, assertion) | `threads_queue_fixed` |
//! | `threads_reorder_3`, `threads_reorder_10`, `threads_reorder_20` | bug (atomicity, assertion) | `threads_reorder_3_fixed`, `threads_reorder_10_fixed` |
//! | `threads_twostage` | bug (atomicity, assertion) | `threads_twostage_fixed` |
//! | `threads_wronglock`, `threads_wronglock_3` | bug (wrong lock, assertion) | `threads_wronglock_fixed` |
//! | `threads_safestack` | bug (ABA, assertion) | none |
//! | `threads_fib_bench` | bug (deep interleaving, assertion) | `threads_fib_bench_fixed` |
//!
//! [`thread::spawn`]: coyote_harness::std::thread::spawn

mod fib_bench;
mod locked;
mod queue;
mod racy;
mod safestack;

pub use fib_bench::{threads_fib_bench, threads_fib_bench_fixed};
pub use locked::{
    threads_account, threads_account_fixed, threads_carter01, threads_carter01_fixed,
    threads_lazy01, threads_stack, threads_stack_fixed,
};
pub use queue::{threads_queue, threads_queue_fixed};
pub use racy::{
    threads_reorder_10, threads_reorder_10_fixed, threads_reorder_20, threads_reorder_3,
    threads_reorder_3_fixed, threads_twostage, threads_twostage_fixed, threads_wronglock,
    threads_wronglock_3, threads_wronglock_fixed,
};
pub use safestack::threads_safestack;

use coyote_harness::std::sync::{Mutex, MutexGuard};
use coyote_harness::std::thread::JoinHandle;

/// Locks `m`, ignoring poison: a pthread mutex has none, and a thread whose assertion failed
/// while holding it must not turn the other threads' next lock into the reported failure.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Joins every thread in order; a thread's panic (its failed assertion) is resumed in the
/// caller, with its message, once all are joined, as the C program would have aborted.
pub fn join_all(threads: Vec<JoinHandle<()>>) {
    let mut first = None;
    for t in threads {
        if let Err(e) = t.join() {
            first.get_or_insert(e);
        }
    }
    if let Some(e) = first {
        std::panic::resume_unwind(e);
    }
}

/// Each thread program's entry point and whether the original has a bug (`true`) or passes
/// (`false`), in the order of the table above.
pub static THREAD_PROGRAMS: &[(&str, bool)] = &[
    ("threads_account", true),
    ("threads_account_fixed", false),
    ("threads_lazy01", true),
    ("threads_carter01", true),
    ("threads_carter01_fixed", false),
    ("threads_stack", true),
    ("threads_stack_fixed", false),
    ("threads_queue", true),
    ("threads_queue_fixed", false),
    ("threads_reorder_3", true),
    ("threads_reorder_3_fixed", false),
    ("threads_reorder_10", true),
    ("threads_reorder_10_fixed", false),
    ("threads_reorder_20", true),
    ("threads_twostage", true),
    ("threads_twostage_fixed", false),
    ("threads_wronglock", true),
    ("threads_wronglock_fixed", false),
    ("threads_wronglock_3", true),
    ("threads_safestack", true),
    ("threads_fib_bench", true),
    ("threads_fib_bench_fixed", false),
];

#[cfg(test)]
mod tests;
