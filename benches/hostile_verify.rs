//! An honest verification while hostile ones run: starts the release `credence serve --demo`
//! on 127.0.0.1, then measures the latency of verifying a rich credential (the demo's
//! richest, re-signed by a did:key issuer so that every request runs the whole pipeline,
//! canonicalization included) three times in one run:
//!
//! 1. alone (the baseline);
//! 2. while eight hostile clients, each from its own loopback address, keep sending
//!    credentials whose subject links a ring of 500 to 5,000 blank nodes;
//! 3. while the same eight hostile senders all share one address.
//!
//!     cargo bench --bench hostile_verify
//!
//! Environment: HOSTILE_HONEST (200 honest requests per scenario, paced at HOSTILE_PACE_MS,
//! 60 ms, to stay inside the default rate limit), HOSTILE_SENDERS (8), HOSTILE_BIN (another
//! `credence` binary). The server keeps its default rate limit, so hostile senders are
//! also refused with 429 when they send too fast, as they would be in production.
//! Loopback only (127.0.0.0/8); every loop is bounded in count and time.

#[path = "../tests/it/http1/mod.rs"]
mod http1;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use credence_core::data_integrity::{Cryptosuite, ProofOptions, add_proof};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_credence");

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One POST from `source` (a loopback address) on a fresh connection; the status and body.
fn post_from(source: Ipv4Addr, server: SocketAddr, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let socket = std::net::TcpStream::connect_timeout(&server, Duration::from_secs(5));
    let mut stream = if source == Ipv4Addr::LOCALHOST {
        socket?
    } else {
        // Bind the client side to `source` before connecting, through tokio's socket builder.
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        rt.block_on(async {
            let s = tokio::net::TcpSocket::new_v4()?;
            s.bind(SocketAddr::from((source, 0)))?;
            let stream = s.connect(server).await?;
            let std = stream.into_std()?;
            std.set_nonblocking(false)?;
            Ok::<_, std::io::Error>(std)
        })?
    };
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// The credential with a ring of `n` blank nodes under its subject and an arbitrary proofValue.
fn ring(doc: &Value, n: usize) -> String {
    let mut d = doc.clone();
    if let Some(contexts) = d["@context"].as_array_mut() {
        contexts.push(json!({"link": {"@id": "https://example.com/link", "@type": "@id"}}));
    }
    let nodes: Vec<Value> =
        (0..n).map(|i| json!({"@id": format!("_:r{i}"), "link": format!("_:r{}", (i + 1) % n)})).collect();
    d["credentialSubject"]["link"] = Value::Array(nodes);
    d["proof"]["proofValue"] = json!(credence_core::multibase::encode_base58btc(&[7u8; 64]));
    json!({"credential": d}).to_string()
}

struct Latencies(Vec<Duration>);

impl Latencies {
    fn at(&self, q: f64) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or_default()
    }

    fn line(&self, name: &str) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "{name}: {} honest verifications, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.0.len(),
            ms(self.at(0.5)),
            ms(self.at(0.9)),
            ms(self.at(0.99)),
            ms(self.at(1.0))
        )
    }
}

/// Sends `count` honest verifications, paced, and returns their latencies (all must be valid).
fn honest(server: SocketAddr, body: &str, count: usize, pace: Duration) -> Latencies {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let (status, answer) =
            post_from(Ipv4Addr::new(127, 0, 0, 2), server, "/api/v1/verify", body).expect("honest request answered");
        let took = started.elapsed();
        assert_eq!(status, 200, "{answer}");
        assert!(answer.contains("\"result\":\"valid\""), "the honest credential must verify: {answer}");
        out.push(took);
        std::thread::sleep(pace.saturating_sub(took));
    }
    Latencies(out)
}

/// Hostile senders until `stop`: each loops over rings of 500 to 5,000 nodes.
fn hostile(
    server: SocketAddr,
    doc: &Value,
    senders: usize,
    shared_address: bool,
    stop: Arc<AtomicBool>,
    counts: Arc<[AtomicU64; 3]>,
) -> Vec<std::thread::JoinHandle<()>> {
    let bodies: Arc<Vec<String>> = Arc::new([500, 1000, 2000, 5000].iter().map(|n| ring(doc, *n)).collect());
    (0..senders)
        .map(|i| {
            let (stop, counts, bodies) = (stop.clone(), counts.clone(), bodies.clone());
            let source =
                if shared_address { Ipv4Addr::new(127, 0, 0, 10) } else { Ipv4Addr::new(127, 0, 0, 10 + i as u8) };
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(600);
                let mut k = i;
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    match post_from(source, server, "/api/v1/verify", &bodies[k % bodies.len()]) {
                        Ok((200, _)) => counts[0].fetch_add(1, Ordering::Relaxed),
                        Ok((429, _)) => {
                            // Refused for now: wait a little, as a client honouring Retry-After would not.
                            std::thread::sleep(Duration::from_millis(20));
                            counts[1].fetch_add(1, Ordering::Relaxed)
                        }
                        _ => counts[2].fetch_add(1, Ordering::Relaxed),
                    };
                    k += 1;
                }
            })
        })
        .collect()
}

fn main() {
    let count: usize = env_or("HOSTILE_HONEST", 200);
    let senders: usize = env_or("HOSTILE_SENDERS", 8);
    let pace = Duration::from_millis(env_or("HOSTILE_PACE_MS", 60));
    let dir = tempfile::tempdir().expect("temp dir");
    let admin = http1::random_admin_key();
    let master = http1::random_master_key_hex();
    let database_url = format!("sqlite://{}/credence.db", dir.path().display());
    let keys_dir = dir.path().join("keys");
    let bin = std::env::var("HOSTILE_BIN").unwrap_or_else(|_| BIN.to_string());
    let server = http1::Server::start_with_args(
        &bin,
        dir.path(),
        "credence",
        &["--demo"],
        &[
            ("DATABASE_URL", database_url.as_str()),
            ("CREDENCE_ADMIN_KEY", admin.as_str()),
            ("CREDENCE_MASTER_KEY", master.as_str()),
            ("CREDENCE_KEYS_DIR", &keys_dir.to_string_lossy()),
        ],
    );
    let addr: SocketAddr = server.addr.parse().expect("server address");

    // The demo's richest credential, re-signed by a did:key issuer: not stored here, so each
    // verification runs in full.
    let mut c = http1::Conn::new(&server.addr);
    let listing = c.get("/api/v1/organizations/emc/credentials?limit=100", Some(&admin)).json();
    let richest = listing
        .as_array()
        .expect("a credential listing")
        .iter()
        .filter_map(|row| row["id"].as_str())
        .map(|id| c.get(&format!("/credentials/{id}"), None).json())
        .max_by_key(|doc| doc.to_string().len())
        .expect("the demo issued credentials");
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let did = credence_core::did::DidKey::from_public_key(&key.verifying_key().to_bytes());
    let mut unsigned = richest.clone();
    unsigned.as_object_mut().expect("an object").remove("proof");
    unsigned["issuer"] = json!({"id": did.did, "type": ["Profile"], "name": unsigned["issuer"]["name"]});
    if let Some(a) = unsigned["credentialSubject"]["achievement"].as_object_mut() {
        a.remove("creator");
    }
    let foreign =
        add_proof(&unsigned, &key, &ProofOptions::new(Cryptosuite::EddsaRdfc2022, did.verification_method_id()))
            .expect("signed");
    let honest_body = json!({"credential": foreign}).to_string();
    println!(
        "hostile_verify: binary {bin}, honest credential of {} bytes, {senders} hostile senders, {count} honest requests every {} ms",
        honest_body.len(),
        pace.as_millis()
    );
    // Warm the contexts.
    honest(addr, &honest_body, 5, pace);

    let baseline = honest(addr, &honest_body, count, pace);
    println!("{}", baseline.line("alone"));
    for (name, shared) in
        [("eight hostile senders, eight addresses", false), ("eight hostile senders, one address", true)]
    {
        let stop = Arc::new(AtomicBool::new(false));
        let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
        let threads = hostile(addr, &richest, senders, shared, stop.clone(), counts.clone());
        std::thread::sleep(Duration::from_millis(500));
        let loaded = honest(addr, &honest_body, count, pace);
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            let _ = t.join();
        }
        println!("{}", loaded.line(name));
        println!(
            "  hostile requests: {} answered (invalid), {} refused with 429, {} other; p99 ratio to alone: {:.2}",
            counts[0].load(Ordering::Relaxed),
            counts[1].load(Ordering::Relaxed),
            counts[2].load(Ordering::Relaxed),
            loaded.at(0.99).as_secs_f64() / baseline.at(0.99).as_secs_f64().max(1e-9)
        );
    }
    let (rss, peak) = server.rss_kib();
    println!("server RSS {} MiB (peak {} MiB)", rss / 1024, peak / 1024);
}
