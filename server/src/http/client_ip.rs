//! The client's address, for per-IP sign-in limits and logs. Behind a reverse
//! proxy every request comes from the proxy, so one client's failed sign-ins
//! would lock everyone out; with `TITAN_TRUSTED_PROXIES` naming the proxies, the
//! address they appended to `X-Forwarded-For` is used instead. The header is
//! ignored from anyone else, so a client cannot choose its own address.

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use titan_app::guard::ClientIp;

/// Proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Arc<Vec<IpAddr>>);

/// The client behind `peer`: `peer` itself unless it is a trusted proxy; then
/// the rightmost address in `forwarded_for` that is not a trusted proxy (each
/// proxy appends the address it saw, so entries left of it are the client's
/// own claims).
/// IPv4 clients of a dual-stack listener arrive as `::ffff:a.b.c.d`.
pub fn client_ip(peer: IpAddr, forwarded_for: &str, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.to_canonical() == ip);
    let peer = peer.to_canonical();
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.rsplit(',').map(str::trim) {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// An address as proxies write it: bare, or with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    hop.parse::<SocketAddr>()
        .ok()
        .map(|addr| addr.ip().to_canonical())
}

/// Stores the [`ClientIp`] of the request for the handlers.
pub async fn resolve(
    State(trusted): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    {
        let forwarded: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let ip = client_ip(peer.ip(), &forwarded.join(","), &trusted.0);
        request.extensions_mut().insert(ClientIp(ip));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let proxy = [ip("10.0.0.2")];
        // A direct client cannot claim another address.
        assert_eq!(
            client_ip(ip("203.0.113.7"), "1.2.3.4", &proxy),
            ip("203.0.113.7")
        );
        // Through the proxy: the address the proxy saw, not what the client claimed.
        assert_eq!(
            client_ip(ip("10.0.0.2"), "1.2.3.4, 198.51.100.9", &proxy),
            ip("198.51.100.9")
        );
        // Through two trusted proxies.
        let chain = [ip("10.0.0.2"), ip("10.0.0.3")];
        assert_eq!(
            client_ip(ip("10.0.0.2"), "198.51.100.9, 10.0.0.3", &chain),
            ip("198.51.100.9")
        );
        // A dual-stack listener, and hops with ports.
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.2"), "198.51.100.9:50123", &proxy),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), "[2001:db8::7]:443", &proxy),
            ip("2001:db8::7")
        );
        // A proxy that sent no (or a garbled) header: the proxy itself.
        assert_eq!(client_ip(ip("10.0.0.2"), "", &proxy), ip("10.0.0.2"));
        assert_eq!(client_ip(ip("10.0.0.2"), "unknown", &proxy), ip("10.0.0.2"));
    }
}
