//! Atomics mirroring `std::sync::atomic`, every access a scheduling point in tests.
//!
//! Each type wraps the std atomic of the same name. In production an operation is the std
//! operation after one thread-local read (is a test running?). In a test each `load`, `store`,
//! read-modify-write (`swap`, `fetch_*`, `compare_exchange*`, `fetch_update`) and [`fence`] is
//! first a scheduling point that declares its access (the atomic's address; a load reads, the
//! rest write), so the strategies interleave the other threads and tasks at every access, and
//! `pos` and `dpor` see which accesses race. This holds in async tasks too: the first access
//! in an async task moves the run's tasks onto coroutines (see the `thread` docs), so
//! `if !flag.load(..) { notify.notified().await }` can be preempted between the load and the
//! wait. A write that changes the value also tells the executor, for the memory state `mff`
//! follows (a flag, and for `mff` a table lookup; a store reads the old value first).
//!
//! # Memory model
//!
//! Executions are *sequentially consistent*: one operation runs at a time and every load sees
//! the latest store, whatever `Ordering` the code passes (the ordering is passed on to std, so
//! an ordering std rejects still panics). Explored: every interleaving of atomic operations at
//! operation granularity. Not explored: the weaker behaviours of `Relaxed`, `Acquire` and
//! `Release` (a load seeing an older store, reorderings of independent accesses that only a
//! weak memory model allows), nor the spurious failures `compare_exchange_weak` may have. A bug
//! that needs them is missed; loom explores some of them, at a much higher cost per schedule.
//! [`compiler_fence`] is std's (no scheduling point).

use crate::rt::coro::sync_point;
use crate::rt::{in_test, reads, writes, OpKind};
use std::panic::Location;
pub use std::sync::atomic::{compiler_fence, Ordering};

/// A scheduling point before an access of `kind` to `object`.
#[inline(always)]
#[track_caller]
fn point<T: ?Sized>(object: &T, kind: OpKind) {
    if in_test() {
        let access = if kind == OpKind::AtomicLoad {
            reads(object)
        } else {
            writes(object)
        };
        sync_point(kind, access, Location::caller());
    }
}

/// A write of `object`: in a test, [`write_in_test`]; outside, `op` alone.
#[inline(always)]
#[track_caller]
fn write<A: ?Sized, R, V: Bits>(
    object: &A,
    kind: OpKind,
    op: impl FnOnce() -> R,
    changed: impl FnOnce(&R) -> Option<(V, V)>,
) -> R {
    if !in_test() {
        return op();
    }
    write_in_test(object, kind, op, changed)
}

/// A write of `object` in a test: a scheduling point before `op`, then the memory state
/// strategies see (`rt::memory`) told of the change `changed` reads from `op`'s result.
#[inline(always)]
#[track_caller]
fn write_in_test<A: ?Sized, R, V: Bits>(
    object: &A,
    kind: OpKind,
    op: impl FnOnce() -> R,
    changed: impl FnOnce(&R) -> Option<(V, V)>,
) -> R {
    sync_point(kind, writes(object), Location::caller());
    let result = op();
    if let Some((old, new)) = changed(&result) {
        let address = object as *const A as *const () as usize;
        crate::rt::memory::wrote(address, old.bits(), new.bits(), V::POINTER);
    }
    result
}

/// An atomic's value as the 64 bits the memory state hashes.
trait Bits: Copy {
    /// Whether the value is an address (named by first sight, not by its bits).
    const POINTER: bool = false;
    fn bits(self) -> u64;
}

macro_rules! bits {
    ($($t:ty),*) => {
        $(impl Bits for $t {
            #[inline(always)]
            fn bits(self) -> u64 {
                self as u64
            }
        })*
    };
}

bits!(i8, u8, i16, u16, i32, u32, i64, u64, isize, usize, bool);

impl<T> Bits for *mut T {
    const POINTER: bool = true;
    #[inline(always)]
    fn bits(self) -> u64 {
        self as usize as u64
    }
}

/// A fence; mirrors `std::sync::atomic::fence` (a scheduling point in tests).
#[track_caller]
pub fn fence(order: Ordering) {
    if in_test() {
        sync_point(
            OpKind::AtomicFence,
            coyote_core::strategy::Access::NONE,
            Location::caller(),
        );
    }
    std::sync::atomic::fence(order);
}

macro_rules! common {
    ($name:ident, $t:ty) => {
        impl $name {
            /// Loads the value.
            #[inline]
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $t {
                point(self, OpKind::AtomicLoad);
                self.0.load(order)
            }

            /// Stores `val`.
            #[inline]
            #[track_caller]
            pub fn store(&self, val: $t, order: Ordering) {
                if !in_test() {
                    return self.0.store(val, order);
                }
                // The old value is read after the point (other threads may write before this
                // store runs); outside a test there is no extra load.
                let store = || {
                    let old = self.0.load(Ordering::Relaxed);
                    self.0.store(val, order);
                    old
                };
                write_in_test(self, OpKind::AtomicStore, store, |&old| Some((old, val)));
            }

            /// Stores `val`, returning the previous value.
            #[inline]
            #[track_caller]
            pub fn swap(&self, val: $t, order: Ordering) -> $t {
                write(
                    self,
                    OpKind::AtomicRmw,
                    || self.0.swap(val, order),
                    |&old| Some((old, val)),
                )
            }

            /// Stores `new` if the value is `current`; the previous value, `Ok` if it was stored.
            #[inline]
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                write(
                    self,
                    OpKind::AtomicRmw,
                    || self.0.compare_exchange(current, new, success, failure),
                    |r| r.ok().map(|old| (old, new)),
                )
            }

            /// As [`compare_exchange`](Self::compare_exchange) (it never fails spuriously in
            /// tests).
            #[inline]
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $t,
                new: $t,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$t, $t> {
                write(
                    self,
                    OpKind::AtomicRmw,
                    || self.0.compare_exchange_weak(current, new, success, failure),
                    |r| r.ok().map(|old| (old, new)),
                )
            }

            /// Applies `f` until it stores or `f` returns `None`; one atomic step in tests.
            #[inline]
            #[track_caller]
            pub fn fetch_update<F>(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                f: F,
            ) -> Result<$t, $t>
            where
                F: FnMut($t) -> Option<$t>,
            {
                write(
                    self,
                    OpKind::AtomicRmw,
                    || self.0.fetch_update(set_order, fetch_order, f),
                    |r| r.ok().map(|old| (old, self.0.load(Ordering::Relaxed))),
                )
            }

            /// A mutable reference to the value (no other access can race it).
            #[inline]
            pub fn get_mut(&mut self) -> &mut $t {
                self.0.get_mut()
            }

            /// The value.
            #[inline]
            pub fn into_inner(self) -> $t {
                self.0.into_inner()
            }

            /// A raw pointer to the value (accesses through it are not controlled).
            #[inline]
            pub fn as_ptr(&self) -> *mut $t {
                self.0.as_ptr()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // Not a scheduling point: formatting reads the value directly.
                std::fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}

macro_rules! bitwise {
    ($name:ident, $t:ty, $($op:ident),*) => {
        impl $name {
            $(
                #[doc = concat!("`", stringify!($op), "`: applies the operation, returning the previous value.")]
                #[inline]
                #[track_caller]
                pub fn $op(&self, val: $t, order: Ordering) -> $t {
                    write(self, OpKind::AtomicRmw, || self.0.$op(val, order), |&old| {
                        Some((old, self.0.load(Ordering::Relaxed)))
                    })
                }
            )*
        }
    };
}

macro_rules! int_atomic {
    ($($name:ident($t:ty)),* $(,)?) => {
        $(
            #[doc = concat!("An integer atomic; mirrors `std::sync::atomic::", stringify!($name), "`.")]
            #[derive(Default)]
            #[repr(transparent)]
            pub struct $name(std::sync::atomic::$name);

            impl $name {
                /// A new atomic holding `v`.
                pub const fn new(v: $t) -> Self {
                    $name(std::sync::atomic::$name::new(v))
                }
            }

            impl From<$t> for $name {
                fn from(v: $t) -> Self {
                    Self::new(v)
                }
            }

            common!($name, $t);
            bitwise!(
                $name, $t, fetch_add, fetch_sub, fetch_and, fetch_nand, fetch_or, fetch_xor,
                fetch_max, fetch_min
            );
        )*
    };
}

int_atomic!(
    AtomicI8(i8),
    AtomicU8(u8),
    AtomicI16(i16),
    AtomicU16(u16),
    AtomicI32(i32),
    AtomicU32(u32),
    AtomicI64(i64),
    AtomicU64(u64),
    AtomicIsize(isize),
    AtomicUsize(usize),
);

/// A boolean atomic; mirrors `std::sync::atomic::AtomicBool`.
#[derive(Default)]
#[repr(transparent)]
pub struct AtomicBool(std::sync::atomic::AtomicBool);

impl AtomicBool {
    /// A new atomic holding `v`.
    pub const fn new(v: bool) -> Self {
        AtomicBool(std::sync::atomic::AtomicBool::new(v))
    }
}

impl From<bool> for AtomicBool {
    fn from(v: bool) -> Self {
        Self::new(v)
    }
}

common!(AtomicBool, bool);
bitwise!(AtomicBool, bool, fetch_and, fetch_nand, fetch_or, fetch_xor);

/// A raw pointer atomic; mirrors `std::sync::atomic::AtomicPtr`.
#[repr(transparent)]
pub struct AtomicPtr<T>(std::sync::atomic::AtomicPtr<T>);

impl<T> AtomicPtr<T> {
    /// A new atomic holding `p`.
    pub const fn new(p: *mut T) -> Self {
        AtomicPtr(std::sync::atomic::AtomicPtr::new(p))
    }

    /// Loads the pointer.
    #[inline]
    #[track_caller]
    pub fn load(&self, order: Ordering) -> *mut T {
        point(self, OpKind::AtomicLoad);
        self.0.load(order)
    }

    /// Stores `p`.
    #[inline]
    #[track_caller]
    pub fn store(&self, p: *mut T, order: Ordering) {
        if !in_test() {
            return self.0.store(p, order);
        }
        let store = || {
            let old = self.0.load(Ordering::Relaxed);
            self.0.store(p, order);
            old
        };
        write_in_test(self, OpKind::AtomicStore, store, |&old| Some((old, p)));
    }

    /// Stores `p`, returning the previous pointer.
    #[inline]
    #[track_caller]
    pub fn swap(&self, p: *mut T, order: Ordering) -> *mut T {
        write(
            self,
            OpKind::AtomicRmw,
            || self.0.swap(p, order),
            |&old| Some((old, p)),
        )
    }

    /// Stores `new` if the pointer is `current`.
    #[inline]
    #[track_caller]
    pub fn compare_exchange(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        write(
            self,
            OpKind::AtomicRmw,
            || self.0.compare_exchange(current, new, success, failure),
            |r| r.ok().map(|old| (old, new)),
        )
    }

    /// As [`compare_exchange`](Self::compare_exchange) (never spuriously failing in tests).
    #[inline]
    #[track_caller]
    pub fn compare_exchange_weak(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        write(
            self,
            OpKind::AtomicRmw,
            || self.0.compare_exchange_weak(current, new, success, failure),
            |r| r.ok().map(|old| (old, new)),
        )
    }

    /// Applies `f` until it stores or returns `None`; one atomic step in tests.
    #[inline]
    #[track_caller]
    pub fn fetch_update<F>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        f: F,
    ) -> Result<*mut T, *mut T>
    where
        F: FnMut(*mut T) -> Option<*mut T>,
    {
        write(
            self,
            OpKind::AtomicRmw,
            || self.0.fetch_update(set_order, fetch_order, f),
            |r| r.ok().map(|old| (old, self.0.load(Ordering::Relaxed))),
        )
    }

    /// A mutable reference to the pointer.
    #[inline]
    pub fn get_mut(&mut self) -> &mut *mut T {
        self.0.get_mut()
    }

    /// The pointer.
    #[inline]
    pub fn into_inner(self) -> *mut T {
        self.0.into_inner()
    }
}

impl<T> Default for AtomicPtr<T> {
    fn default() -> Self {
        Self::new(std::ptr::null_mut())
    }
}

impl<T> std::fmt::Debug for AtomicPtr<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}
