//! A connection pool: a semaphore counts the idle connections, a mutex keeps them. A client
//! takes a permit, then a connection from the idle list, uses it, and gives both back.
//!
//! The planted bug (`pool_early_release`): the client returns its permit *before* its
//! connection is back in the idle list. Another client waiting for a permit gets it at once and
//! finds the list empty. Its `expect` says what the permit promised. The step log shows the
//! early `release permit` line in the step before the failure.
//!
//! The fix (`pool_early_release_fixed`): the connection goes back first, then the permit.

use coyote_harness::sync::{Mutex, Semaphore};
use coyote_harness::task;
use std::sync::Arc;

/// The pool: `permits` counts the connections in `idle`.
struct Pool {
    permits: Semaphore,
    idle: Mutex<Vec<u32>>,
}

async fn client(pool: Arc<Pool>, fixed: bool) {
    let permit = pool
        .permits
        .acquire()
        .await
        .expect("the pool is never closed");
    let conn = pool
        .idle
        .lock()
        .await
        .pop()
        .expect("a permit guarantees an idle connection");
    // ... the connection is used here ...
    if fixed {
        pool.idle.lock().await.push(conn);
        drop(permit);
    } else {
        drop(permit); // BUG: the permit is back before the connection is.
        pool.idle.lock().await.push(conn);
    }
}

pub(crate) async fn scenario(fixed: bool) {
    let pool = Arc::new(Pool {
        permits: Semaphore::new(1),
        idle: Mutex::new(vec![7]),
    });
    let clients: Vec<_> = (0..2)
        .map(|_| task::spawn(client(pool.clone(), fixed)))
        .collect();
    for c in clients {
        c.await.unwrap();
    }
}
