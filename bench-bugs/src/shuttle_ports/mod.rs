//! The SCTBench programs of `samples/sctbench`, written against shuttle's thread API
//! (`shuttle::thread`, `shuttle::sync::Mutex`, `shuttle::sync::atomic`) so that shuttle's
//! schedulers can run them. Each port keeps the coyote port's shape: a variable the C program
//! accesses racily is a shuttle atomic (every access is one of shuttle's scheduling points),
//! data always accessed under one lock lives inside the `Mutex`, `sched_yield` is
//! `thread::yield_now`, and `assert(...)` is `assert!`. Only the buggy programs are ported: the
//! benchmark measures how fast each tool finds the bug.

mod account;
mod bluetooth_driver;
mod carter01;
mod circular_buffer;
mod deadlock01;
mod fib_bench;
mod lazy01;
mod queue;
mod reorder;
mod safestack;
mod stack;
mod stringbuffer;
mod token_ring;
mod twostage;
mod work_steal_queue;
mod wronglock;

/// The shuttle port of the program called `name` (the names of `sctbench::PROGRAMS`).
pub fn port(name: &str) -> Option<fn()> {
    Some(match name {
        "account" => account::account,
        "bluetooth_driver" => bluetooth_driver::bluetooth_driver,
        "carter01" => carter01::carter01,
        "circular_buffer" => circular_buffer::circular_buffer,
        "deadlock01" => deadlock01::deadlock01,
        "fib_bench" => fib_bench::fib_bench,
        "lazy01" => lazy01::lazy01,
        "queue" => queue::queue,
        "reorder_3" => || reorder::reorder(2, 1),
        "reorder_4" => || reorder::reorder(3, 1),
        "reorder_5" => || reorder::reorder(4, 1),
        "reorder_10" => || reorder::reorder(9, 1),
        "reorder_20" => || reorder::reorder(10, 10),
        "safestack" => safestack::safestack,
        "stack" => stack::stack,
        "stringbuffer" => stringbuffer::stringbuffer,
        "token_ring" => token_ring::token_ring,
        "twostage" => || twostage::twostage(1, 1),
        "twostage_100" => || twostage::twostage(99, 1),
        "work_steal_queue" => work_steal_queue::work_steal_queue,
        "wronglock" => || wronglock::wronglock(1, 7),
        "wronglock_3" => || wronglock::wronglock(1, 3),
        _ => return None,
    })
}

/// Joins every thread. A thread's panic is the failure shuttle reports; the joiner must not
/// panic again (a second panic during shuttle's unwinding corrupts later runs).
fn join_all(handles: Vec<shuttle::thread::JoinHandle<()>>) {
    for h in handles {
        let _ = h.join();
    }
}

/// `lock()` that ignores poisoning: when an assertion fails inside a critical section, the
/// other threads must not panic a second time on the poisoned mutex.
trait LockExt<T> {
    type Guard<'a>
    where
        Self: 'a;
    fn lock_ok(&self) -> Self::Guard<'_>;
}

impl<T> LockExt<T> for shuttle::sync::Mutex<T> {
    type Guard<'a>
        = shuttle::sync::MutexGuard<'a, T>
    where
        T: 'a;
    fn lock_ok(&self) -> Self::Guard<'_> {
        self.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T> LockExt<T> for std::sync::Mutex<T> {
    type Guard<'a>
        = std::sync::MutexGuard<'a, T>
    where
        T: 'a;
    fn lock_ok(&self) -> Self::Guard<'_> {
        self.lock().unwrap_or_else(|e| e.into_inner())
    }
}
