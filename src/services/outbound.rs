//! The one outbound HTTP client of the app (issue 24, item 4): the payment gateway, the SMS
//! gateway and Web Push all call out through [`Outbound`], which applies one policy:
//!
//! - a URL is parsed once, by the parser that fetches (`http::Uri`, what ureq uses), and that
//!   parsed value is what the request is made with;
//! - `https://` only, no user info in the authority;
//! - the host is resolved by the client itself at the moment of the call, and the call is
//!   refused when any address is loopback, private, link-local, unique-local, CGNAT, multicast,
//!   unspecified or an IPv4-mapped/compatible form of those (`domain::outbound::forbidden`);
//! - the connection goes to the addresses that were checked: ureq's connector takes them from
//!   this resolver, with no second lookup; no proxy from the environment, no redirects;
//! - every request has its own overall timeout.
//!
//! The exceptions are explicit: hosts listed in `outbound.insecure_hosts` (an SMS gateway in
//! the operator's network, a stand-in service in tests) may use `http://` and private
//! addresses. Nothing is exempt silently, loopback included.
use std::{
    fmt, io,
    net::{IpAddr, SocketAddr, ToSocketAddrs},
    sync::Arc,
    time::Duration,
};

use ureq::{
    http::Uri,
    typestate::{WithBody, WithoutBody},
    unversioned::{
        resolver::{ResolvedSocketAddrs, Resolver},
        transport::{DefaultConnector, NextTimeout},
    },
    RequestBuilder,
};

use crate::{config, domain::outbound::forbidden};

/// Looks a host name up: (host, port) → addresses. The system resolver, or a test's table.
pub type Lookup = Arc<dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync>;

/// Why a call was refused before any connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("not an absolute http(s) URL")]
    NotUrl,
    #[error("only https:// URLs may be called")]
    NotHttps,
    #[error("user info in the URL")]
    UserInfo,
    #[error("{host} is a {why} address ({ip}); outbound calls go to public addresses only")]
    Address {
        host: String,
        ip: IpAddr,
        why: &'static str,
    },
}

/// The host of a parsed URL as the resolver sees it: lower case, IPv6 without brackets.
pub fn host_of(uri: &Uri) -> Option<String> {
    let h = uri.host()?;
    let h = h
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(h);
    (!h.is_empty()).then(|| h.to_ascii_lowercase())
}

#[derive(Clone)]
struct Policy {
    insecure_hosts: Arc<config::Outbound>,
    lookup: Lookup,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("insecure_hosts", &self.insecure_hosts.insecure_hosts)
            .finish()
    }
}

impl Policy {
    /// The checks that need no lookup: scheme, user info, a host. Returns the host and port.
    fn check_static(&self, uri: &Uri) -> Result<(String, u16, bool), Refused> {
        let host = host_of(uri).ok_or(Refused::NotUrl)?;
        let authority = uri.authority().ok_or(Refused::NotUrl)?;
        if authority.as_str().contains('@') {
            return Err(Refused::UserInfo);
        }
        // The parser accepts `[::1]:x.fcm.googleapis.com` (a port it cannot read, which a
        // client then takes as the default): after the host comes nothing or `:` and a port.
        let raw_host = uri.host().unwrap_or("");
        let port = match authority.as_str().get(raw_host.len()..) {
            Some("") => None,
            Some(p) => match p.strip_prefix(':').map(str::parse::<u16>) {
                Some(Ok(n)) if n > 0 => Some(n),
                _ => return Err(Refused::NotUrl),
            },
            None => return Err(Refused::NotUrl),
        };
        let insecure = self.insecure_hosts.is_insecure_host(&host);
        let default_port = match uri.scheme_str() {
            Some("https") => 443,
            Some("http") if insecure => 80,
            Some("http") => return Err(Refused::NotHttps),
            _ => return Err(Refused::NotUrl),
        };
        Ok((host, port.unwrap_or(default_port), insecure))
    }

    /// Every address the host has now; refused when one of them is not public.
    fn resolve(&self, uri: &Uri, within: Option<Duration>) -> Result<Vec<SocketAddr>, Error> {
        let (host, port, insecure) = self.check_static(uri).map_err(Error::Refused)?;
        let addrs = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => lookup_within(&self.lookup, &host, port, within).map_err(Error::Lookup)?,
        };
        if addrs.is_empty() {
            return Err(Error::Lookup(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{host} has no address"),
            )));
        }
        if !insecure {
            for a in &addrs {
                if let Some(why) = forbidden(a.ip()) {
                    return Err(Error::Refused(Refused::Address {
                        host: host.clone(),
                        ip: a.ip(),
                        why,
                    }));
                }
            }
        }
        Ok(addrs)
    }
}

enum Error {
    Refused(Refused),
    Lookup(io::Error),
}

fn lookup_within(
    lookup: &Lookup,
    host: &str,
    port: u16,
    within: Option<Duration>,
) -> io::Result<Vec<SocketAddr>> {
    let Some(t) = within else {
        return lookup(host, port);
    };
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let (f, h) = (lookup.clone(), host.to_owned());
    std::thread::spawn(move || {
        let _ = tx.send(f(&h, port));
    });
    rx.recv_timeout(t).unwrap_or_else(|_| {
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("looking up {host} timed out"),
        ))
    })
}

/// The system resolver (getaddrinfo).
fn system_lookup() -> Lookup {
    Arc::new(|host, port| Ok((host, port).to_socket_addrs()?.collect()))
}

/// ureq's resolver: the policy's lookup and checks, the addresses handed to the connector.
#[derive(Debug)]
struct Guard(Policy);

impl Resolver for Guard {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let within = (!timeout.after.is_not_happening()).then(|| *timeout.after);
        let addrs = self.0.resolve(uri, within).map_err(|e| match e {
            Error::Refused(r) => {
                tracing::warn!(host = ?uri.host(), reason = %r, "outbound call refused");
                ureq::Error::Io(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!("refused: {r}"),
                ))
            }
            Error::Lookup(e) if e.kind() == io::ErrorKind::TimedOut => {
                ureq::Error::Timeout(ureq::Timeout::Resolve)
            }
            Error::Lookup(_) => ureq::Error::HostNotFound,
        })?;
        let mut out = self.empty();
        for a in addrs.into_iter().take(16) {
            out.push(a);
        }
        Ok(out)
    }
}

/// The client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Outbound {
    agent: ureq::Agent,
    policy: Policy,
}

impl Outbound {
    pub fn new(cfg: &config::Outbound) -> Outbound {
        Outbound::with_lookup(cfg, system_lookup())
    }

    /// With another way to look names up (tests: a name that resolves to 127.0.0.1).
    pub fn with_lookup(cfg: &config::Outbound, lookup: Lookup) -> Outbound {
        let policy = Policy {
            insecure_hosts: Arc::new(cfg.clone()),
            lookup,
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        let agent =
            ureq::Agent::with_parts(config, DefaultConnector::default(), Guard(policy.clone()));
        Outbound { agent, policy }
    }

    /// Parses `url` with the parser that fetches, and refuses what the policy refuses without
    /// a lookup (not https, user info). The value is what [`Self::get`]/[`Self::post`] take.
    pub fn parse(&self, url: &str) -> Result<Uri, Refused> {
        let uri: Uri = url.parse().map_err(|_| Refused::NotUrl)?;
        self.policy.check_static(&uri)?;
        Ok(uri)
    }

    /// Whether `host` is one of `outbound.insecure_hosts`.
    pub fn is_insecure_host(&self, host: &str) -> bool {
        self.policy.insecure_hosts.is_insecure_host(host)
    }

    pub fn get(&self, uri: Uri, timeout: Duration) -> RequestBuilder<WithoutBody> {
        self.agent
            .get(uri)
            .config()
            .timeout_global(Some(timeout))
            .build()
    }

    pub fn post(&self, uri: Uri, timeout: Duration) -> RequestBuilder<WithBody> {
        self.agent
            .post(uri)
            .config()
            .timeout_global(Some(timeout))
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(insecure: &[&str], table: &'static [(&'static str, &'static str)]) -> Outbound {
        let cfg = config::Outbound {
            insecure_hosts: insecure.iter().map(|s| s.to_string()).collect(),
        };
        Outbound::with_lookup(
            &cfg,
            Arc::new(move |host, port| {
                let ips: Vec<SocketAddr> = table
                    .iter()
                    .filter(|(h, _)| *h == host)
                    .map(|(_, ip)| SocketAddr::new(ip.parse().unwrap(), port))
                    .collect();
                if ips.is_empty() {
                    Err(io::Error::new(io::ErrorKind::NotFound, "no such host"))
                } else {
                    Ok(ips)
                }
            }),
        )
    }

    #[test]
    fn parse_refuses_plain_http_and_user_info() {
        let c = client(&[], &[]);
        assert!(c.parse("https://api.yookassa.ru/v3/payments").is_ok());
        assert_eq!(c.parse("http://api.yookassa.ru/v3"), Err(Refused::NotHttps));
        assert_eq!(
            c.parse("https://u:p@api.yookassa.ru/v3"),
            Err(Refused::UserInfo)
        );
        assert_eq!(c.parse("ftp://x.ru/"), Err(Refused::NotUrl));
        assert_eq!(c.parse("/relative"), Err(Refused::NotUrl));
        for bad in [
            "https://[::1]:x.fcm.googleapis.com/x",
            "https://[::1]:443.fcm.googleapis.com/x",
            "https://api.yookassa.ru:/v3",
            "https://api.yookassa.ru:0/v3",
            "https://api.yookassa.ru:99999/v3",
        ] {
            assert_eq!(c.parse(bad), Err(Refused::NotUrl), "{bad}");
        }
    }

    #[test]
    fn names_resolving_to_private_addresses_are_refused() {
        let c = client(
            &[],
            &[
                ("evil.example", "127.0.0.1"),
                ("mixed.example", "8.8.8.8"),
                ("mixed.example", "10.0.0.1"),
                ("mapped.example", "::ffff:127.0.0.1"),
                ("cgnat.example", "100.64.1.1"),
                ("ok.example", "8.8.8.8"),
            ],
        );
        for h in [
            "evil.example",
            "mixed.example",
            "mapped.example",
            "cgnat.example",
        ] {
            let uri = c.parse(&format!("https://{h}/x")).unwrap();
            assert!(
                matches!(
                    c.policy.resolve(&uri, None),
                    Err(Error::Refused(Refused::Address { .. }))
                ),
                "{h}"
            );
        }
        for u in ["https://127.0.0.1/x", "https://[::ffff:127.0.0.1]/x"] {
            let uri = c.parse(u).unwrap();
            assert!(c.policy.resolve(&uri, None).is_err(), "{u}");
        }
        let uri = c.parse("https://ok.example:8443/x").unwrap();
        let a = c.policy.resolve(&uri, None).ok().unwrap();
        assert_eq!(a, vec!["8.8.8.8:8443".parse::<SocketAddr>().unwrap()]);
    }

    /// The whole request through ureq: refused by the resolver, no connection made, even with
    /// something listening at the address the name resolves to.
    #[test]
    fn a_request_to_a_name_on_loopback_is_refused_before_connecting() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let c = client(&[], &[("push.example", "127.0.0.1")]);
        let uri = c.parse(&format!("https://push.example:{port}/x")).unwrap();
        let e = c
            .post(uri, Duration::from_secs(2))
            .send(&b"x"[..])
            .unwrap_err();
        assert!(e.to_string().contains("refused"), "{e}");
        assert!(listener.accept().is_err(), "no connection was made");
    }

    #[test]
    fn an_insecure_host_is_an_explicit_exception() {
        let c = client(&["127.0.0.1"], &[]);
        let uri = c.parse("http://127.0.0.1:9/x").unwrap();
        assert!(c.policy.resolve(&uri, None).is_ok());
        assert_eq!(c.parse("http://127.0.0.2:9/x"), Err(Refused::NotHttps));
        let uri = c.parse("https://[::1]:9/x").unwrap();
        assert!(
            c.policy.resolve(&uri, None).is_err(),
            "only the listed host"
        );
    }
}
