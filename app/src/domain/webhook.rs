//! Which case events the creditor's system is told about by webhook, under which type names, and
//! how long a failed delivery waits before the next attempt.

/// The webhook type of a case event, if the creditor is told about it.
pub fn event_type(case_event: &str) -> Option<&'static str> {
    Some(match case_event {
        "payment_received" => "payment.received",
        "dispute_opened" => "dispute.opened",
        "dispute_upheld" | "dispute_rejected" => "dispute.resolved",
        "plan_agreed" | "plan_accepted" | "counter_accepted" => "plan.agreed",
        "plan_broken" => "plan.broken",
        "case_closed" => "case.closed",
        "creditor_pause_ended" => "dunning.resumed",
        "escalation_requested" => "escalation.requested",
        _ => return None,
    })
}

/// Every type a creditor may receive.
pub const TYPES: [&str; 8] = [
    "payment.received",
    "dispute.opened",
    "dispute.resolved",
    "plan.agreed",
    "plan.broken",
    "case.closed",
    "dunning.resumed",
    "escalation.requested",
];

/// Attempts before a delivery is given up (and shown as failed in the delivery log).
pub const MAX_ATTEMPTS: i64 = 8;

/// The wait after the `attempts`-th failed attempt: one minute, doubling, at most six hours.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let minutes = 1i64 << attempts.clamp(1, 12).saturating_sub(1);
    (minutes * 60_000).min(6 * 3_600_000)
}

/// Whether webhooks may go to `url`: HTTPS to a host that is not written as a non-public address;
/// with `allow_loopback` (an explicit switch for development and tests, never on in production)
/// also plain HTTP to this machine. Nothing else, so that payloads with personal data never
/// travel unencrypted and a creditor cannot aim Rapport at the agency's own services.
pub fn allowed_url(url: &str, allow_loopback: bool) -> bool {
    let url = url.trim();
    if url.len() > 500 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let (rest, https) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (rest, true),
        (None, Some(rest)) => (rest, false),
        _ => return false,
    };
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return false;
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "::1");
    if loopback {
        return allow_loopback;
    }
    if host.ends_with(".localhost") {
        return false;
    }
    // An address written as a number must be public.
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        if !is_public(ip) {
            return false;
        }
    }
    https
}

/// Whether `ip` is an address on the public internet. Refused: private, loopback, link-local
/// (cloud metadata services live there), shared address space (CGNAT), IETF protocol
/// assignments, documentation, benchmarking, reserved, multicast, broadcast and unspecified
/// addresses, and IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) unless
/// that IPv4 address is public itself.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::{IpAddr, Ipv4Addr};
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                let [a, b] = hi.to_be_bytes();
                let [c, d] = lo.to_be_bytes();
                is_public(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
            };
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            // IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::/96, 64:ff9b:1::/48).
            if s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                return embedded(s[6], s[7]);
            }
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return embedded(s[6], s[7]);
            }
            if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
                return false;
            }
            // 6to4 (2002::/16) carries the IPv4 address in its second and third groups.
            if s[0] == 0x2002 {
                return embedded(s[1], s[2]);
            }
            let first = s[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0
                || (first == 0x2001 && s[1] < 0x0200)
                || (first == 0x2001 && s[1] == 0x0db8)
                || first == 0x0100)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_events_a_creditor_hears_of() {
        assert_eq!(event_type("dispute_rejected"), Some("dispute.resolved"));
        assert_eq!(event_type("counter_accepted"), Some("plan.agreed"));
        assert_eq!(
            event_type("message_sent"),
            None,
            "the dialogue stays with the agency"
        );
        assert_eq!(event_type("class_changed"), None);
        for kind in [
            "payment_received",
            "dispute_opened",
            "plan_agreed",
            "case_closed",
        ] {
            assert!(TYPES.contains(&event_type(kind).expect("mapped")));
        }
    }

    #[test]
    fn webhooks_go_over_https_and_to_this_machine_only_behind_the_switch() {
        for ok in [
            "https://erp.example.com/hooks/rapport",
            "https://erp.example.com:8443/h?x=1",
            "https://93.184.216.34/hook",
        ] {
            assert!(allowed_url(ok, false), "{ok}");
        }
        for local in [
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://[::1]:8080/",
            "https://127.0.0.1:2019/stop",
            "https://LOCALHOST./x",
        ] {
            assert!(!allowed_url(local, false), "{local} without the switch");
            assert!(allowed_url(local, true), "{local} with the switch");
        }
        for bad in [
            "http://erp.example.com/hook",
            "ftp://erp.example.com",
            "https://",
            "https://user:pw@erp.example.com/",
            "https://erp.example.com/a b",
            "javascript:alert(1)",
            "http://127.0.0.1.evil.example/",
            "https://10.0.0.5/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[fd00::1]/hook",
            "https://[64:ff9b::a9fe:a9fe]/",
            "https://admin.localhost/",
            "https://198.18.0.1/",
        ] {
            assert!(!allowed_url(bad, true), "{bad}");
        }
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for private in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "192.0.0.8",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fe80::1",
            "fec0::1",
            "::ffff:10.0.0.1",
            "::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:0a00:0001::1",
            "2001::1",
            "2001:db8::1",
            "100::1",
            "ff02::1",
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "100.128.0.1",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
        ] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
    }

    #[test]
    fn retries_back_off_to_six_hours() {
        assert_eq!(retry_delay_ms(1), 60_000);
        assert_eq!(retry_delay_ms(2), 120_000);
        assert_eq!(retry_delay_ms(4), 480_000);
        assert_eq!(retry_delay_ms(12), 6 * 3_600_000);
    }
}
