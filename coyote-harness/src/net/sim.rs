//! The simulated network's controls, for tests: named [`Host`]s, the tasks that run on them,
//! their durable [`Store`]s, and [`Fault`]s.
//!
//! Every test starts with one host, `main` (10.0.0.1), which runs the test's tasks. [`host`]
//! names another (10.0.0.2, ...); `"name:port"` resolves to it. A task spawned with
//! [`Host::spawn`] (or [`Host::boot`]) runs on that host, and so do the tasks it spawns: its
//! listeners bind there, its connections start there.
//!
//! Faults come two ways:
//! * declared: [`fault`] starts a *fault task* (on no host) that injects the fault at a moment
//!   the strategy picks, like any scheduling decision, so every strategy explores when it
//!   happens (and a replay injects it at the same step);
//! * direct: [`partition`], [`heal`], [`reset`], [`set_delay`], [`Host::crash`],
//!   [`Host::restart`] act at once, for a test that drives its own chaos (with
//!   `random::bool()` choices, say).
//!
//! Each fault adds a `net: ...` line to the step log.
//!
//! These functions exist in test mode only: outside a controlled executor they panic.
//!
//! ```
//! use coyote_harness::net::{sim, TcpListener, TcpStream};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! async fn two_hosts() {
//!     let db = sim::host("db");
//!     db.spawn(async {
//!         let l = TcpListener::bind("0.0.0.0:5432").await.unwrap();
//!         let (mut s, _) = l.accept().await.unwrap();
//!         s.write_all(b"ok").await.unwrap();
//!     });
//!     // Connecting may come before the listener binds: retry as a client would.
//!     let mut c = loop {
//!         match TcpStream::connect("db:5432").await {
//!             Ok(c) => break c,
//!             Err(_) => coyote_harness::task::yield_now().await,
//!         }
//!     };
//!     let mut reply = Vec::new();
//!     c.read_to_end(&mut reply).await.unwrap();
//!     assert_eq!(reply, b"ok");
//! }
//!
//! coyote_harness::check(two_hosts, coyote_harness::Config::new().iterations(20));
//! ```

use super::world::{with_world, Boot, World, NETWORK};
use crate::rt::{with_executor, OpKind, YieldPoint};
use crate::task::{self, JoinHandle};
use std::future::{poll_fn, Future};
use std::net::IpAddr;
use std::panic::Location;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

/// The iteration's generation; panics outside test mode.
#[track_caller]
fn generation(what: &str) -> u32 {
    with_executor(|ex| ex.generation()).unwrap_or_else(|| {
        panic!("net::sim::{what}: the simulated network exists only in test mode (under coyote test or check)")
    })
}

fn note(text: std::fmt::Arguments<'_>) {
    with_executor(|ex| ex.note(text));
}

/// A simulated host: a name, an address, the tasks that run on it and a durable store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Host {
    id: u32,
}

/// The host named `name`, created on first use (10.0.0.2, 10.0.0.3, ... in creation order).
#[track_caller]
pub fn host(name: &str) -> Host {
    let generation = generation("host");
    Host {
        id: with_world(generation, |w| w.host_named(name)),
    }
}

/// The host the calling task runs on.
#[track_caller]
pub fn current_host() -> Host {
    let id = with_executor(|ex| ex.task_host(ex.current_task())).unwrap_or_else(|| {
        panic!("net::sim::current_host: the simulated network exists only in test mode")
    });
    assert!(
        id != NETWORK,
        "net::sim::current_host: a fault task runs on no host"
    );
    Host { id }
}

/// The durable store of the calling task's host.
#[track_caller]
pub fn store() -> Store {
    Store {
        host: current_host().id,
    }
}

/// Whether reads and writes may move fewer bytes than they could (default: yes). Turning it
/// off for an iteration makes every read return all that is buffered (up to the buffer's size)
/// and every write take all it can, with no declared choice.
#[track_caller]
pub fn partial_io(on: bool) {
    let generation = generation("partial_io");
    with_world(generation, |w| w.partial_io = on);
}

fn name_of(w: &World, id: u32) -> String {
    w.hosts
        .get(id as usize)
        .map(|h| h.name.clone())
        .unwrap_or_else(|| panic!("net::sim: host {id} is from another iteration"))
}

impl Host {
    /// The host's name.
    #[track_caller]
    pub fn name(&self) -> String {
        let generation = generation("Host::name");
        with_world(generation, |w| name_of(w, self.id))
    }

    /// The host's address (`10.0.0.N`).
    pub fn ip(&self) -> IpAddr {
        IpAddr::V4(World::ip_of(self.id))
    }

    /// Whether the host is up (not crashed).
    #[track_caller]
    pub fn is_up(&self) -> bool {
        let generation = generation("Host::is_up");
        with_world(generation, |w| w.hosts[self.id as usize].up)
    }

    /// Spawns a task on this host (as [`task::spawn`]); its own spawns run here too, and a
    /// crash of the host stops them all.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        generation("Host::spawn");
        let handle = task::spawn(future);
        let id = handle.controlled_id().expect("in test mode");
        with_executor(|ex| ex.set_task_host(id, self.id));
        handle
    }

    /// Runs `start()` on this host now, and again each time it restarts: the host's boot
    /// sequence (a server's `main`). It replaces an earlier boot function.
    #[track_caller]
    pub fn boot<F, Fut>(&self, start: F)
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let generation = generation("Host::boot");
        let boot: Boot = Rc::new(move || Box::pin(start()));
        let up = with_world(generation, |w| {
            let h = &mut w.hosts[self.id as usize];
            h.boot = Some(boot.clone());
            h.up
        });
        if up {
            drop(self.spawn(boot()));
        }
    }

    /// Crashes the host now: its tasks stop (they never run again, their state is dropped),
    /// every connection it has is reset, its listeners and sockets are closed; its [`Store`]
    /// survives. Connecting to it fails (`TimedOut`) until it restarts. A no-op if it is down.
    ///
    /// # Panics
    /// On the default host `main` (it runs the test), or from a task of the host itself.
    #[track_caller]
    pub fn crash(&self) {
        let generation = generation("Host::crash");
        assert!(self.id != 0, "net::sim: the default host `main` cannot crash (it runs the test); run the service on another host");
        let me = with_executor(|ex| ex.task_host(ex.current_task())).expect("in test mode");
        assert!(me != self.id, "net::sim: a host cannot crash itself; crash it from another host or declare a sim::Fault::Crash");
        let (was_up, name) = with_world(generation, |w| {
            let up = w.hosts[self.id as usize].up;
            if up {
                w.crash(self.id);
            }
            (up, name_of(w, self.id))
        });
        if !was_up {
            return;
        }
        note(format_args!("net: crash {name}"));
        // Outside the world's borrow: the stopped tasks' state is dropped here.
        with_executor(|ex| {
            for t in ex.tasks_on_host(self.id) {
                ex.abort(t);
            }
        });
    }

    /// Restarts a crashed host: it is up again, with its [`Store`] as it was, and runs its
    /// [`boot`](Host::boot) function if it has one. A no-op if it is up.
    #[track_caller]
    pub fn restart(&self) {
        let generation = generation("Host::restart");
        let (boot, name) = with_world(generation, |w| {
            let h = &mut w.hosts[self.id as usize];
            if h.up {
                return (None, None);
            }
            h.up = true;
            (h.boot.clone(), Some(h.name.clone()))
        });
        let Some(name) = name else {
            return;
        };
        note(format_args!("net: restart {name}"));
        if let Some(boot) = boot {
            drop(self.spawn(boot()));
        }
    }

    /// The host's durable store.
    pub fn store(&self) -> Store {
        Store { host: self.id }
    }
}

/// A host's durable store: what it keeps survives [`Host::crash`] and [`Host::restart`] (a
/// disk, or a database's files), not the end of the iteration. Values are typed (`put` a
/// `u64`, `get::<u64>`); reading and writing are not scheduling points (atomic, as a local
/// write of a small record is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Store {
    host: u32,
}

impl Store {
    /// The value under `key`, if there is one of type `T`.
    #[track_caller]
    pub fn get<T: Clone + 'static>(&self, key: &str) -> Option<T> {
        let generation = generation("Store::get");
        with_world(generation, |w| {
            w.hosts[self.host as usize]
                .store
                .get(key)
                .and_then(|v| v.downcast_ref::<T>())
                .cloned()
        })
    }

    /// Stores `value` under `key`, replacing what was there.
    #[track_caller]
    pub fn put<T: 'static>(&self, key: &str, value: T) {
        let generation = generation("Store::put");
        let old = with_world(generation, |w| {
            w.hosts[self.host as usize]
                .store
                .insert(key.to_string(), Box::new(value))
        });
        drop(old);
    }

    /// Removes `key`; whether it was there.
    #[track_caller]
    pub fn remove(&self, key: &str) -> bool {
        let generation = generation("Store::remove");
        let old = with_world(generation, |w| {
            w.hosts[self.host as usize].store.remove(key)
        });
        old.is_some()
    }
}

/// Cuts hosts `a` and `b` off from each other now: connecting between them times out, bytes
/// written on their connections wait (TCP retransmits) until [`heal`], datagrams are lost.
#[track_caller]
pub fn partition(a: Host, b: Host) {
    let generation = generation("partition");
    let (na, nb) = with_world(generation, |w| {
        w.set_partitioned(a.id, b.id, true);
        (name_of(w, a.id), name_of(w, b.id))
    });
    note(format_args!("net: partition {na} | {nb}"));
}

/// Heals a [`partition`] between `a` and `b`: what waited is delivered.
#[track_caller]
pub fn heal(a: Host, b: Host) {
    let generation = generation("heal");
    let (na, nb) = with_world(generation, |w| {
        w.set_partitioned(a.id, b.id, false);
        (name_of(w, a.id), name_of(w, b.id))
    });
    note(format_args!("net: heal {na} | {nb}"));
}

/// Resets every open connection between `a` and `b` now (either side may be `a`): both sides'
/// reads and writes fail with `ConnectionReset`. Returns how many it reset.
#[track_caller]
pub fn reset(a: Host, b: Host) -> usize {
    let generation = generation("reset");
    let (n, na, nb) = with_world(generation, |w| {
        let World { conns, wakes, .. } = w;
        let mut n = 0;
        for c in conns.iter_mut().filter(|c| c.links(a.id, b.id)) {
            c.reset(wakes);
            n += 1;
        }
        (n, name_of(w, a.id), name_of(w, b.id))
    });
    if n > 0 {
        note(format_args!("net: reset {n} connection(s) {na} - {nb}"));
    }
    n
}

/// Gives the link between `a` and `b` a latency of `delay` (virtual time) from now on: bytes
/// and datagrams sent either way arrive `delay` later. Zero removes it.
#[track_caller]
pub fn set_delay(a: Host, b: Host, delay: Duration) {
    let generation = generation("set_delay");
    let (na, nb) = with_world(generation, |w| {
        w.set_delay(a.id, b.id, delay);
        (name_of(w, a.id), name_of(w, b.id))
    });
    note(format_args!(
        "net: delay {na} - {nb} {}ms",
        delay.as_millis()
    ));
}

/// A fault for [`fault`] to inject at a moment the strategy picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Once a connection between the two hosts is open, reset it (at a later step the
    /// strategy picks).
    Reset(Host, Host),
    /// Partition the two hosts, then heal them at a later step.
    Partition(Host, Host),
    /// Crash the host, then restart it at a later step (its boot function runs again).
    Crash(Host),
    /// From some step on, the link between the two hosts has this latency.
    Delay(Host, Host, Duration),
}

/// Declares `fault`: a fault task (running on no host, so a crash does not stop it) injects it
/// at a moment the strategy chooses; each of its steps is a `net.fault` scheduling point.
/// Returns the fault task's handle (awaiting it waits until the fault is done, healed or
/// restarted; dropping it is fine).
#[track_caller]
pub fn fault(fault: Fault) -> JoinHandle<()> {
    generation("fault");
    let loc = Location::caller();
    let point = move || YieldPoint::new(OpKind::NetFault, loc);
    let handle = task::spawn(async move {
        match fault {
            Fault::Reset(a, b) => loop {
                wait_for_connection(a, b, loc).await;
                point().await;
                if reset(a, b) > 0 {
                    break;
                }
            },
            Fault::Partition(a, b) => {
                point().await;
                partition(a, b);
                point().await;
                heal(a, b);
            }
            Fault::Crash(h) => {
                point().await;
                h.crash();
                point().await;
                h.restart();
            }
            Fault::Delay(a, b, d) => {
                point().await;
                set_delay(a, b, d);
            }
        }
    });
    let id = handle.controlled_id().expect("in test mode");
    with_executor(|ex| ex.set_task_host(id, NETWORK));
    handle
}

/// Waits (blocked on `net.fault`) until a connection between `a` and `b` is open.
async fn wait_for_connection(a: Host, b: Host, loc: &'static Location<'static>) {
    let generation = generation("fault");
    poll_fn(|cx| {
        let open = with_world(generation, |w| {
            let open = w.conns.iter().any(|c| c.links(a.id, b.id));
            if !open {
                w.conn_waiters.push(cx.waker().clone());
            }
            open
        });
        if open {
            Poll::Ready(())
        } else {
            super::sim_tcp::block(
                OpKind::NetFault,
                loc,
                coyote_core::strategy::Access::NONE,
                None,
            );
            Poll::Pending
        }
    })
    .await
}
