//! Outbound fetches for verification: the documents a credential points at on
//! other hosts (issuer key documents, status lists, revocation lists, evidence).
//!
//! Every fetch is a single `GET` over https to a public address:
//! - the host name is resolved once and *every* address it resolves to is checked
//!   ([`refused_address`]): loopback, private, link-local, unique-local, CGNAT,
//!   unspecified, multicast, broadcast, documentation and other reserved ranges,
//!   and the IPv4-mapped and NAT64 forms of those, are refused (no SSRF);
//! - the connection is opened to a vetted address itself, so a second DNS answer
//!   cannot point it elsewhere (no DNS-rebinding window), TLS is checked against
//!   the Mozilla roots for the host name, and no proxy from the environment is used;
//! - redirects are not followed (a redirect is an error naming where it pointed);
//! - a connect timeout and a total deadline bound the time, and the body is capped
//!   while it streams in ([`FetchPolicy`]);
//! - successful fetches are kept briefly ([`CACHE_TTL`], at most [`CACHE_ENTRIES`]).
//!
//! Evidence files are hashed as they stream in; only the SHA-256 digest is kept.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, header};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::{Digest, Sha256};
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Instant;
use url::{Host, Url};

/// How long one fetch may take, from name resolution to the last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long opening the TCP connection may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long all the fetches of one verification may take together.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);
/// Largest JSON document fetched (key documents, status and revocation lists).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Largest evidence file fetched to compare with its digest (hashed as it streams).
pub const MAX_EVIDENCE_BYTES: usize = 16 * 1024 * 1024;
/// How long a successful fetch is kept.
pub const CACHE_TTL: Duration = Duration::from_secs(60);
/// How many successful fetches are kept at most.
pub const CACHE_ENTRIES: usize = 1024;

/// What may be fetched, and within which limits.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    pub connect_timeout: Duration,
    /// Total time of one fetch.
    pub timeout: Duration,
    /// Total time of all the fetches of one verification.
    pub deadline: Duration,
    pub max_document_bytes: usize,
    pub max_evidence_bytes: usize,
    /// FOR TESTS ONLY: also fetch `http://` URLs and from loopback addresses, so that
    /// tests can serve documents from 127.0.0.1. Never set by configuration.
    pub allow_local_http_for_tests: bool,
    /// FOR TESTS ONLY: certificates (DER) trusted besides the built-in roots, so that
    /// tests can serve https from 127.0.0.1 with a certificate they made. Never set by
    /// configuration.
    pub extra_roots_for_tests: Vec<Vec<u8>>,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            max_document_bytes: MAX_DOCUMENT_BYTES,
            max_evidence_bytes: MAX_EVIDENCE_BYTES,
            allow_local_http_for_tests: false,
            extra_roots_for_tests: Vec::new(),
        }
    }
}

impl FetchPolicy {
    /// The default policy with a total time per fetch of `timeout` (the connect
    /// timeout and the verification's deadline follow it).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.connect_timeout = self.connect_timeout.min(timeout);
        self.deadline = self.deadline.max(timeout * 2);
        self
    }

    /// FOR TESTS ONLY: permits `http://` and loopback addresses (see the field).
    pub fn allowing_local_http_for_tests(mut self) -> Self {
        self.allow_local_http_for_tests = true;
        self
    }

    /// FOR TESTS ONLY: trusts the certificate `der` besides the built-in roots.
    pub fn trusting_root_for_tests(mut self, der: Vec<u8>) -> Self {
        self.extra_roots_for_tests.push(der);
        self
    }
}

/// Why an address is refused as a fetch target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedRange {
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    UniqueLocal,
    SharedCgnat,
    Multicast,
    Broadcast,
    Documentation,
    Reserved,
}

impl fmt::Display for RefusedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefusedRange::Unspecified => "unspecified",
            RefusedRange::Loopback => "loopback",
            RefusedRange::Private => "private",
            RefusedRange::LinkLocal => "link-local",
            RefusedRange::UniqueLocal => "unique-local",
            RefusedRange::SharedCgnat => "in the shared (CGNAT) range",
            RefusedRange::Multicast => "multicast",
            RefusedRange::Broadcast => "broadcast",
            RefusedRange::Documentation => "reserved for documentation",
            RefusedRange::Reserved => "reserved",
        })
    }
}

/// Why `addr` may not be fetched from; `None` for a public unicast address.
pub fn refused_address(addr: IpAddr) -> Option<RefusedRange> {
    match addr {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(a: Ipv4Addr) -> Option<RefusedRange> {
    let [first, second, third, _] = a.octets();
    Some(if a.is_unspecified() || first == 0 {
        RefusedRange::Unspecified
    } else if a.is_loopback() {
        RefusedRange::Loopback
    } else if a.is_private() {
        RefusedRange::Private
    } else if a.is_link_local() {
        RefusedRange::LinkLocal
    } else if first == 100 && (second & 0xc0) == 64 {
        RefusedRange::SharedCgnat
    } else if a.is_broadcast() {
        RefusedRange::Broadcast
    } else if a.is_multicast() {
        RefusedRange::Multicast
    } else if a.is_documentation() {
        RefusedRange::Documentation
    } else if (first == 192 && second == 0 && third == 0) || (first == 198 && (second & 0xfe) == 18) || first >= 240 {
        // IETF protocol assignments, benchmarking, and the old class E.
        RefusedRange::Reserved
    } else {
        return None;
    })
}

fn refused_v6(a: Ipv6Addr) -> Option<RefusedRange> {
    let s = a.segments();
    if let Some(v4) = a.to_ipv4_mapped() {
        return refused_v4(v4);
    }
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return refused_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
    }
    // 6to4 (2002::/16) reaches the IPv4 address in bits 16..48.
    if s[0] == 0x2002 {
        return refused_v4(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8));
    }
    Some(if a.is_unspecified() {
        RefusedRange::Unspecified
    } else if a.is_loopback() {
        RefusedRange::Loopback
    } else if a.is_multicast() {
        RefusedRange::Multicast
    } else if a.is_unicast_link_local() || (s[0] & 0xffc0) == 0xfec0 {
        // fe80::/10, and the deprecated site-local fec0::/10.
        RefusedRange::LinkLocal
    } else if a.is_unique_local() {
        RefusedRange::UniqueLocal
    } else if (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x3fff && (s[1] & 0xf000) == 0) {
        RefusedRange::Documentation
    } else if (s[0] & 0xe000) != 0x2000 || (s[0] == 0x2001 && s[1] < 0x0200) {
        // Outside global unicast (2000::/3: IPv4-compatible, discard, NAT64 local
        // use, ...), or the IETF special-purpose block 2001::/23 (Teredo, ...).
        RefusedRange::Reserved
    } else {
        return None;
    })
}

/// Why a fetch did not give a document.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FetchError {
    #[error("it is not an absolute URL")]
    NotAUrl,
    #[error("only https URLs are fetched")]
    NotHttps,
    #[error("URLs with a user name or password are not fetched")]
    Credentials,
    #[error("the URL has no host")]
    NoHost,
    #[error("the host {0} is a loopback name")]
    LocalName(String),
    #[error("address {addr} is {range}")]
    RefusedAddress { addr: IpAddr, range: RefusedRange },
    #[error("the host {host} could not be resolved: {reason}")]
    Resolve { host: String, reason: String },
    #[error("the host {0} has no address")]
    NoAddress(String),
    #[error("could not connect to {addr}: {reason}")]
    Connect { addr: SocketAddr, reason: String },
    #[error("no TLS connection to {host}: {reason}")]
    Tls { host: String, reason: String },
    #[error("the HTTP exchange failed: {0}")]
    Http(String),
    #[error("no complete answer within {0} ms")]
    Timeout(u128),
    #[error("the server redirects (HTTP {status}) to {location}; redirects are not followed")]
    Redirect { status: u16, location: String },
    #[error("the server answered HTTP {0}")]
    Status(u16),
    #[error("the answer is larger than the limit of {0} bytes")]
    TooLarge(usize),
    #[error("the answer is not JSON: {0}")]
    NotJson(String),
    #[error("the answer is not UTF-8 text")]
    NotText,
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
}

/// The metrics' name for how a fetch ended.
fn outcome_of<T>(result: &Result<T, FetchError>) -> crate::metrics::FetchOutcome {
    use crate::metrics::FetchOutcome as O;
    match result {
        Ok(_) => O::Ok,
        Err(
            FetchError::NotAUrl
            | FetchError::NotHttps
            | FetchError::Credentials
            | FetchError::NoHost
            | FetchError::LocalName(_)
            | FetchError::RefusedAddress { .. },
        ) => O::Refused,
        Err(FetchError::Timeout(_)) => O::Timeout,
        Err(FetchError::TooLarge(_)) => O::TooLarge,
        Err(FetchError::Status(_) | FetchError::Redirect { .. } | FetchError::TooManyRedirects(_)) => O::HttpStatus,
        Err(
            FetchError::Resolve { .. }
            | FetchError::NoAddress(_)
            | FetchError::Connect { .. }
            | FetchError::Tls { .. }
            | FetchError::Http(_)
            | FetchError::NotJson(_)
            | FetchError::NotText,
        ) => O::Error,
    }
}

/// Redirects followed when fetching a credential by its URL (hosts often move a badge's
/// address to a canonical one); each hop is vetted like the first.
pub const MAX_CREDENTIAL_REDIRECTS: usize = 3;

/// Where the bytes of an answer go as they stream in.
enum Sink {
    Collect(Vec<u8>),
    Hash(Sha256),
}

impl Sink {
    fn take(&mut self, data: &[u8]) {
        match self {
            Sink::Collect(buffer) => buffer.extend_from_slice(data),
            Sink::Hash(hasher) => hasher.update(data),
        }
    }
}

#[derive(Clone)]
enum Cached {
    Json(Arc<Value>),
    Digest([u8; 32]),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Json,
    Digest,
}

/// Ends the task driving a connection when the fetch is done or dropped (timeout).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Fetches documents under a [`FetchPolicy`], keeping successes briefly.
pub struct Fetcher {
    policy: FetchPolicy,
    tls: Result<tokio_rustls::TlsConnector, String>,
    cache: Mutex<HashMap<(Kind, String), (Instant, Cached)>>,
}

fn tls_connector(policy: &FetchPolicy) -> Result<tokio_rustls::TlsConnector, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in &policy.extra_roots_for_tests {
        roots
            .add(rustls::pki_types::CertificateDer::from(der.clone()))
            .map_err(|e| format!("a test root certificate is unusable: {e}"))?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS is not available: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Self {
        Fetcher { tls: tls_connector(&policy), policy, cache: Mutex::new(HashMap::new()) }
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// The JSON document at `url`, fetched by `deadline` at the latest.
    pub async fn json(&self, url: &str, deadline: Instant) -> Result<Arc<Value>, FetchError> {
        if let Some(Cached::Json(doc)) = self.cached(Kind::Json, url) {
            return Ok(doc);
        }
        let accept = "application/ld+json, application/json;q=0.9, */*;q=0.1";
        let sink = self.fetch(url, accept, self.policy.max_document_bytes, Sink::Collect(Vec::new()), deadline).await?;
        let Sink::Collect(bytes) = sink else { return Err(FetchError::Http("internal: wrong sink".into())) };
        let doc: Value = serde_json::from_slice(&bytes).map_err(|e| FetchError::NotJson(e.to_string()))?;
        let doc = Arc::new(doc);
        self.keep(Kind::Json, url, Cached::Json(doc.clone()));
        Ok(doc)
    }

    /// The text of a credential at `url` as its host serves it (JSON-LD, JSON or a compact
    /// VC-JWT, asked for in that order), by `deadline` at the latest. Up to
    /// [`MAX_CREDENTIAL_REDIRECTS`] redirects are followed, each to a URL vetted like the
    /// first; the URL answered from comes back with the text.
    pub async fn credential(&self, url: &str, deadline: Instant) -> Result<(String, String), FetchError> {
        let accept = "application/vc+ld+json, application/vc+jwt;q=0.9, application/ld+json;q=0.9, \
                      application/json;q=0.8, application/jwt;q=0.7, text/plain;q=0.2, */*;q=0.1";
        let mut current = url.to_string();
        for _ in 0..=MAX_CREDENTIAL_REDIRECTS {
            match self
                .fetch(&current, accept, self.policy.max_document_bytes, Sink::Collect(Vec::new()), deadline)
                .await
            {
                Ok(Sink::Collect(bytes)) => {
                    let text = String::from_utf8(bytes).map_err(|_| FetchError::NotText)?;
                    return Ok((text, current));
                }
                Ok(Sink::Hash(_)) => return Err(FetchError::Http("internal: wrong sink".into())),
                Err(FetchError::Redirect { location, .. }) => {
                    let base = Url::parse(&current).map_err(|_| FetchError::NotAUrl)?;
                    current = base.join(&location).map_err(|_| FetchError::NotAUrl)?.to_string();
                }
                Err(e) => return Err(e),
            }
        }
        Err(FetchError::TooManyRedirects(MAX_CREDENTIAL_REDIRECTS))
    }

    /// The SHA-256 digest of the file at `url`, fetched by `deadline` at the latest.
    pub async fn sha256(&self, url: &str, deadline: Instant) -> Result<[u8; 32], FetchError> {
        if let Some(Cached::Digest(digest)) = self.cached(Kind::Digest, url) {
            return Ok(digest);
        }
        let sink = self.fetch(url, "*/*", self.policy.max_evidence_bytes, Sink::Hash(Sha256::new()), deadline).await?;
        let Sink::Hash(hasher) = sink else { return Err(FetchError::Http("internal: wrong sink".into())) };
        let digest: [u8; 32] = hasher.finalize().into();
        self.keep(Kind::Digest, url, Cached::Digest(digest));
        Ok(digest)
    }

    fn cached(&self, kind: Kind, url: &str) -> Option<Cached> {
        let cache = self.cache.lock().ok()?;
        let (stored, value) = cache.get(&(kind, url.to_string()))?;
        (stored.elapsed() < CACHE_TTL).then(|| value.clone())
    }

    fn keep(&self, kind: Kind, url: &str, value: Cached) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_ENTRIES {
                cache.retain(|_, (stored, _)| stored.elapsed() < CACHE_TTL);
                if cache.len() >= CACHE_ENTRIES {
                    cache.clear();
                }
            }
            cache.insert((kind, url.to_string()), (Instant::now(), value));
        }
    }

    async fn fetch(
        &self,
        url: &str,
        accept: &str,
        limit: usize,
        sink: Sink,
        deadline: Instant,
    ) -> Result<Sink, FetchError> {
        let start = Instant::now();
        let (until, allowed) = match start + self.policy.timeout {
            own if own <= deadline => (own, self.policy.timeout),
            _ => (deadline, deadline.saturating_duration_since(start)),
        };
        let result = match tokio::time::timeout_at(until, self.fetch_now(url, accept, limit, sink)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(allowed.as_millis())),
        };
        crate::metrics::global().fetch(outcome_of(&result));
        result
    }

    async fn fetch_now(&self, url: &str, accept: &str, limit: usize, sink: Sink) -> Result<Sink, FetchError> {
        let url = Url::parse(url).map_err(|_| FetchError::NotAUrl)?;
        let https = match url.scheme() {
            "https" => true,
            "http" if self.policy.allow_local_http_for_tests => false,
            _ => return Err(FetchError::NotHttps),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Credentials);
        }
        let host = url.host().ok_or(FetchError::NoHost)?.to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs = self.vetted_addresses(&host, port).await?;
        let stream = self.connect(&addrs).await?;
        if !https {
            return exchange(stream, &url, accept, limit, sink).await;
        }
        let tls = self.tls.as_ref().map_err(|e| FetchError::Tls { host: host.to_string(), reason: e.clone() })?;
        let name = match &host {
            Host::Domain(d) => rustls::pki_types::ServerName::try_from(d.clone()),
            Host::Ipv4(ip) => Ok(rustls::pki_types::ServerName::IpAddress(IpAddr::V4(*ip).into())),
            Host::Ipv6(ip) => Ok(rustls::pki_types::ServerName::IpAddress(IpAddr::V6(*ip).into())),
        }
        .map_err(|e| FetchError::Tls { host: host.to_string(), reason: e.to_string() })?;
        let stream = tls
            .connect(name, stream)
            .await
            .map_err(|e| FetchError::Tls { host: host.to_string(), reason: e.to_string() })?;
        exchange(stream, &url, accept, limit, sink).await
    }

    /// Resolves `host` once and checks every address; all must be acceptable.
    async fn vetted_addresses(&self, host: &Host<String>, port: u16) -> Result<Vec<SocketAddr>, FetchError> {
        let addrs: Vec<SocketAddr> = match host {
            Host::Ipv4(ip) => vec![SocketAddr::new(IpAddr::V4(*ip), port)],
            Host::Ipv6(ip) => vec![SocketAddr::new(IpAddr::V6(*ip), port)],
            Host::Domain(name) => {
                let lower = name.trim_end_matches('.').to_ascii_lowercase();
                if (lower == "localhost" || lower.ends_with(".localhost")) && !self.policy.allow_local_http_for_tests {
                    return Err(FetchError::LocalName(name.clone()));
                }
                tokio::net::lookup_host((name.as_str(), port))
                    .await
                    .map_err(|e| FetchError::Resolve { host: name.clone(), reason: e.to_string() })?
                    .collect()
            }
        };
        if addrs.is_empty() {
            return Err(FetchError::NoAddress(host.to_string()));
        }
        for addr in &addrs {
            match refused_address(addr.ip()) {
                Some(RefusedRange::Loopback) if self.policy.allow_local_http_for_tests => {}
                Some(range) => return Err(FetchError::RefusedAddress { addr: addr.ip(), range }),
                None => {}
            }
        }
        Ok(addrs)
    }

    /// Connects to the first vetted address that answers.
    async fn connect(&self, addrs: &[SocketAddr]) -> Result<TcpStream, FetchError> {
        let mut last = None;
        for addr in addrs {
            let reason = match tokio::time::timeout(self.policy.connect_timeout, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no connection within {} ms", self.policy.connect_timeout.as_millis()),
            };
            last = Some(FetchError::Connect { addr: *addr, reason });
        }
        Err(last.unwrap_or_else(|| FetchError::NoAddress(String::new())))
    }
}

/// One `GET` over an open connection; the body goes to `sink`, at most `limit` bytes.
async fn exchange<S>(stream: S, url: &Url, accept: &str, limit: usize, mut sink: Sink) -> Result<Sink, FetchError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let http = |e: hyper::Error| FetchError::Http(e.to_string());
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(http)?;
    let _driver = AbortOnDrop(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let host = url.host_str().unwrap_or_default();
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let request = Request::get(target)
        .header(header::HOST, authority)
        .header(header::ACCEPT, accept)
        .header(header::ACCEPT_ENCODING, "identity")
        .header(header::USER_AGENT, concat!("credence/", env!("CARGO_PKG_VERSION"), " (verifier)"))
        .header(header::CONNECTION, "close")
        .body(Empty::<Bytes>::new())
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let response = sender.send_request(request).await.map_err(http)?;
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(no Location)")
            .to_string();
        return Err(FetchError::Redirect { status: status.as_u16(), location });
    }
    if !status.is_success() {
        return Err(FetchError::Status(status.as_u16()));
    }
    let declared = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(FetchError::TooLarge(limit));
    }
    let mut body = response.into_body();
    let mut received = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(http)?;
        if let Some(data) = frame.data_ref() {
            received = received.saturating_add(data.len());
            if received > limit {
                return Err(FetchError::TooLarge(limit));
            }
            sink.take(data);
        }
    }
    Ok(sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> Option<RefusedRange> {
        refused_address(text.parse().unwrap())
    }

    #[test]
    fn public_addresses_are_allowed() {
        for a in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(refused(a), None, "{a}");
        }
    }

    #[test]
    fn private_and_special_addresses_are_refused_with_their_reason() {
        use RefusedRange::*;
        let cases = [
            ("127.0.0.1", Loopback),
            ("127.255.0.9", Loopback),
            ("10.0.0.5", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("169.254.169.254", LinkLocal),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.254", SharedCgnat),
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("255.255.255.255", Broadcast),
            ("224.0.0.1", Multicast),
            ("192.0.2.10", Documentation),
            ("198.51.100.1", Documentation),
            ("203.0.113.7", Documentation),
            ("198.18.0.1", Reserved),
            ("240.0.0.1", Reserved),
            ("::1", Loopback),
            ("::", Unspecified),
            ("fe80::1", LinkLocal),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.0.0.5", Private),
            ("::ffff:169.254.169.254", LinkLocal),
            ("64:ff9b::a00:5", Private),
            ("2002:7f00:1::", Loopback),
            ("::127.0.0.1", Reserved),
            ("2001::1", Reserved),
            ("100::1", Reserved),
        ];
        for (a, want) in cases {
            assert_eq!(refused(a), Some(want), "{a}");
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn the_default_policy_refuses_local_targets_before_connecting() {
        let fetcher = Fetcher::new(FetchPolicy::default());
        let deadline = Instant::now() + Duration::from_secs(5);
        let cases = [
            ("http://127.0.0.1/x", "only https URLs are fetched"),
            ("https://localhost/x", "the host localhost is a loopback name"),
            ("https://api.localhost./x", "loopback name"),
            ("https://10.1.2.3/list", "address 10.1.2.3 is private"),
            ("https://[::1]/x", "address ::1 is loopback"),
            ("https://169.254.169.254/latest/meta-data", "address 169.254.169.254 is link-local"),
            ("https://[::ffff:192.168.0.1]/x", "address ::ffff:192.168.0.1 is private"),
            ("https://2130706433/x", "address 127.0.0.1 is loopback"),
            ("https://0x7f.1/x", "address 127.0.0.1 is loopback"),
            ("https://100.64.1.1/x", "address 100.64.1.1 is in the shared (CGNAT) range"),
            ("https://user:pw@example.org/x", "user name or password"),
            ("ftp://example.org/x", "only https"),
            ("not a url", "not an absolute URL"),
        ];
        let runtime = rt();
        for (url, want) in cases {
            let err = runtime.block_on(fetcher.json(url, deadline)).unwrap_err().to_string();
            assert!(err.contains(want), "{url}: {err}");
        }
    }

    #[test]
    fn the_test_policy_permits_loopback_but_nothing_else_local() {
        let fetcher = Fetcher::new(FetchPolicy::default().allowing_local_http_for_tests());
        let deadline = Instant::now() + Duration::from_secs(5);
        let runtime = rt();
        let err = runtime.block_on(fetcher.json("http://10.1.2.3/x", deadline)).unwrap_err();
        assert_eq!(err.to_string(), "address 10.1.2.3 is private");
        // Loopback passes the filter; nothing listens on port 9 here, so the connect fails.
        let err = runtime.block_on(fetcher.json("http://127.0.0.1:9/x", deadline)).unwrap_err();
        assert!(matches!(err, FetchError::Connect { .. }), "{err}");
    }
}
