//! Which network addresses portalfeed refuses to reach unless told: loopback, private,
//! link-local (cloud metadata) and the like. The crawl's guard and the push deliveries
//! apply it at connect time; the configuration applies it to what is written, so that a
//! webhook that could never be delivered is an error with its place, not a silent
//! failure. It stands alone so that both can use it: `config` may not import `fetch`.

use std::net::{IpAddr, Ipv4Addr};

use url::{Host, Url};

/// Loopback, private, link-local (metadata), CGNAT, unspecified, multicast and broadcast
/// addresses, and their IPv4-mapped IPv6 forms.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_v4(v4);
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
                || (seg[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
        }
    }
}

fn is_internal_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (64..128).contains(&o[1])) // 100.64/10 shared address space
}

/// The internal address a URL names as written: an address literal, or `localhost`
/// (which resolves to loopback by definition, RFC 6761). Other names are only known
/// once resolved.
pub fn internal_host(url: &Url) -> Option<String> {
    match url.host()? {
        Host::Ipv4(v4) => is_internal(IpAddr::V4(v4)).then(|| v4.to_string()),
        Host::Ipv6(v6) => is_internal(IpAddr::V6(v6)).then(|| v6.to_string()),
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            (name == "localhost" || name.ends_with(".localhost")).then_some(name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "14.225.0.1", "172.32.0.1", "2001:4860::8888"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn internal_hosts_as_written() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://[::1]/hook",
            "http://10.0.0.7/",
            "http://localhost:8080/",
            "http://api.LOCALHOST./x",
        ] {
            assert!(internal_host(&Url::parse(url).unwrap()).is_some(), "{url}");
        }
        for url in [
            "https://hooks.slack.com/x",
            "http://8.8.8.8/",
            "http://localhost.example/",
        ] {
            assert_eq!(internal_host(&Url::parse(url).unwrap()), None, "{url}");
        }
    }
}
