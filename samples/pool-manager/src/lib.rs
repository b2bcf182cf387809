//! Seed 002's PoolManager in miniature: failover testing against a liveness specification.
//!
//! A client asks the pool manager to resize a pool to 2 VMs. The manager acknowledges, and its
//! reconciler, a background loop, allocates VMs from the VM scale set (a mock whose allocations
//! fail now and then, as the real service's are throttled) until the pool has its size. At a
//! moment the scheduler picks, the manager's process dies (a failover) and a new one starts,
//! recovering its state from durable storage.
//!
//! The specification is a monitor, [`SteadyPool`]: after a resize is requested, the pool must
//! eventually reach that size, and never grow past it. It is hot while the pool differs from the
//! size last asked for.
//!
//! `pool_manager` has the bug: it keeps the requested size in memory and its reconciler writes
//! it to storage later (write-behind). A failover before that write loses the request; the new
//! manager recovers no target and the pool never grows. Nothing panics and nothing deadlocks:
//! the reconciler keeps polling for ever. Under a fair strategy the monitor stays hot for more
//! than the liveness threshold, which `coyote test` reports as a `liveness` bug with a trace.
//! `pool_manager_fixed` stores the size before it acknowledges, so the new manager recovers it.

mod connections;

use coyote_harness::spec::{self, Monitor, Temperature};
use coyote_harness::sync::Mutex;
use coyote_harness::{random, task, time};
use std::sync::Arc;
use std::time::Duration;

/// The specification: the pool never grows past the size last asked for, and eventually
/// reaches it.
#[derive(Debug, Default)]
pub struct SteadyPool {
    target: Option<usize>,
    size: usize,
}

/// What [`SteadyPool`] is told.
pub enum PoolEvent {
    /// The client asked for this many VMs.
    Resized(usize),
    /// The pool now has this many VMs.
    Size(usize),
}

impl Monitor for SteadyPool {
    type Event = PoolEvent;

    fn on_event(&mut self, event: PoolEvent) {
        match event {
            PoolEvent::Resized(n) => self.target = Some(n),
            PoolEvent::Size(n) => {
                // Safety: the pool never grows past what the client asked for.
                spec::assert(
                    self.target.is_some_and(|t| n <= t),
                    format!(
                        "the pool grew to {n} VMs, past its target {:?}",
                        self.target
                    ),
                );
                self.size = n;
            }
        }
    }

    fn temperature(&self) -> Temperature {
        match self.target {
            Some(t) if t != self.size => Temperature::Hot,
            _ => Temperature::Cold,
        }
    }
}

/// Durable storage: survives failovers.
#[derive(Default)]
struct Storage {
    target: Mutex<Option<usize>>,
}

/// The VM scale set, mocked: an allocation may be throttled (a declared random choice).
#[derive(Default)]
struct Vmss {
    vms: Mutex<usize>,
}

impl Vmss {
    async fn allocate(&self) -> Option<usize> {
        if !random::bool() {
            return None; // throttled; the reconciler tries again later
        }
        let mut vms = self.vms.lock().await;
        *vms += 1;
        Some(*vms)
    }
}

/// One manager process: what it keeps in memory is lost when it dies.
struct Manager {
    storage: Arc<Storage>,
    vmss: Arc<Vmss>,
    target: Mutex<Option<usize>>,
    fixed: bool,
}

impl Manager {
    fn start(storage: Arc<Storage>, vmss: Arc<Vmss>, fixed: bool) -> Arc<Manager> {
        Arc::new(Manager {
            storage,
            vmss,
            target: Mutex::new(None),
            fixed,
        })
    }

    /// The client's resize request; returns once it is acknowledged.
    async fn resize(&self, n: usize) {
        spec::monitor::<SteadyPool>(PoolEvent::Resized(n));
        if self.fixed {
            *self.storage.target.lock().await = Some(n);
        }
        *self.target.lock().await = Some(n);
    }

    /// Recovery, then the reconciler loop: store the target (write-behind, in the buggy
    /// manager), and allocate a VM while the pool is short of it.
    async fn run(self: Arc<Self>) {
        let stored = *self.storage.target.lock().await;
        {
            let mut target = self.target.lock().await;
            if target.is_none() {
                *target = stored;
            }
        }
        loop {
            let target = *self.target.lock().await;
            if let Some(t) = target {
                if !self.fixed {
                    *self.storage.target.lock().await = Some(t);
                }
                let size = *self.vmss.vms.lock().await;
                if size < t {
                    if let Some(size) = self.vmss.allocate().await {
                        spec::monitor::<SteadyPool>(PoolEvent::Size(size));
                    }
                }
            }
            time::sleep(Duration::from_secs(1)).await;
        }
    }
}

async fn scenario(fixed: bool) {
    let storage = Arc::new(Storage::default());
    let vmss = Arc::new(Vmss::default());
    let first = Manager::start(storage.clone(), vmss.clone(), fixed);
    let process = task::spawn(first.clone().run());
    first.resize(2).await;
    // The failover: the first process dies wherever it is, and a new one recovers.
    task::spawn(async move {
        process.abort();
        task::spawn(Manager::start(storage, vmss, fixed).run());
    });
}

/// Planted bug: a failover before the write-behind loses the resize; the pool never grows.
pub async fn pool_manager() {
    scenario(false).await
}

/// Fixed: the size is stored before the resize is acknowledged.
pub async fn pool_manager_fixed() {
    scenario(true).await
}

/// Planted bug: a client of a connection pool returns its permit before its connection.
pub async fn pool_early_release() {
    connections::scenario(false).await
}

/// Fixed: the connection goes back to the idle list before the permit.
pub async fn pool_early_release_fixed() {
    connections::scenario(true).await
}

coyote_harness::export_tests!(
    pool_manager,
    pool_manager_fixed,
    pool_early_release,
    pool_early_release_fixed
);

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_harness::{check, Config};

    fn fair() -> Config {
        Config::new().strategy("fair-pct:3").iterations(200)
    }

    #[test]
    fn the_lost_resize_is_a_liveness_bug() {
        let err =
            std::panic::catch_unwind(|| check(pool_manager, fair())).expect_err("the bug is found");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("liveness: monitor SteadyPool is hot"), "{msg}");
    }

    #[test]
    fn the_early_permit_release_is_found_and_the_fix_passes() {
        let err = std::panic::catch_unwind(|| check(pool_early_release, Config::new()))
            .expect_err("the bug is found");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            msg.contains("a permit guarantees an idle connection"),
            "{msg}"
        );
        check(pool_early_release_fixed, Config::new().iterations(500));
    }

    #[test]
    fn the_fixed_manager_always_reaches_its_size() {
        check(pool_manager_fixed, fair());
        check(pool_manager_fixed, Config::new().iterations(200));
    }
}
