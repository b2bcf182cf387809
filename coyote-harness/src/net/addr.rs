//! What the network functions accept as an address: tokio's `ToSocketAddrs` inputs (a
//! `SocketAddr`, `"host:port"`, `(host, port)`, a slice of addresses), resolved by the real
//! resolver in production and by the simulated hosts' names in tests.

use super::world::{with_world, World};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// An address before resolution.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub enum Target {
    /// Addresses already (tried in order).
    Addrs(Vec<SocketAddr>),
    /// A host name and a port.
    Name(String, u16),
}

mod sealed {
    pub trait Sealed {}
}

/// Types that name one or more socket addresses; mirrors `tokio::net::ToSocketAddrs` (sealed,
/// implemented for the same types).
pub trait ToSocketAddrs: sealed::Sealed {
    #[doc(hidden)]
    fn to_target(&self) -> io::Result<Target>;
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_string())
}

macro_rules! addrs {
    ($($t:ty => |$s:ident| $e:expr;)*) => {$(
        impl sealed::Sealed for $t {}
        impl ToSocketAddrs for $t {
            fn to_target(&self) -> io::Result<Target> {
                let $s = self;
                Ok(Target::Addrs(vec![$e]))
            }
        }
    )*};
}

addrs! {
    SocketAddr => |s| *s;
    SocketAddrV4 => |s| SocketAddr::V4(*s);
    SocketAddrV6 => |s| SocketAddr::V6(*s);
    (IpAddr, u16) => |s| SocketAddr::new(s.0, s.1);
    (Ipv4Addr, u16) => |s| SocketAddr::new(IpAddr::V4(s.0), s.1);
    (Ipv6Addr, u16) => |s| SocketAddr::new(IpAddr::V6(s.0), s.1);
}

impl sealed::Sealed for [SocketAddr] {}
impl ToSocketAddrs for [SocketAddr] {
    fn to_target(&self) -> io::Result<Target> {
        Ok(Target::Addrs(self.to_vec()))
    }
}

impl sealed::Sealed for str {}
impl ToSocketAddrs for str {
    fn to_target(&self) -> io::Result<Target> {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Ok(Target::Addrs(vec![addr]));
        }
        let (host, port) = self
            .rsplit_once(':')
            .ok_or_else(|| invalid("invalid socket address"))?;
        let port = port.parse().map_err(|_| invalid("invalid port value"))?;
        Ok(Target::Name(host.to_string(), port))
    }
}

impl sealed::Sealed for String {}
impl ToSocketAddrs for String {
    fn to_target(&self) -> io::Result<Target> {
        self.as_str().to_target()
    }
}

impl sealed::Sealed for (&str, u16) {}
impl ToSocketAddrs for (&str, u16) {
    fn to_target(&self) -> io::Result<Target> {
        match self.0.parse::<IpAddr>() {
            Ok(ip) => Ok(Target::Addrs(vec![SocketAddr::new(ip, self.1)])),
            Err(_) => Ok(Target::Name(self.0.to_string(), self.1)),
        }
    }
}

impl sealed::Sealed for (String, u16) {}
impl ToSocketAddrs for (String, u16) {
    fn to_target(&self) -> io::Result<Target> {
        (self.0.as_str(), self.1).to_target()
    }
}

impl<T: ToSocketAddrs + ?Sized> sealed::Sealed for &T {}
impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {
    fn to_target(&self) -> io::Result<Target> {
        (**self).to_target()
    }
}

/// Resolves `target` with the real resolver (production).
pub(crate) async fn resolve_real(target: Target) -> io::Result<Vec<SocketAddr>> {
    match target {
        Target::Addrs(a) => Ok(a),
        Target::Name(host, port) => Ok(tokio::net::lookup_host((host.as_str(), port))
            .await?
            .collect()),
    }
}

/// Resolves `target` by the simulated hosts' names (test mode, iteration `generation`).
pub(crate) fn resolve_sim(generation: u32, target: Target) -> io::Result<Vec<SocketAddr>> {
    match target {
        Target::Addrs(a) => Ok(a),
        Target::Name(host, port) => with_world(generation, |w: &mut World| {
            w.resolve(&host).map(|ip| vec![SocketAddr::new(ip, port)])
        }),
    }
}
