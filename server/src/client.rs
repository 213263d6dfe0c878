//! Who the client is: the address every per-client limit is keyed on.
//!
//! Without a proxy it is the TCP peer. Behind a reverse proxy the peer is the proxy, so the
//! address comes from the forwarding header the proxy writes — but only when the connection
//! comes from an address listed in `RAPPORT_TRUSTED_PROXIES`, and then the right-most entry that
//! is not a trusted proxy counts: everything left of it was written by the client and may be
//! anything. IPv6 clients are keyed by their /64 network, which one subscriber usually holds
//! whole; an IPv4 address counts by itself.

use app::server::limits::ClientKey;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// Which header a trusted proxy writes the client's address into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx' `$proxy_add_x_forwarded_for`, Caddy, most
    /// load balancers).
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

/// The proxies whose forwarding header is believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxies {
    pub networks: Vec<IpNet>,
    pub header: ForwardedHeader,
}

impl Default for TrustedProxies {
    fn default() -> Self {
        TrustedProxies {
            networks: Vec::new(),
            header: ForwardedHeader::XForwardedFor,
        }
    }
}

impl TrustedProxies {
    /// Parses `RAPPORT_TRUSTED_PROXIES`: addresses or CIDR networks separated by commas or
    /// spaces (`127.0.0.1, 10.0.0.0/8, ::1`). Empty: no proxy is trusted.
    pub fn parse(raw: &str, header: ForwardedHeader) -> Result<TrustedProxies, String> {
        let networks = raw
            .split([',', ' ', '\t', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("'{s}' is not an IP address or a network like 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedProxies { networks, header })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(&ip))
    }

    /// The client's address for a request that arrived from `peer` with `headers`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops = match self.header {
            ForwardedHeader::XForwardedFor => x_forwarded_for(headers),
            ForwardedHeader::Forwarded => forwarded(headers),
        };
        // From the right: the first hop that is not one of our proxies is the client. A hop that
        // cannot be read was not written by a proxy of ours (they write addresses), so the
        // proxy that passed it on is the last address we can vouch for.
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) if self.trusts(*ip) => client = *ip,
                Some(ip) => return *ip,
                None => return client,
            }
        }
        client
    }
}

/// The key per-client limits count on: an IPv4 address, or an IPv6 address's /64 network.
pub fn client_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// The hops of every `X-Forwarded-For` header, in order; `None` for one that is not an address.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| {
            v.to_str()
                .map(|s| s.split(',').map(|h| hop(h.trim())).collect::<Vec<_>>())
                .unwrap_or_else(|_| vec![None])
        })
        .collect()
}

/// The `for=` hops of every `Forwarded` header (RFC 7239), in order.
fn forwarded(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("forwarded")
        .iter()
        .flat_map(|v| {
            v.to_str()
                .map(|s| {
                    s.split(',')
                        .map(|element| {
                            element
                                .split(';')
                                .filter_map(|pair| pair.split_once('='))
                                .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                                .and_then(|(_, v)| hop(v.trim().trim_matches('"')))
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_else(|_| vec![None])
        })
        .collect()
}

/// One hop: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn hop(raw: &str) -> Option<IpAddr> {
    if let Ok(ip) = raw.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(addr) = raw.parse::<SocketAddr>() {
        return Some(addr.ip().to_canonical());
    }
    raw.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

/// Middleware: puts the request's [`ClientKey`] into its extensions, where limits read it.
pub async fn identify(
    proxies: std::sync::Arc<TrustedProxies>,
    mut request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let key = match peer {
        Some(peer) => client_key(proxies.client_ip(peer, request.headers())),
        // Only a router served without connection information (never `serve`) lands here.
        None => "unknown".to_string(),
    };
    request.extensions_mut().insert(ClientKey(key));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn proxies(raw: &str) -> TrustedProxies {
        TrustedProxies::parse(raw, ForwardedHeader::XForwardedFor).expect("parses")
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() {
        let h = headers("x-forwarded-for", &["198.51.100.9"]);
        assert_eq!(
            TrustedProxies::default().client_ip(ip("203.0.113.5"), &h),
            ip("203.0.113.5")
        );
        assert_eq!(
            proxies("10.0.0.0/8").client_ip(ip("203.0.113.5"), &h),
            ip("203.0.113.5"),
            "a peer that is not a trusted proxy cannot forward"
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_counts_and_spoofed_left_entries_do_not() {
        let p = proxies("127.0.0.1, 10.0.0.0/8");
        let h = headers("x-forwarded-for", &["1.2.3.4, 198.51.100.9, 10.0.0.2"]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), &h), ip("198.51.100.9"));
        let rotated = headers("x-forwarded-for", &["5.6.7.8, 198.51.100.9, 10.0.0.2"]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), &rotated), ip("198.51.100.9"));
        let two_lines = headers("x-forwarded-for", &["1.2.3.4", "198.51.100.9"]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), &two_lines), ip("198.51.100.9"));
    }

    #[test]
    fn an_unreadable_hop_stops_at_the_last_trusted_address() {
        let p = proxies("127.0.0.1, 10.0.0.0/8");
        let h = headers("x-forwarded-for", &["garbage, 10.0.0.2"]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), &h), ip("10.0.0.2"));
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1"),
            "no header: the proxy itself"
        );
    }

    #[test]
    fn the_forwarded_header_is_read_with_ports_brackets_and_quotes() {
        let p = TrustedProxies::parse("::1", ForwardedHeader::Forwarded).expect("parses");
        let h = headers(
            "forwarded",
            &[r#"for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711";by=x"#],
        );
        assert_eq!(p.client_ip(ip("::1"), &h), ip("2001:db8:cafe::17"));
        let ignored = headers("x-forwarded-for", &["198.51.100.1"]);
        assert_eq!(
            p.client_ip(ip("::1"), &ignored),
            ip("::1"),
            "only the configured header is read"
        );
    }

    #[test]
    fn ipv6_clients_count_per_64_network_and_mapped_ipv4_as_ipv4() {
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            client_key(ip("2001:db8:1:2:bbbb:cccc:dddd:eeee")),
            "2001:db8:1:2::/64"
        );
        assert_ne!(client_key(ip("2001:db8:1:3::1")), "2001:db8:1:2::/64");
        assert_eq!(client_key(ip("::ffff:203.0.113.5")), "203.0.113.5");
        assert_eq!(client_key(ip("203.0.113.5")), "203.0.113.5");
    }

    #[test]
    fn a_bad_proxy_entry_is_named() {
        let e = TrustedProxies::parse("10.0.0.0/8, proxy.local", ForwardedHeader::XForwardedFor)
            .expect_err("refused");
        assert!(e.contains("proxy.local"), "{e}");
        assert_eq!(
            proxies("10.0.0.0/8 ::1").networks.len(),
            2,
            "spaces separate too"
        );
    }
}
