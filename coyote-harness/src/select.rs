//! [`select!`](crate::select!): `tokio::select!` with its branch order under the strategy's
//! control.
//!
//! `tokio::select!` polls its branches from a random starting branch, drawn from tokio's own
//! thread-local generator, so when two branches are ready at once the winner is not a scheduling
//! decision: under a controlled executor it varies from run to run, the strategy cannot explore
//! it, and a trace that depends on it does not replay. This macro takes the same input and, in
//! test mode, draws the starting branch as a declared choice (`random::int(branches)`, recorded
//! in the trace, enumerated by `dfs`), then runs `tokio::select! { biased; ... }` over the
//! branches rotated to start there. In production it is `tokio::select!`, unchanged.
//!
//! Invariants:
//!
//! * every branch can win a tie, in every order a rotation gives, and which one did is in the
//!   trace; one choice per `select!` evaluated (none with a single branch);
//! * `biased;` is passed through unchanged in both modes: the written order is the user's
//!   decision, so there is nothing to explore;
//! * each branch's future and handler are expanded once per rotation, in arms of an `if` chain of
//!   which exactly one runs, so every future expression is evaluated once and handlers may move
//!   captured values, `return`, `break`, `continue` and use `?` as in `tokio::select!`.

/// Waits on several branches at once, like `tokio::select!`, with the same syntax; under a
/// controlled executor, which of several ready branches wins is a decision the strategy explores
/// and the trace records.
///
/// ```
/// use coyote_harness::{check, sync::oneshot, Config};
///
/// async fn first_reply() -> &'static str {
///     let (tx_a, rx_a) = oneshot::channel();
///     let (tx_b, rx_b) = oneshot::channel();
///     tx_a.send("primary").unwrap();
///     tx_b.send("replica").unwrap();
///     // Both are ready: the strategy picks, and replay picks the same.
///     coyote_harness::select! {
///         Ok(v) = rx_a => v,
///         Ok(v) = rx_b => v,
///         else => "none",
///     }
/// }
///
/// check(|| async { let _ = first_reply().await; }, Config::new().iterations(10));
/// ```
///
/// `biased;` as the first token keeps the written order in both modes, as in tokio. Branches
/// whose future is ready stay ready; a branch disabled by its pattern or `, if` precondition is
/// skipped whatever the rotation.
#[macro_export]
macro_rules! select {
    (biased; $($rest:tt)*) => {
        $crate::__private::tokio::select! { biased; $($rest)* }
    };
    ($($rest:tt)*) => {
        $crate::__select_impl!(@parse [] $($rest)*)
    };
}

/// The parts of [`select!`]: parsing branches into `{ ... }` groups, then the rotations.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_impl {
    // The `else` branch, last.
    (@parse [$($b:tt)*] else => $e:expr $(,)?) => {
        $crate::__select_impl!(@done [$($b)*] { else => { $e } })
    };
    (@parse [$($b:tt)*]) => {
        $crate::__select_impl!(@done [$($b)*] {})
    };
    // A branch whose handler is a block (the comma after it is optional).
    (@parse [$($b:tt)*] $p:pat = $f:expr $(, if $c:expr)? => $h:block , $($rest:tt)*) => {
        $crate::__select_impl!(@parse [$($b)* { $p = $f $(, if $c)? => $h, }] $($rest)*)
    };
    (@parse [$($b:tt)*] $p:pat = $f:expr $(, if $c:expr)? => $h:block $($rest:tt)*) => {
        $crate::__select_impl!(@parse [$($b)* { $p = $f $(, if $c)? => $h, }] $($rest)*)
    };
    // A branch whose handler is an expression: a comma follows unless it is the last.
    // (Passed on in a block: tokio's own parser would try a parsed expression as a block.)
    (@parse [$($b:tt)*] $p:pat = $f:expr $(, if $c:expr)? => $h:expr , $($rest:tt)*) => {
        $crate::__select_impl!(@parse [$($b)* { $p = $f $(, if $c)? => { $h }, }] $($rest)*)
    };
    (@parse [$($b:tt)*] $p:pat = $f:expr $(, if $c:expr)? => $h:expr) => {
        $crate::__select_impl!(@done [$($b)* { $p = $f $(, if $c)? => { $h }, }] {})
    };
    (@done [$($b:tt)+] $else:tt) => {
        if $crate::is_test_mode() {
            let start = $crate::__private::select_start(0 $(+ $crate::__select_impl!(@one $b))+);
            $crate::__select_impl!(@chain start (0usize) [$($b)+] [$($b)+] $else)
        } else {
            $crate::__select_impl!(@emit () $else $($b)+)
        }
    };
    (@one $b:tt) => { 1u64 };
    // One arm per rotation: the last needs no test.
    (@chain $start:ident ($idx:expr) [$($cur:tt)+] [$c:tt] $else:tt) => {
        $crate::__select_impl!(@emit (biased;) $else $($cur)+)
    };
    (@chain $start:ident ($idx:expr) [$first:tt $($rest:tt)*] [$c:tt $($cs:tt)+] $else:tt) => {
        if $start == $idx {
            $crate::__select_impl!(@emit (biased;) $else $first $($rest)*)
        } else {
            $crate::__select_impl!(@chain $start ($idx + 1) [$($rest)* $first] [$($cs)+] $else)
        }
    };
    (@emit ($($biased:tt)*) { $($else:tt)* } $({ $($branch:tt)* })+) => {
        $crate::__private::tokio::select! { $($biased)* $($($branch)*)+ $($else)* }
    };
}
