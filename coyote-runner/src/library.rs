//! Loading a user's test library and calling its C ABI ([`coyote_core::abi`]).
//!
//! Invariant: a [`Library`] exists only after the ABI version matched, so every other call may
//! assume the symbols have the signatures of this build's `coyote-core`.

use coyote_core::abi::{
    self, AbiVersionFn, EventCallback, FreeFn, ListFn, RunFn, TestList, ABI_VERSION,
};
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

/// Why a library could not be used. Messages are one line.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// No file there.
    #[error("library not found: {0}")]
    Missing(PathBuf),
    /// The dynamic loader refused it.
    #[error("cannot load {path} as a shared library: {reason}")]
    NotALibrary {
        /// The file.
        path: PathBuf,
        /// The loader's reason (one line).
        reason: String,
    },
    #[error("{0} has no coyote tests: it does not export `coyote_abi_version` (add `coyote_harness::export_tests!(...)` and build it as a cdylib)")]
    /// A shared library, but no coyote test library.
    NoExports(PathBuf),
    /// Built against another ABI version.
    #[error("{path} was built against coyote-harness ABI version {found}, but this coyote speaks version {expected}: rebuild it against the same coyote-harness version as this coyote")]
    AbiMismatch {
        /// The library.
        path: PathBuf,
        /// Its ABI version.
        found: u32,
        /// Ours.
        expected: u32,
    },
    #[error("{path} is missing the symbol `{symbol}`: it was not built with coyote_harness::export_tests!")]
    /// One of the ABI's symbols is missing.
    MissingSymbol {
        /// The library.
        path: PathBuf,
        /// The symbol.
        symbol: String,
    },
    #[error("{0} returned a malformed answer: {1}")]
    /// An ABI call answered something that is not its JSON.
    BadAnswer(PathBuf, String),
}

/// A loaded, version-checked test library.
pub(crate) struct Library {
    path: PathBuf,
    _lib: libloading::Library,
    list: ListFn,
    run: RunFn,
    replay: RunFn,
    free: FreeFn,
}

fn symbol<T: Copy>(lib: &libloading::Library, path: &Path, name: &[u8]) -> Result<T, LoadError> {
    // SAFETY: the ABI version was checked (or is being checked, for `coyote_abi_version`
    // itself), so the symbol has the signature `T` that coyote-core defines for it.
    unsafe { lib.get::<T>(name) }
        .map(|s| *s)
        .map_err(|_| LoadError::MissingSymbol {
            path: path.to_path_buf(),
            symbol: String::from_utf8_lossy(&name[..name.len() - 1]).into_owned(),
        })
}

impl Library {
    pub(crate) fn open(path: &Path) -> Result<Library, LoadError> {
        if !path.exists() {
            return Err(LoadError::Missing(path.to_path_buf()));
        }
        if path.is_dir() {
            return Err(LoadError::NotALibrary {
                path: path.to_path_buf(),
                reason: "it is a directory".into(),
            });
        }
        // Load by absolute path so the dynamic loader never searches elsewhere.
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        // SAFETY: loading runs the library's initialisers; that is what the user asked for by
        // naming it. Rust cdylibs built with the harness have no unusual initialisers.
        let lib =
            unsafe { libloading::Library::new(&abs) }.map_err(|e| LoadError::NotALibrary {
                path: path.to_path_buf(),
                reason: one_line(&e.to_string()),
            })?;
        let version: AbiVersionFn = symbol(&lib, path, abi::SYM_ABI_VERSION)
            .map_err(|_| LoadError::NoExports(path.to_path_buf()))?;
        // SAFETY: `coyote_abi_version` takes nothing and returns a u32 in every ABI version.
        let found = unsafe { version() };
        if found != ABI_VERSION {
            return Err(LoadError::AbiMismatch {
                path: path.to_path_buf(),
                found,
                expected: ABI_VERSION,
            });
        }
        Ok(Library {
            path: path.to_path_buf(),
            list: symbol(&lib, path, abi::SYM_LIST)?,
            run: symbol(&lib, path, abi::SYM_RUN)?,
            replay: symbol(&lib, path, abi::SYM_REPLAY)?,
            free: symbol(&lib, path, abi::SYM_FREE)?,
            _lib: lib,
        })
    }

    fn take_string(&self, ptr: *mut c_char) -> Result<String, LoadError> {
        if ptr.is_null() {
            return Err(LoadError::BadAnswer(self.path.clone(), "null".into()));
        }
        // SAFETY: the library returns a NUL-terminated string it allocated; we copy it and
        // give it back to `coyote_free` exactly once.
        let s = unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: as above.
        unsafe { (self.free)(ptr) };
        Ok(s)
    }

    pub(crate) fn list(&self) -> Result<TestList, LoadError> {
        // SAFETY: version-checked signature; no arguments.
        let s = self.take_string(unsafe { (self.list)() })?;
        serde_json::from_str(&s).map_err(|e| LoadError::BadAnswer(self.path.clone(), e.to_string()))
    }

    /// Runs a JSON request through `coyote_run` or `coyote_replay`, streaming events to `on_event`.
    fn call(
        &self,
        f: RunFn,
        request: &str,
        on_event: &mut dyn FnMut(&str),
        heartbeat: Option<&AtomicU64>,
    ) -> Result<String, LoadError> {
        unsafe extern "C" fn trampoline(ctx: *mut c_void, json: *const c_char, len: usize) {
            // SAFETY: `ctx` is the `&mut &mut dyn FnMut(&str)` passed below, alive for the call;
            // `json` points at `len` bytes of UTF-8 the library keeps alive during the callback.
            unsafe {
                let f = &mut *(ctx as *mut &mut dyn FnMut(&str));
                let bytes = std::slice::from_raw_parts(json as *const u8, len);
                f(&String::from_utf8_lossy(bytes));
            }
        }
        let req = CString::new(request).expect("JSON has no NUL");
        let mut cb: &mut dyn FnMut(&str) = on_event;
        let ctx = &mut cb as *mut &mut dyn FnMut(&str) as *mut c_void;
        let hb = heartbeat.map_or(std::ptr::null(), |h| h as *const AtomicU64);
        // SAFETY: version-checked signature; all pointers are valid for the call.
        let out = unsafe { f(req.as_ptr(), trampoline as EventCallback, ctx, hb) };
        self.take_string(out)
    }

    pub(crate) fn run(
        &self,
        request: &abi::RunRequest,
        on_event: &mut dyn FnMut(&str),
        heartbeat: Option<&AtomicU64>,
    ) -> Result<abi::RunResult, LoadError> {
        let req = serde_json::to_string(request).expect("serialises");
        let s = self.call(self.run, &req, on_event, heartbeat)?;
        serde_json::from_str(&s).map_err(|e| LoadError::BadAnswer(self.path.clone(), e.to_string()))
    }

    pub(crate) fn replay(
        &self,
        request: &abi::ReplayRequest,
    ) -> Result<abi::ReplayResult, LoadError> {
        let req = serde_json::to_string(request).expect("serialises");
        let s = self.call(self.replay, &req, &mut |_| {}, None)?;
        serde_json::from_str(&s).map_err(|e| LoadError::BadAnswer(self.path.clone(), e.to_string()))
    }
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}
