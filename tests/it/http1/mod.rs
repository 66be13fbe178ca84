//! A minimal blocking HTTP/1.1 keep-alive client over `TcpStream`, and a guard
//! that starts `credence serve` and kills it when dropped. Shared by
//! `tests/multi_instance.rs` and `benches/issue_load.rs` (through `#[path]`), so
//! neither needs an HTTP client crate.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One answer: status, lower-cased header block, body as text.
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
    reader: Option<BufReader<TcpStream>>,
}

impl Conn {
    pub fn new(addr: &str) -> Conn {
        Conn { addr: addr.to_string(), reader: None }
    }

    fn stream(&mut self) -> std::io::Result<&mut BufReader<TcpStream>> {
        if self.reader.is_none() {
            let s = TcpStream::connect(&self.addr)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(Duration::from_secs(60)))?;
            self.reader = Some(BufReader::with_capacity(64 * 1024, s));
        }
        Ok(self.reader.as_mut().expect("connected"))
    }

    /// Sends one request and reads the whole answer.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> std::io::Result<Reply> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n", self.addr);
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            // JSON unless the caller names the type.
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                head.push_str("Content-Type: application/json\r\n");
            }
            head.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        head.push_str("\r\n");
        if let Some(b) = body {
            head.push_str(b);
        }
        match self.try_request(head.as_bytes()) {
            Ok(r) => Ok(r),
            Err(_) => {
                // The server may have closed an idle keep-alive connection: once more.
                self.reader = None;
                self.try_request(head.as_bytes())
            }
        }
    }

    fn try_request(&mut self, raw: &[u8]) -> std::io::Result<Reply> {
        let reader = self.stream()?;
        reader.get_mut().write_all(raw)?;
        let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
        let mut status_line = String::new();
        if reader.read_line(&mut status_line)? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        let status: u16 =
            status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("status line"))?;
        let mut headers = String::new();
        let mut length = None;
        let mut chunked = false;
        let mut close = false;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse::<usize>().ok();
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            } else if lower.starts_with("connection:") && lower.contains("close") {
                close = true;
            }
            headers.push_str(&lower);
            headers.push('\n');
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                reader.read_line(&mut size)?;
                let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                    .map_err(|_| bad("chunk size"))?;
                let mut chunk = vec![0; n + 2];
                reader.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            reader.read_exact(&mut body)?;
        } else {
            reader.read_to_end(&mut body)?;
            close = true;
        }
        if close {
            self.reader = None;
        }
        Ok(Reply { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
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
