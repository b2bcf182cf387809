//! Timers and `receive`: a timer's firing is a scheduler choice, periodic timers tick and
//! stopped ones never fire.

use super::*;

/// A client that asks the server and waits, inside its handler, for the reply or its timeout.
struct Client {
    server: ActorRef<Request>,
    outcome: Arc<Mutex<Option<&'static str>>>,
}

#[derive(Debug)]
enum ClientEvent {
    Start,
    Reply,
    Timeout,
}

#[derive(Debug)]
struct Request(ActorRef<ClientEvent>);

struct Server;

impl Actor for Server {
    type Event = Request;
    async fn handle(&mut self, _ctx: &mut Context<Request>, Request(client): Request) {
        time::sleep(Duration::from_millis(10)).await;
        client.send(ClientEvent::Reply).await;
    }
}

impl Actor for Client {
    type Event = ClientEvent;
    async fn handle(&mut self, ctx: &mut Context<ClientEvent>, event: ClientEvent) {
        if let ClientEvent::Start = event {
            let timer = ctx.start_timer(Duration::from_millis(50), ClientEvent::Timeout);
            self.server.send(Request(ctx.me())).await;
            let got = ctx
                .receive(|e| matches!(e, ClientEvent::Reply | ClientEvent::Timeout))
                .await;
            ctx.stop_timer(timer);
            *self.outcome.lock().await = Some(match got {
                ClientEvent::Reply => "reply",
                _ => "timeout",
            });
            ctx.halt();
        }
    }
}

/// What the client got: the reply or the timeout (a timer is a scheduler choice).
async fn request() -> &'static str {
    let outcome = Arc::new(Mutex::new(None));
    let server = actor::create(Server);
    let client = actor::create(Client {
        server,
        outcome: outcome.clone(),
    });
    client.send(ClientEvent::Start).await;
    while !client.is_halted() {
        time::sleep(Duration::from_millis(1)).await;
    }
    let got = *outcome.lock().await;
    got.expect("the client halts after it got one")
}

#[test]
fn a_timer_may_fire_before_the_reply_and_receive_waits_for_either() {
    let msg = bug_report(
        Config::new().strategy("random").iterations(1000),
        || async {
            assert_eq!(request().await, "reply", "the request timed out");
        },
    );
    assert!(msg.contains("the request timed out"), "{msg}");
    assert!(msg.contains("actor.timer"), "{msg}");
    assert!(msg.contains("Client(2) receives Timeout"), "{msg}");
    // Both orders are explored.
    let outcomes = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let seen = outcomes.clone();
    check(
        move || {
            let seen = seen.clone();
            async move {
                let got = request().await;
                seen.lock().unwrap().insert(got);
            }
        },
        Config::new().strategy("random").iterations(200),
    );
    assert_eq!(outcomes.lock().unwrap().len(), 2);
}

/// Ticks until it has seen three, then stops its periodic timer; a one-shot timer it stops at
/// once never fires.
#[derive(Default)]
struct Ticker {
    ticks: u32,
    done: Option<oneshot::Sender<u32>>,
}

#[derive(Debug)]
enum TickerEvent {
    Start(oneshot::Sender<u32>),
    Beat,
    Never,
}

impl Actor for Ticker {
    type Event = TickerEvent;
    async fn handle(&mut self, ctx: &mut Context<TickerEvent>, event: TickerEvent) {
        match event {
            TickerEvent::Start(done) => {
                self.done = Some(done);
                ctx.start_periodic_timer(Duration::from_millis(10), || TickerEvent::Beat);
                let never = ctx.start_timer(Duration::from_millis(1), TickerEvent::Never);
                assert!(ctx.stop_timer(never));
            }
            TickerEvent::Beat => {
                self.ticks += 1;
                if self.ticks == 3 {
                    let _ = self.done.take().unwrap().send(self.ticks);
                    ctx.halt();
                }
            }
            TickerEvent::Never => panic!("a stopped timer fired"),
        }
    }
}

pub(crate) async fn three_ticks() {
    let ticker = actor::create(Ticker::default());
    let (tx, rx) = oneshot::channel();
    ticker.send(TickerEvent::Start(tx)).await;
    assert_eq!(rx.await.unwrap(), 3);
    let start = time::now();
    while !ticker.is_halted() {
        time::sleep(Duration::from_millis(1)).await;
    }
    assert!(time::now() - start < Duration::from_secs(1));
}

#[test]
fn periodic_timers_tick_and_stopped_timers_never_fire() {
    check(three_ticks, Config::new().iterations(300));
}
