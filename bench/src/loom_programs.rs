// The programs of the loom comparison (`loom_vs.rs`), as one source text compiled twice: once
// where `thread`, `Arc`, `Mutex`, `AtomicBool`, `AtomicUsize` and `SeqCst` are loom's, once where
// they are `coyote_harness::std`'s. Every ordering is `SeqCst`, so loom explores the same
// sequentially consistent space coyote does. Each program passes in every schedule (both sides
// must exhaust their space), and each ends with an assertion that checks its result.

/// 3 threads each `fetch_add(1)` once on one atomic; main joins and checks 3.
pub(crate) fn fetch_add_3() {
    let n = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let n = n.clone();
            thread::spawn(move || {
                n.fetch_add(1, SeqCst);
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(n.load(SeqCst), 3);
}

/// 2 threads each `fetch_add(1)` twice; main joins and checks 4.
pub(crate) fn fetch_add_2x2() {
    let n = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            thread::spawn(move || {
                n.fetch_add(1, SeqCst);
                n.fetch_add(1, SeqCst);
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(n.load(SeqCst), 4);
}

/// 3 threads each increment a `Mutex<usize>` once; main joins and checks 3.
pub(crate) fn mutex_counter_3() {
    let m = Arc::new(Mutex::new(0usize));
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                *m.lock().unwrap() += 1;
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*m.lock().unwrap(), 3);
}

/// Message passing: a writer stores two data words, then a flag; two readers each load the
/// flag and, if it is set, check both words.
pub(crate) fn message_passing() {
    let data = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
    let flag = Arc::new(AtomicBool::new(false));
    let writer = {
        let (data, flag) = (data.clone(), flag.clone());
        thread::spawn(move || {
            data.0.store(1, SeqCst);
            data.1.store(2, SeqCst);
            flag.store(true, SeqCst);
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (data, flag) = (data.clone(), flag.clone());
            thread::spawn(move || {
                if flag.load(SeqCst) {
                    assert_eq!((data.0.load(SeqCst), data.1.load(SeqCst)), (1, 2));
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
}

/// A Treiber push: 3 threads each push their own node (an arena index) with a load, a store of
/// the node's `next` and a compare-exchange of the head, retrying on failure; main joins and
/// walks the stack, which must hold the 3 nodes.
pub(crate) fn treiber_push_3() {
    // head and next[i]: a node index + 1, 0 for none.
    let stack = Arc::new((
        AtomicUsize::new(0),
        [
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        ],
    ));
    let hs: Vec<_> = (0..3)
        .map(|i| {
            let stack = stack.clone();
            thread::spawn(move || loop {
                let head = stack.0.load(SeqCst);
                stack.1[i].store(head, SeqCst);
                if stack.0.compare_exchange(head, i + 1, SeqCst, SeqCst).is_ok() {
                    break;
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    let mut seen = [false; 3];
    let mut at = stack.0.load(SeqCst);
    while at != 0 {
        assert!(!seen[at - 1], "node {} twice", at - 1);
        seen[at - 1] = true;
        at = stack.1[at - 1].load(SeqCst);
    }
    assert_eq!(seen, [true; 3], "a push was lost");
}
