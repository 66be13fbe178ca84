//! Per-client rate limiting of the public endpoints that do real work
//! (verification, sign-off links): a token bucket per client address, answering
//! 429 problem+json with `Retry-After` when a client sends too fast.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// Buckets kept before idle ones are dropped, so memory stays bounded.
const MAX_TRACKED_CLIENTS: usize = 10_000;

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_second` sustained requests per client, with bursts of twice that (at least 10).
    /// `None` when `per_second` is 0: no limit.
    pub fn new(per_second: u32) -> Option<Arc<Self>> {
        (per_second > 0).then(|| {
            Arc::new(RateLimiter {
                per_second: f64::from(per_second),
                burst: f64::from(per_second.saturating_mul(2).max(10)),
                buckets: Mutex::new(HashMap::new()),
            })
        })
    }

    /// Takes a token for `client`, or says how long to wait for one.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        if buckets.len() >= MAX_TRACKED_CLIENTS && !buckets.contains_key(&client) {
            let full_after = Duration::from_secs_f64(self.burst / self.per_second);
            buckets.retain(|_, (_, seen)| now.duration_since(*seen) < full_after);
        }
        let (tokens, last) = buckets.entry(client).or_insert((self.burst, now));
        let refilled = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / self.per_second))
        }
    }
}

/// The middleware: limits by the connection's address when a limiter is configured.
pub async fn limit(request: Request, next: Next) -> Response {
    let limiter = request.extensions().get::<Arc<RateLimiter>>().cloned();
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if let (Some(limiter), Some(client)) = (limiter, client)
        && let Err(wait) = limiter.check(client)
    {
        let seconds = wait.as_secs().max(1);
        return AppError::TooManyRequests {
            detail: format!("this address sends requests faster than allowed; retry in {seconds} s"),
            retry_after_secs: seconds,
        }
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refuses_then_refills() {
        let limiter = RateLimiter::new(5).unwrap();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..10 {
            assert!(limiter.check(ip).is_ok());
        }
        let wait = limiter.check(ip).unwrap_err();
        assert!(wait <= Duration::from_millis(250));
        assert!(limiter.check(other).is_ok(), "clients are limited separately");
        std::thread::sleep(wait + Duration::from_millis(20));
        assert!(limiter.check(ip).is_ok());
        assert!(RateLimiter::new(0).is_none());
    }
}
