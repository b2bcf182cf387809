//! Production mode (no test running): actors on a tokio runtime keep the semantics the tests
//! explore: events a `receive` skips stay queued in order, deferred events wait for a state
//! that takes them, an actor stops when nothing can reach it, a halted actor drops what is sent.

use super::*;

fn on_tokio(body: impl std::future::Future<Output = ()>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert!(!coyote_harness::is_test_mode());
    rt.block_on(body);
}

#[derive(Debug)]
enum Collect {
    /// Waits (inside the handler) for `Go`.
    Wait,
    Num(u32),
    Go,
    Report(oneshot::Sender<Vec<u32>>),
}

#[derive(Default)]
struct Collector {
    seen: Vec<u32>,
}

impl Actor for Collector {
    type Event = Collect;
    async fn handle(&mut self, ctx: &mut Context<Collect>, event: Collect) {
        match event {
            Collect::Wait => {
                let go = ctx.receive(|e| matches!(e, Collect::Go)).await;
                assert!(matches!(go, Collect::Go));
            }
            Collect::Num(n) => self.seen.push(n),
            Collect::Go => self.seen.push(0),
            Collect::Report(reply) => {
                let _ = reply.send(std::mem::take(&mut self.seen));
            }
        }
    }
}

#[test]
fn events_a_receive_skips_stay_queued_in_order_on_tokio() {
    on_tokio(async {
        let c = actor::create(Collector::default());
        let (tx, rx) = oneshot::channel();
        use Collect::*;
        for e in [Wait, Num(1), Num(2), Go, Num(3), Report(tx)] {
            c.send(e).await;
        }
        // `Go` was taken by the `receive`, not handled; 1 and 2 waited behind it, in order.
        assert_eq!(rx.await.unwrap(), vec![1, 2, 3]);
    });
}

/// Waits inside a handler for the tick of its own one-shot timer.
struct TickWaiter {
    gone: Option<oneshot::Sender<()>>,
}

impl Drop for TickWaiter {
    fn drop(&mut self) {
        if let Some(gone) = self.gone.take() {
            let _ = gone.send(());
        }
    }
}

impl Actor for TickWaiter {
    type Event = Collect;
    async fn handle(&mut self, ctx: &mut Context<Collect>, event: Collect) {
        if let Collect::Wait = event {
            ctx.start_timer(Duration::from_millis(20), Collect::Go);
            ctx.receive(|e| matches!(e, Collect::Go)).await;
        }
    }
}

#[test]
fn an_actor_whose_last_address_went_while_it_received_stops_on_tokio() {
    on_tokio(async {
        let (gone, stopped) = oneshot::channel();
        let a = actor::create(TickWaiter { gone: Some(gone) });
        a.send(Collect::Wait).await;
        // The last address goes while the actor waits for its tick inside the handler.
        tokio::time::sleep(Duration::from_millis(5)).await;
        drop(a);
        tokio::time::timeout(Duration::from_secs(5), stopped)
            .await
            .expect("the actor stops once its tick is handled and nothing can reach it")
            .unwrap();
    });
}

#[test]
fn a_halted_actor_drops_later_events_on_tokio() {
    on_tokio(async {
        let c = actor::create(Collector::default());
        c.send(Collect::Num(1)).await;
        c.send_halt().await;
        c.send(Collect::Num(2)).await;
        tokio::time::timeout(Duration::from_secs(5), async {
            while !c.is_halted() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the actor halts");
        let (tx, rx) = oneshot::channel();
        c.send(Collect::Report(tx)).await;
        // The report request is dropped with the actor: its reply channel closes.
        assert!(rx.await.is_err());
    });
}

/// A machine whose start state has a default handler: it counts the events it got first.
struct Idler {
    got: u32,
    done: Option<oneshot::Sender<u32>>,
}

impl StateMachine for Idler {
    type Event = u32;
    type State = Door;
    fn initial(&self) -> Door {
        Door::Closed
    }
    fn has_default(_: Door) -> bool {
        true
    }
    async fn on_event(&mut self, _: &mut Context<u32>, _: Door, n: u32) -> TransitionOf<Self> {
        self.got += n;
        Transition::Stay
    }
    async fn on_default(&mut self, _: &mut Context<u32>, _: Door) -> TransitionOf<Self> {
        if self.got >= 3 {
            if let Some(done) = self.done.take() {
                let _ = done.send(self.got);
            }
            return Transition::Halt;
        }
        Transition::Stay
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Door {
    Closed,
}

#[test]
fn a_default_handler_runs_when_the_inbox_is_empty_on_tokio() {
    on_tokio(async {
        let (tx, rx) = oneshot::channel();
        let m = actor::create_machine(Idler {
            got: 0,
            done: Some(tx),
        });
        for _ in 0..3 {
            m.send(1).await;
            tokio::task::yield_now().await;
        }
        let got = tokio::time::timeout(Duration::from_secs(5), rx)
            .await
            .expect("the default handler runs")
            .unwrap();
        assert_eq!(got, 3);
    });
}

/// Sends itself an event from every handler: its inbox is never empty.
struct Spinner;

impl Actor for Spinner {
    type Event = u32;
    async fn on_start(&mut self, ctx: &mut Context<u32>) {
        ctx.me().send(0).await;
    }
    async fn handle(&mut self, ctx: &mut Context<u32>, n: u32) {
        ctx.me().send(n.wrapping_add(1)).await;
    }
}

#[test]
fn an_actor_that_always_has_an_event_lets_the_other_tasks_of_its_thread_run() {
    on_tokio(async {
        let spinner = actor::create(Spinner);
        // On a current_thread runtime, this task runs again only if the spinner's task yields.
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        spinner.send_halt().await;
        tokio::time::timeout(Duration::from_secs(5), async {
            while !spinner.is_halted() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the spinner halts");
    });
}

/// Checks that each sender's numbers come in order, and reports how many it got.
#[derive(Default)]
struct PerSender {
    last: [Option<u32>; 4],
    got: u32,
}

#[derive(Debug)]
enum Numbered {
    From(usize, u32),
    Report(oneshot::Sender<u32>),
}

impl Actor for PerSender {
    type Event = Numbered;
    async fn handle(&mut self, _: &mut Context<Numbered>, event: Numbered) {
        match event {
            Numbered::From(sender, n) => {
                assert!(
                    !matches!(self.last[sender], Some(last) if last >= n),
                    "out of order"
                );
                self.last[sender] = Some(n);
                self.got += 1;
            }
            Numbered::Report(reply) => {
                let _ = reply.send(self.got);
            }
        }
    }
}

#[test]
fn senders_on_several_threads_are_received_each_in_order_on_tokio() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let actor = actor::create(PerSender::default());
        let senders: Vec<_> = (0..4)
            .map(|sender| {
                let actor = actor.clone();
                tokio::spawn(async move {
                    for n in 0..2_000 {
                        actor.send(Numbered::From(sender, n)).await;
                        if n % 100 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for sender in senders {
            sender.await.unwrap();
        }
        let (tx, rx) = oneshot::channel();
        actor.send(Numbered::Report(tx)).await;
        let got = tokio::time::timeout(Duration::from_secs(10), rx)
            .await
            .expect("the actor answers")
            .unwrap();
        assert_eq!(got, 8_000);
    });
}

/// Panics when it handles `Go`.
struct Panicker;

impl Actor for Panicker {
    type Event = Collect;
    async fn handle(&mut self, _: &mut Context<Collect>, event: Collect) {
        if let Collect::Go = event {
            panic!("the handler fails (on purpose)");
        }
    }
}

#[test]
fn what_is_sent_to_an_actor_whose_task_panicked_is_dropped_on_tokio() {
    on_tokio(async {
        let a = actor::create(Panicker);
        a.send(Collect::Go).await;
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let (tx, rx) = oneshot::channel();
        a.send(Collect::Report(tx)).await;
        let reply = tokio::time::timeout(Duration::from_secs(5), rx)
            .await
            .expect("the request is dropped, not kept");
        assert!(reply.is_err());
    });
}
