//! A blocking HTTP/1.1 keep-alive client (hyper's client connection on a small
//! single-threaded runtime, one per connection, so load generators can use plain
//! threads), and a guard that starts `credence serve` and kills it when dropped.
//! Shared by `multi_instance.rs` and the benchmarks `issue_load` and `hostile_verify`
//! (through `#[path]`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

/// How long one request may take before the client gives up on it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// One answer: status, header block (names lower-cased, values as sent), body as text.
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == name).then(|| v.trim())
        })
    }
}

/// One keep-alive connection; reconnects once when the server closed it.
pub struct Conn {
    addr: String,
    runtime: tokio::runtime::Runtime,
    sender: Option<SendRequest<Full<Bytes>>>,
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl Conn {
    pub fn new(addr: &str) -> Conn {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        Conn { addr: addr.to_string(), runtime, sender: None }
    }

    /// Sends one request and reads the whole answer.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> std::io::Result<Reply> {
        match self.try_request(method, path, headers, body) {
            Ok(r) => Ok(r),
            Err(_) => {
                // The server may have closed an idle keep-alive connection: once more.
                self.sender = None;
                self.try_request(method, path, headers, body)
            }
        }
    }

    fn try_request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> std::io::Result<Reply> {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.addr.as_str())
            .header("accept", "application/json");
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        // JSON unless the caller names the type.
        if body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            request = request.header("content-type", "application/json");
        }
        let request = request.body(Full::new(Bytes::from(body.unwrap_or_default().to_owned()))).map_err(io_error)?;
        let addr = self.addr.clone();
        let held = self.sender.take();
        let (sender, reply) = self.runtime.block_on(async move {
            let mut sender = match held {
                Some(sender) if !sender.is_closed() => sender,
                _ => {
                    let stream = tokio::net::TcpStream::connect(&addr).await?;
                    stream.set_nodelay(true)?;
                    let (sender, connection) =
                        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(io_error)?;
                    tokio::spawn(connection);
                    sender
                }
            };
            let exchange = async {
                sender.ready().await.map_err(io_error)?;
                let response = sender.send_request(request).await.map_err(io_error)?;
                let status = response.status().as_u16();
                let mut headers = String::new();
                for (name, value) in response.headers() {
                    headers.push_str(name.as_str());
                    headers.push_str(": ");
                    headers.push_str(&String::from_utf8_lossy(value.as_bytes()));
                    headers.push('\n');
                }
                let body = response.into_body().collect().await.map_err(io_error)?.to_bytes();
                Ok::<_, std::io::Error>(Reply { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
            };
            let reply = tokio::time::timeout(REQUEST_TIMEOUT, exchange).await.map_err(io_error)??;
            Ok::<_, std::io::Error>((sender, reply))
        })?;
        let closes = reply.header("connection").is_some_and(|v| v.contains("close"));
        if !closes {
            self.sender = Some(sender);
        }
        Ok(reply)
    }

    pub fn post(&mut self, path: &str, key: &str, body: &serde_json::Value, extra: &[(&str, &str)]) -> Reply {
        let auth = format!("Bearer {key}");
        let mut headers = vec![("Authorization", auth.as_str())];
        headers.extend_from_slice(extra);
        self.request("POST", path, &headers, Some(&body.to_string())).expect("POST answered")
    }

    pub fn get(&mut self, path: &str, key: Option<&str>) -> Reply {
        let auth = key.map(|k| format!("Bearer {k}"));
        let headers: Vec<(&str, &str)> = auth.as_deref().map(|a| vec![("Authorization", a)]).unwrap_or_default();
        self.request("GET", path, &headers, None).expect("GET answered")
    }
}

/// A running `credence serve`; killed (and reaped) when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub stderr_log: std::path::PathBuf,
}

impl Server {
    /// Starts `bin serve --bind 127.0.0.1:0` with `env`, and waits for
    /// "Credence listening on http://ADDR" on its standard output.
    pub fn start(bin: &str, dir: &Path, name: &str, env: &[(&str, &str)]) -> Server {
        Server::start_with_args(bin, dir, name, &[], env)
    }

    /// [`Server::start`] with more arguments to `serve` (`--demo`).
    pub fn start_with_args(bin: &str, dir: &Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let stderr_log = dir.join(format!("{name}.stderr.log"));
        let mut cmd = Command::new(bin);
        cmd.current_dir(dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .env_remove("CREDENCE_CONFIG")
            .env_remove("CREDENCE_PUBLIC_URL")
            .env_remove("CREDENCE_BIND")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(&stderr_log).expect("stderr log")));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start credence serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut server = Server { child, addr: String::new(), stderr_log };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    // Keep draining so the server never blocks on a full pipe.
                    continue;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("Credence listening on http://") {
                        server.addr = rest.split_whitespace().next().unwrap_or("").to_string();
                        return server;
                    }
                    seen.push(line);
                }
                Err(e) => {
                    let log = std::fs::read_to_string(&server.stderr_log).unwrap_or_default();
                    panic!("{name} did not report its address ({e}); stdout: {seen:#?}\nstderr:\n{log}");
                }
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server in KiB (`VmRSS`), and its peak (`VmHWM`).
    pub fn rss_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Kills the process at once (SIGKILL: what was committed must survive that).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking()
            && let Ok(log) = std::fs::read_to_string(&self.stderr_log)
        {
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("--- {} (last lines) ---", self.stderr_log.display());
            for l in tail.iter().rev() {
                eprintln!("{l}");
            }
        }
    }
}

/// A random platform admin key in the shape the service's keys have (`crd_` + base58).
pub fn random_admin_key() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    format!("crd_{}", bs58::encode(bytes).into_string())
}

/// A random 32-byte master key as 64 hex characters.
pub fn random_master_key_hex() -> String {
    let mut bytes = [0u8; 32];
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    bytes[..16].copy_from_slice(a.as_bytes());
    bytes[16..].copy_from_slice(b.as_bytes());
    hex::encode(bytes)
}
