//! The simulated network of one iteration: hosts, bound ports, listeners with their accept
//! queues, connections and UDP sockets, partitions and link delays.
//!
//! It lives in a thread-local next to the executor and is rebuilt at the first network call of
//! each iteration (keyed by the executor's generation), so nothing leaks from one iteration into
//! the next and the same decisions build the same world.
//!
//! Invariants:
//! * ids (hosts, connections, listeners, sockets) are dense, given in creation order and never
//!   reused within an iteration, so they are the same on replay;
//! * host 0 is the default host (`main`, 10.0.0.1); host `i` has address 10.0.0.(i+1); every
//!   task runs on one host (inherited from its spawner, see `Host::spawn`), except fault tasks,
//!   which run on [`NETWORK`];
//! * wakers are never woken while the world is borrowed: operations push them on `wakes`, and
//!   [`with_world`] wakes them after the borrow ends;
//! * the per-host store survives `crash`/`restart` (only a new iteration clears it).

use super::conn::Conn;
use super::datagram::Socket;
use std::any::Any;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

/// The pseudo-host fault tasks run on: crashing a host never stops them.
pub(crate) const NETWORK: u32 = u32::MAX;

/// The first ephemeral port (the IANA dynamic range, as Linux's `ip_local_port_range` starts
/// higher but tokio users only rely on it being nonzero).
const EPHEMERAL: u16 = 49152;

/// A host's boot function: what runs on it now and after each restart.
pub(crate) type Boot = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>>>;

pub(crate) struct HostState {
    pub(crate) name: String,
    pub(crate) up: bool,
    pub(crate) boot: Option<Boot>,
    pub(crate) store: BTreeMap<String, Box<dyn Any>>,
    next_port: u16,
}

/// A bound TCP listener.
pub(crate) struct Listener {
    pub(crate) host: u32,
    pub(crate) addr: SocketAddr,
    pub(crate) backlog: VecDeque<u32>,
    pub(crate) waker: Option<Waker>,
    pub(crate) open: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Proto {
    Tcp,
    Udp,
}

/// See the module docs.
pub(crate) struct World {
    generation: u32,
    pub(crate) hosts: Vec<HostState>,
    /// `(host, protocol, port)` to the listener's or socket's id.
    bound: BTreeMap<(u32, Proto, u16), u32>,
    pub(crate) listeners: Vec<Listener>,
    pub(crate) conns: Vec<Conn>,
    pub(crate) sockets: Vec<Socket>,
    /// Pairs of hosts (smaller id first) that cannot reach each other.
    partitions: BTreeSet<(u32, u32)>,
    delays: BTreeMap<(u32, u32), Duration>,
    /// Whether reads and writes may move fewer bytes than they could (`sim::partial_io`).
    pub(crate) partial_io: bool,
    /// Tasks waiting for a connection to be established (a declared reset fault).
    pub(crate) conn_waiters: Vec<Waker>,
    /// Wakers to wake once the borrow ends.
    pub(crate) wakes: Vec<Waker>,
}

thread_local! {
    static WORLD: RefCell<World> = RefCell::new(World::new(0));
}

/// Runs `f` on the network of iteration `generation` (a new one if the last call was in another
/// iteration), then wakes what it released, outside the borrow.
pub(crate) fn with_world<R>(generation: u32, f: impl FnOnce(&mut World) -> R) -> R {
    let (r, mut wakes) = WORLD.with(|cell| {
        if cell.borrow().generation != generation {
            // The old world is dropped after the borrow (its store may hold user values).
            let old = cell.replace(World::new(generation));
            drop(old);
        }
        let mut w = cell.borrow_mut();
        let r = f(&mut w);
        (r, std::mem::take(&mut w.wakes))
    });
    for waker in wakes.drain(..) {
        waker.wake();
    }
    WORLD.with(|w| {
        if let Ok(mut w) = w.try_borrow_mut() {
            if w.wakes.is_empty() {
                w.wakes = wakes;
            }
        }
    });
    r
}

fn not_found(what: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!(
        "failed to lookup address information: {what}: no such simulated host (create it with net::sim::host)"
    ))
}

impl World {
    fn new(generation: u32) -> World {
        World {
            generation,
            hosts: vec![HostState::new("main".into())],
            bound: BTreeMap::new(),
            listeners: Vec::new(),
            conns: Vec::new(),
            sockets: Vec::new(),
            partitions: BTreeSet::new(),
            delays: BTreeMap::new(),
            partial_io: true,
            conn_waiters: Vec::new(),
            wakes: Vec::new(),
        }
    }

    /// Host `name`'s id, creating the host if there is none.
    pub(crate) fn host_named(&mut self, name: &str) -> u32 {
        if let Some(i) = self.hosts.iter().position(|h| h.name == name) {
            return i as u32;
        }
        assert!(
            self.hosts.len() < 250,
            "net::sim: at most 250 hosts in a test"
        );
        self.hosts.push(HostState::new(name.into()));
        (self.hosts.len() - 1) as u32
    }

    /// Host `id`'s address.
    pub(crate) fn ip_of(id: u32) -> Ipv4Addr {
        Ipv4Addr::new(10, 0, 0, (id + 1) as u8)
    }

    /// The host that has address `ip`, seen from host `from` (loopback and unspecified
    /// addresses are `from` itself).
    pub(crate) fn host_at(&self, from: u32, ip: IpAddr) -> Option<u32> {
        if ip.is_loopback() || ip.is_unspecified() {
            return Some(from);
        }
        match ip {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                let id = (o[3] as u32).checked_sub(1)?;
                (o[0] == 10 && o[1] == 0 && o[2] == 0 && (id as usize) < self.hosts.len())
                    .then_some(id)
            }
            IpAddr::V6(_) => None,
        }
    }

    /// Resolves host name `name` (a simulated host, `localhost`, or an address).
    pub(crate) fn resolve(&self, name: &str) -> io::Result<IpAddr> {
        if let Ok(ip) = name.parse::<IpAddr>() {
            return Ok(ip);
        }
        if name.eq_ignore_ascii_case("localhost") {
            return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        self.hosts
            .iter()
            .position(|h| h.name == name)
            .map(|i| IpAddr::V4(Self::ip_of(i as u32)))
            .ok_or_else(|| not_found(name))
    }

    /// Whether `a` and `b` can reach each other (both up, not partitioned).
    pub(crate) fn reachable(&self, a: u32, b: u32) -> bool {
        let up = |h: u32| self.hosts.get(h as usize).is_some_and(|h| h.up);
        up(a) && up(b) && !self.partitioned(a, b)
    }

    pub(crate) fn partitioned(&self, a: u32, b: u32) -> bool {
        a != b && self.partitions.contains(&pair(a, b))
    }

    pub(crate) fn delay(&self, a: u32, b: u32) -> Duration {
        self.delays
            .get(&pair(a, b))
            .copied()
            .unwrap_or(Duration::ZERO)
    }

    pub(crate) fn set_partitioned(&mut self, a: u32, b: u32, on: bool) {
        if on {
            self.partitions.insert(pair(a, b));
        } else if self.partitions.remove(&pair(a, b)) {
            // What waited for the link may go on: readers see held data, timers recompute.
            for c in &mut self.conns {
                if c.links(a, b) {
                    c.wake_all(&mut self.wakes);
                }
            }
        }
    }

    pub(crate) fn set_delay(&mut self, a: u32, b: u32, d: Duration) {
        self.delays.insert(pair(a, b), d);
    }

    /// Binds `addr` on `host` for `proto` (port 0: an ephemeral port); returns the bound
    /// address. `id` is the listener's or socket's id.
    pub(crate) fn bind(
        &mut self,
        host: u32,
        proto: Proto,
        addr: SocketAddr,
        id: u32,
    ) -> io::Result<SocketAddr> {
        let ip = addr.ip();
        let own = IpAddr::V4(Self::ip_of(host));
        if !(ip.is_loopback() || ip.is_unspecified() || ip == own) {
            return Err(io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                format!(
                    "cannot assign requested address {ip} (host {} has {own})",
                    self.hosts[host as usize].name
                ),
            ));
        }
        let port = if addr.port() == 0 {
            self.ephemeral(host, proto)
        } else {
            addr.port()
        };
        if self.bound.contains_key(&(host, proto, port)) {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!("address in use: port {port}"),
            ));
        }
        self.bound.insert((host, proto, port), id);
        Ok(SocketAddr::new(ip, port))
    }

    pub(crate) fn unbind(&mut self, host: u32, proto: Proto, port: u16) {
        self.bound.remove(&(host, proto, port));
    }

    pub(crate) fn bound(&self, host: u32, proto: Proto, port: u16) -> Option<u32> {
        self.bound.get(&(host, proto, port)).copied()
    }

    /// A free port on `host` from the ephemeral range.
    pub(crate) fn ephemeral(&mut self, host: u32, proto: Proto) -> u16 {
        let h = &mut self.hosts[host as usize];
        loop {
            let p = h.next_port;
            h.next_port = if p == u16::MAX { EPHEMERAL } else { p + 1 };
            if !self.bound.contains_key(&(host, proto, p)) {
                return p;
            }
        }
    }

    /// Crashes `host`: it is down, every connection it has is reset, its listeners and sockets
    /// are closed. Its store survives.
    pub(crate) fn crash(&mut self, host: u32) {
        self.hosts[host as usize].up = false;
        let wakes = &mut self.wakes;
        for c in &mut self.conns {
            if c.hosts.contains(&host) {
                c.reset(wakes);
            }
        }
        for (id, l) in self.listeners.iter_mut().enumerate() {
            if l.host == host && l.open {
                l.open = false;
                wakes.extend(l.waker.take());
                for conn in l.backlog.drain(..) {
                    self.conns[conn as usize].reset(wakes);
                }
                self.bound.remove(&(host, Proto::Tcp, l.addr.port()));
                let _ = id;
            }
        }
        for s in &mut self.sockets {
            if s.host == host && s.open {
                s.open = false;
                wakes.extend(s.waker.take());
                self.bound.remove(&(host, Proto::Udp, s.addr.port()));
            }
        }
    }
}

impl HostState {
    fn new(name: String) -> HostState {
        HostState {
            name,
            up: true,
            boot: None,
            store: BTreeMap::new(),
            next_port: EPHEMERAL,
        }
    }
}

fn pair(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}

/// The network error a stale object (made in an earlier iteration, or outside a test) gives.
pub(crate) fn stale() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "a simulated network object used outside the test iteration that made it",
    )
}
