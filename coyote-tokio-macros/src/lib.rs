//! The attributes of `coyote-tokio`, used as `#[tokio::test]` and `#[tokio::main]` through the
//! package rename `tokio = { package = "coyote-tokio", ... }`.
//!
//! * `#[tokio::test]` turns an `async fn` into a systematic coyote test: under `cargo test` it
//!   runs `coyote_harness::check`'s exploration (the portfolio, `COYOTE_ITERATIONS`,
//!   `COYOTE_STRATEGY`, `COYOTE_SEED`; a trace and a replay line on failure), and it registers
//!   the function so `coyote list` / `coyote test` on the crate's `cdylib` find it without an
//!   `export_tests!` line. tokio's arguments (`flavor`, `worker_threads`, `start_paused`,
//!   `unhandled_panic`, `rng_seed`) are accepted: coyote runs every test on one controlled
//!   thread with virtual time, exploring the interleavings a multi-threaded runtime could
//!   produce, so they change nothing. `crate = "path"` names the drop-in when it is not `tokio`.
//! * `#[tokio::main]` builds a tokio runtime (multi-threaded unless `flavor = "current_thread"`)
//!   and blocks on the body, as tokio's does.
//!
//! Both expand to paths under the drop-in crate (`::tokio` unless `crate = ...` says otherwise).
#![warn(missing_docs)]

mod args;

use args::Args;
use proc_macro::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_macro_input, ItemFn};

/// Marks an `async fn` as a systematic coyote test (see the crate docs).
#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = match Args::parse(attr.into()) {
        Ok(a) => a,
        Err(e) => return e.to_compile_error().into(),
    };
    let input = parse_macro_input!(item as ItemFn);
    expand_test(args, input).unwrap_or_else(|e| e.to_compile_error().into())
}

/// Runs an `async fn main` on a tokio runtime (see the crate docs).
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = match Args::parse(attr.into()) {
        Ok(a) => a,
        Err(e) => return e.to_compile_error().into(),
    };
    let input = parse_macro_input!(item as ItemFn);
    expand_main(args, input).unwrap_or_else(|e| e.to_compile_error().into())
}

fn require_async(input: &ItemFn, what: &str) -> syn::Result<()> {
    if input.sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            input.sig.fn_token,
            format!("the `async` keyword is missing from the function declaration of {what}"),
        ));
    }
    Ok(())
}

fn expand_test(args: Args, input: ItemFn) -> syn::Result<TokenStream> {
    require_async(&input, "a #[tokio::test]")?;
    if !input.sig.inputs.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.sig.inputs,
            "a #[tokio::test] takes no arguments",
        ));
    }
    let krate = args.krate;
    let name = &input.sig.ident;
    let name_str = name.to_string();
    let body_fn = format_ident!("__coyote_test_{}", name);
    let make_fn = format_ident!("__coyote_make_{}", name);
    let attrs = &input.attrs;
    let output = &input.sig.output;
    let block = &input.block;
    Ok(quote! {
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case, clippy::all)]
        async fn #body_fn() #output #block

        #[doc(hidden)]
        #[allow(dead_code, non_snake_case)]
        fn #make_fn() -> #krate::__private::TestFuture {
            #krate::__private::test_future(async {
                #krate::__private::TestOutput::finish(#body_fn().await)
            })
        }

        #krate::__private::inventory::submit! {
            #krate::__private::Registered {
                module: ::core::module_path!(),
                name: #name_str,
                make: #make_fn,
            }
        }

        #(#attrs)*
        #[::core::prelude::v1::test]
        fn #name() {
            #krate::__private::run_test(::core::module_path!(), #name_str, #make_fn)
        }
    }
    .into())
}

fn expand_main(args: Args, input: ItemFn) -> syn::Result<TokenStream> {
    require_async(&input, "#[tokio::main]")?;
    let krate = &args.krate;
    let attrs = &input.attrs;
    let vis = &input.vis;
    let mut sig = input.sig.clone();
    sig.asyncness = None;
    let block = &input.block;
    let builder = if args.current_thread {
        quote!(#krate::runtime::Builder::new_current_thread())
    } else {
        quote!(#krate::runtime::Builder::new_multi_thread())
    };
    let workers = args
        .worker_threads
        .map(|n| quote!(.worker_threads(#n)))
        .unwrap_or_default();
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            let body = async #block;
            #builder
                .enable_all()
                #workers
                .build()
                .expect("Failed building the Runtime")
                .block_on(body)
        }
    }
    .into())
}
