//! `#[tokio::test]` registers itself for `coyote list`; `export_tests!` takes paths and tests
//! returning `Result`, and both reach the same ABI.

use coyote_tokio as tokio;

mod scenarios {
    pub async fn by_path() {}
    pub async fn fails() -> Result<(), String> {
        Err("no".into())
    }
}

async fn ok_result() -> Result<(), std::io::Error> {
    Ok(())
}

coyote_harness::export_tests!(scenarios::by_path, scenarios::fails, ok_result);

#[tokio::test(
    crate = "coyote_tokio",
    flavor = "multi_thread",
    worker_threads = 2,
    start_paused = true
)]
async fn registered_attribute_test() {
    tokio::task::yield_now().await;
}

fn listed() -> Vec<String> {
    let raw = coyote_list();
    // SAFETY: `raw` is the NUL-terminated string `coyote_list` returned; freed once below.
    let json = unsafe { std::ffi::CStr::from_ptr(raw) }
        .to_str()
        .unwrap()
        .to_string();
    // SAFETY: from `coyote_list`, not used after.
    unsafe { coyote_free(raw) };
    let list: serde_json::Value = serde_json::from_str(&json).unwrap();
    list["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn export_lists_and_attribute_tests_share_one_registry() {
    assert_eq!(
        listed(),
        [
            "scenarios::by_path",
            "scenarios::fails",
            "ok_result",
            "registered_attribute_test"
        ]
    );
}

#[test]
fn a_test_returning_err_is_a_bug_and_ok_is_not() {
    let fails = __COYOTE_TESTS[1];
    assert_eq!(fails.name, "scenarios::fails");
    let p = std::panic::catch_unwind(|| {
        coyote_harness::__private::check_registered(fails.name, fails.make)
    });
    let msg = p
        .unwrap_err()
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(msg.contains("the test returned an error: \"no\""), "{msg}");
    let ok = __COYOTE_TESTS[2];
    coyote_harness::__private::check_registered(ok.name, ok.make);
}
