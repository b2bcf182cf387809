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
//! * as in tokio, every precondition and then every future expression is evaluated once, in
//!   written order, before any is polled (tests bind them to names of the macro's own, which
//!   user code cannot see); only the polling order rotates;
//! * each handler is expanded once per rotation, in arms of an `if` chain of which exactly one
//!   runs, so handlers may move captured values, `return`, `break`, `continue`, use `?` and use
//!   what their future borrowed, as in `tokio::select!`.

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
        $crate::__select_impl!(@parse [] [
            (__f0 __c0) (__f1 __c1) (__f2 __c2) (__f3 __c3) (__f4 __c4) (__f5 __c5) (__f6 __c6)
            (__f7 __c7) (__f8 __c8) (__f9 __c9) (__f10 __c10) (__f11 __c11) (__f12 __c12)
            (__f13 __c13) (__f14 __c14) (__f15 __c15) (__f16 __c16) (__f17 __c17) (__f18 __c18)
            (__f19 __c19) (__f20 __c20) (__f21 __c21) (__f22 __c22) (__f23 __c23) (__f24 __c24)
            (__f25 __c25) (__f26 __c26) (__f27 __c27) (__f28 __c28) (__f29 __c29) (__f30 __c30)
            (__f31 __c31) (__f32 __c32) (__f33 __c33) (__f34 __c34) (__f35 __c35) (__f36 __c36)
            (__f37 __c37) (__f38 __c38) (__f39 __c39) (__f40 __c40) (__f41 __c41) (__f42 __c42)
            (__f43 __c43) (__f44 __c44) (__f45 __c45) (__f46 __c46) (__f47 __c47) (__f48 __c48)
            (__f49 __c49) (__f50 __c50) (__f51 __c51) (__f52 __c52) (__f53 __c53) (__f54 __c54)
            (__f55 __c55) (__f56 __c56) (__f57 __c57) (__f58 __c58) (__f59 __c59) (__f60 __c60)
            (__f61 __c61) (__f62 __c62) (__f63 __c63)
        ] $($rest)*)
    };
}

/// The parts of [`select!`]: parsing branches into `{ ... }` groups, each with two names of
/// its own (from the list `select!` passes, up to tokio's 64 branches) for its future and
/// precondition, then the rotations.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_impl {
    // The `else` branch, last.
    (@parse [$($b:tt)*] $ids:tt else => $e:expr $(,)?) => {
        $crate::__select_impl!(@done [$($b)*] { else => { $e } })
    };
    (@parse [$($b:tt)*] $ids:tt) => {
        $crate::__select_impl!(@done [$($b)*] {})
    };
    // A branch whose handler is a block (the comma after it is optional).
    (@parse [$($b:tt)*] [$id:tt $($ids:tt)*]
        $p:pat = $f:expr $(, if $c:expr)? => $h:block , $($rest:tt)*) => {
        $crate::__select_impl!(@parse [$($b)* { $id ($p) ($f) ($($c)?) $h }] [$($ids)*] $($rest)*)
    };
    (@parse [$($b:tt)*] [$id:tt $($ids:tt)*]
        $p:pat = $f:expr $(, if $c:expr)? => $h:block $($rest:tt)*) => {
        $crate::__select_impl!(@parse [$($b)* { $id ($p) ($f) ($($c)?) $h }] [$($ids)*] $($rest)*)
    };
    // A branch whose handler is an expression: a comma follows unless it is the last. (It is
    // passed on in a block: tokio's own parser would try a parsed expression as a block.)
    (@parse [$($b:tt)*] [$id:tt $($ids:tt)*]
        $p:pat = $f:expr $(, if $c:expr)? => $h:expr , $($rest:tt)*) => {
        $crate::__select_impl!(
            @parse [$($b)* { $id ($p) ($f) ($($c)?) { $h } }] [$($ids)*] $($rest)*
        )
    };
    (@parse [$($b:tt)*] [$id:tt $($ids:tt)*]
        $p:pat = $f:expr $(, if $c:expr)? => $h:expr) => {
        $crate::__select_impl!(@done [$($b)* { $id ($p) ($f) ($($c)?) { $h } }] {})
    };
    // Tests: preconditions, then futures, evaluated in written order as tokio does; then the
    // rotation the strategy picks polls them. Production: tokio's `select!` as written.
    (@done [$({ ($fid:ident $cid:ident) ($p:pat) ($f:expr) ($($c:expr)?) $h:block })+]
        { $($else:tt)* }) => {
        if $crate::is_test_mode() {
            $( let $cid: bool = $crate::__select_impl!(@cond $($c)?); )+
            $( let $fid = $f; )+
            let start = $crate::__private::select_start(0 $(+ $crate::__select_impl!(@one $fid))+);
            $crate::__select_impl!(
                @chain start (0usize) [$({ $p = $fid, if $cid => $h, })+] [$($fid)+] { $($else)* }
            )
        } else {
            $crate::__private::tokio::select! { $( $p = $f $(, if $c)? => $h, )+ $($else)* }
        }
    };
    (@cond) => { true };
    (@cond $c:expr) => { $c };
    (@one $id:ident) => { 1u64 };
    // One arm per rotation: the last needs no test.
    (@chain $start:ident ($idx:expr) [$($cur:tt)+] [$n:tt] $else:tt) => {
        $crate::__select_impl!(@emit $else $($cur)+)
    };
    (@chain $start:ident ($idx:expr) [$first:tt $($rest:tt)*] [$n:tt $($ns:tt)+] $else:tt) => {
        if $start == $idx {
            $crate::__select_impl!(@emit $else $first $($rest)*)
        } else {
            $crate::__select_impl!(@chain $start ($idx + 1) [$($rest)* $first] [$($ns)+] $else)
        }
    };
    (@emit { $($else:tt)* } $({ $($branch:tt)* })+) => {
        $crate::__private::tokio::select! { biased; $($($branch)*)+ $($else)* }
    };
}
