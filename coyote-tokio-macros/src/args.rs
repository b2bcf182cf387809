//! The arguments of `#[tokio::test]` and `#[tokio::main]`, as tokio spells them.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, Meta, Token};

/// What the attributes' arguments say.
pub(crate) struct Args {
    /// The drop-in's path (`::tokio` unless `crate = "..."`).
    pub(crate) krate: TokenStream,
    /// `flavor = "current_thread"`.
    pub(crate) current_thread: bool,
    /// `worker_threads = N`.
    pub(crate) worker_threads: Option<usize>,
}

const KNOWN: &[&str] = &[
    "flavor",
    "worker_threads",
    "start_paused",
    "crate",
    "unhandled_panic",
    "rng_seed",
];

impl Args {
    pub(crate) fn parse(attr: TokenStream) -> syn::Result<Args> {
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr)?;
        let mut args = Args {
            krate: quote!(::tokio),
            current_thread: false,
            worker_threads: None,
        };
        for meta in metas {
            let Meta::NameValue(nv) = &meta else {
                return Err(syn::Error::new_spanned(
                    &meta,
                    "expected `name = value`, such as `flavor = \"multi_thread\"`",
                ));
            };
            let key = nv
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            if !KNOWN.contains(&key.as_str()) {
                return Err(syn::Error::new_spanned(
                    &nv.path,
                    format!(
                        "unknown attribute `{key}`, expected one of {}",
                        KNOWN.join(", ")
                    ),
                ));
            }
            let lit = match &nv.value {
                Expr::Lit(l) => Some(&l.lit),
                _ => None,
            };
            match (key.as_str(), lit) {
                ("crate", Some(Lit::Str(s))) => {
                    let path: syn::Path = s.parse()?;
                    args.krate = quote!(#path);
                }
                ("flavor", Some(Lit::Str(s))) => match s.value().as_str() {
                    "current_thread" => args.current_thread = true,
                    "multi_thread" => {}
                    other => {
                        return Err(syn::Error::new_spanned(
                            s,
                            format!("no such runtime flavor `{other}`: the runtime flavors are `current_thread` and `multi_thread`"),
                        ))
                    }
                },
                ("worker_threads", Some(Lit::Int(n))) => {
                    args.worker_threads = Some(n.base10_parse()?);
                }
                ("start_paused", Some(Lit::Bool(_))) => {}
                ("unhandled_panic" | "rng_seed", _) => {}
                (key, _) => {
                    return Err(syn::Error::new_spanned(
                        &nv.value,
                        format!("`{key}` has a value of the wrong type"),
                    ))
                }
            }
        }
        Ok(args)
    }
}
