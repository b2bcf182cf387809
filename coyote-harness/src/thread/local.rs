//! Thread-local storage, mirroring `std::thread::LocalKey` and `thread_local!`.
//!
//! In production a [`LocalKey`] is std's own key. In a test every controlled thread (and async
//! task) has its own value, made by the initialiser on first use and dropped when the thread
//! ends, or when the iteration ends: each iteration starts from fresh values, as each run of a
//! program does (std's key would share one value among all the threads of a test, which run on
//! one OS thread, and keep it from one iteration to the next).

use crate::rt::with_executor;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;

/// A key for thread-local data; mirrors `std::thread::LocalKey`. Made by
/// [`thread_local!`](crate::thread_local).
pub struct LocalKey<T: 'static> {
    std: &'static std::thread::LocalKey<T>,
    init: fn() -> T,
}

/// The error of [`LocalKey::try_with`] (the value was destroyed); mirrors
/// `std::thread::AccessError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessError;

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("already destroyed")
    }
}

impl std::error::Error for AccessError {}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    pub const fn new(std: &'static std::thread::LocalKey<T>, init: fn() -> T) -> Self {
        LocalKey { std, init }
    }

    /// Runs `f` with this thread's value, made on first use.
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        self.try_with(f)
            .expect("cannot access a thread-local value during or after destruction")
    }

    /// As [`with`](Self::with), or an error if the value was destroyed (production only).
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let key = self as *const Self as usize;
        let init = self.init;
        let controlled =
            with_executor(|ex| ex.thread_local(key, &|| Box::new(init()) as Box<dyn Any>));
        match controlled {
            Some(p) => {
                // SAFETY: the value lives in the iteration's thread table until the task ends
                // or the iteration does, neither of which can happen while this task runs `f`;
                // it was made as a `T` for this key.
                let v = unsafe { &*p }.downcast_ref::<T>().expect("the key's type");
                Ok(f(v))
            }
            None => self.std.try_with(f).map_err(|_| AccessError),
        }
    }
}

impl<T: 'static> LocalKey<Cell<T>> {
    /// Sets the value.
    pub fn set(&'static self, value: T) {
        self.with(|c| c.set(value))
    }

    /// A copy of the value.
    pub fn get(&'static self) -> T
    where
        T: Copy,
    {
        self.with(Cell::get)
    }

    /// Takes the value, leaving the default.
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(Cell::take)
    }

    /// Replaces the value, returning the old one.
    pub fn replace(&'static self, value: T) -> T {
        self.with(|c| c.replace(value))
    }
}

impl<T: 'static> LocalKey<RefCell<T>> {
    /// Runs `f` with a shared borrow of the value.
    pub fn with_borrow<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        self.with(|c| f(&c.borrow()))
    }

    /// Runs `f` with a mutable borrow of the value.
    pub fn with_borrow_mut<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&mut T) -> R,
    {
        self.with(|c| f(&mut c.borrow_mut()))
    }

    /// Sets the value.
    pub fn set(&'static self, value: T) {
        self.with(|c| *c.borrow_mut() = value)
    }

    /// Takes the value, leaving the default.
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(|c| c.take())
    }

    /// Replaces the value, returning the old one.
    pub fn replace(&'static self, value: T) -> T {
        self.with(|c| c.replace(value))
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}

/// Declares thread-local statics; mirrors `std::thread_local!`. Each is a
/// [`LocalKey`](crate::thread::LocalKey): std's in production, per controlled thread and reset
/// every iteration in tests.
///
/// ```
/// use std::cell::Cell;
/// coyote_harness::thread_local! {
///     static DEPTH: Cell<u32> = Cell::new(0);
/// }
/// DEPTH.set(DEPTH.get() + 1);
/// assert_eq!(DEPTH.get(), 1);
/// ```
#[macro_export]
macro_rules! thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }; $($rest:tt)*) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init; $($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init);
        $crate::thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => {
        $(#[$attr])* $vis static $name: $crate::thread::LocalKey<$t> = {
            fn __coyote_init() -> $t {
                $init
            }
            ::std::thread_local!(static __COYOTE_STD: $t = __coyote_init());
            $crate::thread::LocalKey::new(&__COYOTE_STD, __coyote_init)
        };
    };
}
