//! Ports of SCTBench programs to coyote-rs.
//!
//! SCTBench is the benchmark suite of Thomson, Donaldson and Betts, *Concurrency testing using
//! controlled schedulers: an empirical study* (PPoPP'14; TOPC 2016): pthreads programs with
//! known concurrency bugs, gathered from the CB (concurrency bugs) suite, the CHESS tests, the
//! CS suite (Cordeiro's ESBMC benchmarks) and a few others. Each module here ports one program
//! (or one family that differs only in parameters), keeping its bug, thread counts and
//! parameters, and says where it comes from, what the bug is and how deep it is.
//!
//! How C maps to the harness: a pthread is a task ([`task::spawn`], joined by awaiting its
//! handle); a `pthread_mutex` is a [`sync::Mutex`]; a condition variable or event is a
//! [`sync::Notify`]; a plain or atomic variable that the program accesses racily is a
//! [`Shared`], whose every access is a scheduling point (as SCTBench's schedulers make every
//! racy access visible), while data always accessed under one lock lives inside the mutex.
//! `assert(...)` is `assert!`: a failing assertion, like a deadlock, is a bug.
//!
//! | program | suite | bug | fixed variant |
//! |---|---|---|---|
//! | [`deadlock01()`] | CS | lock-order deadlock | [`deadlock01_fixed()`] |
//! | [`lazy01()`] | CS | ordering (assertion) | none |
//! | [`reorder_3()`], [`reorder_4()`], [`reorder_5()`], [`reorder_10()`], [`reorder_20()`] | CS | atomicity (assertion) | `reorder_N_fixed` |
//! | [`twostage()`], [`twostage_100()`] | CS | atomicity (assertion) | `twostage_fixed`, `twostage_100_fixed` |
//! | [`wronglock()`], [`wronglock_3()`] | CS | wrong lock (assertion) | `wronglock_fixed`, `wronglock_3_fixed` |
//! | [`stack()`] | CS | ordering (assertion) | [`stack_fixed()`] |
//! | [`carter01()`] | CS | deadlock | [`carter01_fixed()`] |
//! | [`token_ring()`] | CS | ordering (assertion) | [`token_ring_fixed()`] |
//! | [`bluetooth_driver()`] | CS | atomicity (assertion) | [`bluetooth_driver_fixed()`] |
//! | [`account()`] | CS | ordering (assertion) | [`account_fixed()`] |
//! | [`queue()`] | CS | ordering (assertion) | [`queue_fixed()`] |
//! | [`circular_buffer()`] | CS | ordering (assertion) | [`circular_buffer_fixed()`] |
//! | [`stringbuffer()`] | CB | atomicity (assertion) | [`stringbuffer_fixed()`] |
//! | [`work_steal_queue()`] | CHESS | lost/duplicated item (assertion) | [`work_steal_queue_fixed()`] |
//! | [`safestack()`] | misc | ABA (assertion); random needs ~10^5 iterations | none |
//! | [`fib_bench()`] | CS (SV-COMP) | deep interleaving (assertion); beyond 10,000 iterations of the randomized strategies, found by the portfolio's write hand-over probe | [`fib_bench_fixed()`] |
//!
//! [`PROGRAMS`] lists them for benchmarks (`bench-bugs/` runs every strategy on each).
//!
//! [`task::spawn`]: coyote_harness::task::spawn
//! [`sync::Mutex`]: coyote_harness::sync::Mutex
//! [`sync::Notify`]: coyote_harness::sync::Notify

pub mod shared;
pub mod threads;

pub mod account;
pub mod bluetooth_driver;
pub mod carter01;
pub mod circular_buffer;
pub mod deadlock01;
pub mod fib_bench;
pub mod lazy01;
pub mod queue;
pub mod reorder;
pub mod safestack;
pub mod stack;
pub mod stringbuffer;
pub mod token_ring;
pub mod twostage;
pub mod work_steal_queue;
pub mod wronglock;

pub use account::{account, account_fixed};
pub use bluetooth_driver::{bluetooth_driver, bluetooth_driver_fixed};
pub use carter01::{carter01, carter01_fixed};
pub use circular_buffer::{circular_buffer, circular_buffer_fixed};
pub use deadlock01::{deadlock01, deadlock01_fixed};
pub use fib_bench::{fib_bench, fib_bench_fixed};
pub use lazy01::lazy01;
pub use queue::{queue, queue_fixed};
pub use reorder::{
    reorder_10, reorder_10_fixed, reorder_20, reorder_20_fixed, reorder_3, reorder_3_fixed,
    reorder_4, reorder_4_fixed, reorder_5, reorder_5_fixed,
};
pub use safestack::safestack;
pub use shared::Shared;
pub use stack::{stack, stack_fixed};
pub use stringbuffer::{stringbuffer, stringbuffer_fixed};
pub use threads::*;
pub use token_ring::{token_ring, token_ring_fixed};
pub use twostage::{twostage, twostage_100, twostage_100_fixed, twostage_fixed};
pub use work_steal_queue::{work_steal_queue, work_steal_queue_fixed};
pub use wronglock::{wronglock, wronglock_3, wronglock_3_fixed, wronglock_fixed};

use std::future::Future;
use std::pin::Pin;

coyote_harness::export_tests!(
    account,
    account_fixed,
    bluetooth_driver,
    bluetooth_driver_fixed,
    carter01,
    carter01_fixed,
    circular_buffer,
    circular_buffer_fixed,
    deadlock01,
    deadlock01_fixed,
    fib_bench,
    fib_bench_fixed,
    lazy01,
    queue,
    queue_fixed,
    reorder_3,
    reorder_3_fixed,
    reorder_4,
    reorder_4_fixed,
    reorder_5,
    reorder_5_fixed,
    reorder_10,
    reorder_10_fixed,
    reorder_20,
    reorder_20_fixed,
    safestack,
    stack,
    stack_fixed,
    stringbuffer,
    stringbuffer_fixed,
    token_ring,
    token_ring_fixed,
    twostage,
    twostage_fixed,
    twostage_100,
    twostage_100_fixed,
    wronglock,
    wronglock_fixed,
    wronglock_3,
    wronglock_3_fixed,
    work_steal_queue,
    work_steal_queue_fixed,
    threads_account,
    threads_account_fixed,
    threads_lazy01,
    threads_carter01,
    threads_carter01_fixed,
    threads_stack,
    threads_stack_fixed,
    threads_queue,
    threads_queue_fixed,
    threads_reorder_3,
    threads_reorder_3_fixed,
    threads_reorder_10,
    threads_reorder_10_fixed,
    threads_reorder_20,
    threads_twostage,
    threads_twostage_fixed,
    threads_wronglock,
    threads_wronglock_fixed,
    threads_wronglock_3,
    threads_safestack,
    threads_fib_bench,
    threads_fib_bench_fixed,
);

/// A test's future, boxed so that programs fit in one table.
pub type TestFuture = Pin<Box<dyn Future<Output = ()>>>;

/// One ported program, for benchmarks.
#[derive(Clone, Copy)]
pub struct Program {
    /// The entry point's name (as `export_tests!` exports it).
    pub name: &'static str,
    /// Where it comes from: `CS`, `CB`, `CHESS`, `misc`.
    pub suite: &'static str,
    /// The buggy program.
    pub buggy: fn() -> TestFuture,
    /// The fixed variant, if there is one.
    pub fixed: Option<fn() -> TestFuture>,
    /// Why no strategy is expected to find the bug within 10,000 iterations, if so.
    pub hard: Option<&'static str>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("name", &self.name)
            .field("suite", &self.suite)
            .field("fixed", &self.fixed.is_some())
            .field("hard", &self.hard)
            .finish()
    }
}

macro_rules! program {
    ($suite:literal, $name:ident) => {
        program!($suite, $name, None, None)
    };
    ($suite:literal, $name:ident, $fixed:ident) => {
        program!(
            $suite,
            $name,
            Some((|| Box::pin($fixed()) as TestFuture) as fn() -> TestFuture),
            None
        )
    };
    ($suite:literal, $name:ident, $fixed:expr, $hard:expr) => {
        Program {
            name: stringify!($name),
            suite: $suite,
            buggy: || Box::pin($name()),
            fixed: $fixed,
            hard: $hard,
        }
    };
}

/// The strategies benchmarks and the thorough tests run on every program, in report order: each
/// strategy once, with the parameters the portfolio uses, PCT also at Coyote's default depth 3
/// and at 10, a second random walk, and the default portfolio.
pub const STRATEGIES: &[&str] = &[
    "random",
    "pct:3",
    "pct:5",
    "pct:10",
    "fair-pct:5",
    "probabilistic:1",
    "probabilistic:2",
    "delay-bounding:3",
    "idb:2",
    "rl",
    "pos",
    "dfs",
    "portfolio",
];

/// Every ported program, in the order benchmarks report them.
pub static PROGRAMS: &[Program] = &[
    program!("CS", account, account_fixed),
    program!("CS", bluetooth_driver, bluetooth_driver_fixed),
    program!("CS", carter01, carter01_fixed),
    program!("CS", circular_buffer, circular_buffer_fixed),
    program!("CS", deadlock01, deadlock01_fixed),
    program!("CS", lazy01),
    program!("CS", queue, queue_fixed),
    program!("CS", reorder_3, reorder_3_fixed),
    program!("CS", reorder_4, reorder_4_fixed),
    program!("CS", reorder_5, reorder_5_fixed),
    program!("CS", reorder_10, reorder_10_fixed),
    program!("CS", reorder_20, reorder_20_fixed),
    program!("CS", stack, stack_fixed),
    program!("CS", token_ring, token_ring_fixed),
    program!("CS", twostage, twostage_fixed),
    program!("CS", twostage_100, twostage_100_fixed),
    program!("CS", wronglock, wronglock_fixed),
    program!("CS", wronglock_3, wronglock_3_fixed),
    program!("CB", stringbuffer, stringbuffer_fixed),
    program!("CHESS", work_steal_queue, work_steal_queue_fixed),
    program!(
        "misc",
        safestack,
        None,
        Some("ABA race needing several precise preemptions among 3 threads; random needs about 10^5 iterations")
    ),
    program!(
        "CS",
        fib_bench,
        Some((|| Box::pin(fib_bench_fixed()) as TestFuture) as fn() -> TestFuture),
        Some("needs the strictly alternating schedule of 10 updates (about 10 context switches); the portfolio's write hand-over probe makes it")
    ),
];

/// The program called `name`.
pub fn program(name: &str) -> Option<&'static Program> {
    PROGRAMS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests;
