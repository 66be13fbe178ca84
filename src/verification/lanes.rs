//! Where verification's CPU work runs, so that one client's hostile documents
//! cannot delay anyone else's.
//!
//! Every job first runs in the **light lane** under a small canonicalization time
//! budget ([`Lanes::light_budget`]); honest credentials finish far inside it. A job
//! that runs out of that budget (a blank-node structure that needs the expensive
//! part of RDFC-1.0) is run again in the **heavy lane** with the full budget
//! ([`CanonLimits::default`]). In the heavy lane each client runs one job at a time
//! and clients take turns: a client first waits on its own one-permit queue, so
//! the shared queue holds at most one job per client, and tokio's semaphores are
//! first in, first out. At most [`Lanes::new`]'s `heavy` jobs run at once, so
//! heavy work never holds every core; a client with more than
//! [`MAX_HEAVY_WAITING_PER_CLIENT`] heavy jobs waiting is told to retry later.
//!
//! A client is its IPv4 address, or the /64 of its IPv6 address (one host
//! commonly holds a whole /64).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};
use credence_core::canon::CanonLimits;

/// Canonicalization time a job may spend in the light lane before it is sent to the heavy lane.
pub const LIGHT_BUDGET: Duration = Duration::from_millis(20);

/// Heavy jobs one client may have waiting; more are refused with 429.
pub const MAX_HEAVY_WAITING_PER_CLIENT: usize = 4;

/// Clients whose heavy-lane queues are tracked at once; idle ones are dropped first.
const MAX_TRACKED_CLIENTS: usize = 10_000;

/// Who asked, for sharing the heavy lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(Option<IpAddr>);

impl ClientKey {
    /// The client at `address` (`None`: not known, e.g. the command line or a test without
    /// a connection; all such callers share one queue).
    pub fn of(address: Option<IpAddr>) -> ClientKey {
        ClientKey(address.map(|ip| match ip {
            IpAddr::V4(_) => ip,
            IpAddr::V6(v6) => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        }))
    }
}

/// A job's answer and whether it ran out of its canonicalization budget.
pub trait Budgeted {
    fn over_budget(&self) -> bool;
}

pub struct Lanes {
    light: Arc<Semaphore>,
    heavy: Arc<Semaphore>,
    /// Each client's one-permit heavy-lane queue.
    clients: Mutex<HashMap<ClientKey, Arc<Semaphore>>>,
    light_budget: Duration,
}

impl Lanes {
    /// `light` jobs may run at once in the light lane, `heavy` in the heavy lane.
    pub fn new(light: usize, heavy: usize) -> Lanes {
        Lanes {
            light: Arc::new(Semaphore::new(light.max(1))),
            heavy: Arc::new(Semaphore::new(heavy.max(1))),
            clients: Mutex::new(HashMap::new()),
            light_budget: LIGHT_BUDGET,
        }
    }

    /// Runs `job` on a blocking thread: in the light lane first, then, if it ran out of
    /// the light budget, in the heavy lane with the full one.
    pub async fn run<T, F>(&self, client: ClientKey, job: F) -> AppResult<T>
    where
        T: Budgeted + Send + 'static,
        F: Fn(&CanonLimits) -> T + Send + Sync + 'static,
    {
        let job = Arc::new(job);
        let light_limits = CanonLimits { max_time: Some(self.light_budget), ..CanonLimits::default() };
        let light = self.light.clone().acquire_owned().await.map_err(|_| shutting_down())?;
        let first = {
            let job = job.clone();
            blocking(move || {
                let _permit = light;
                job(&light_limits)
            })
            .await?
        };
        if !first.over_budget() {
            return Ok(first);
        }
        let queue = self.client_queue(client)?;
        let mine = queue.acquire_owned().await.map_err(|_| shutting_down())?;
        let heavy = self.heavy.clone().acquire_owned().await.map_err(|_| shutting_down())?;
        blocking(move || {
            let _permits = (mine, heavy);
            job(&CanonLimits::default())
        })
        .await
    }

    /// The client's heavy-lane queue, or 429 when it already has too many jobs waiting.
    fn client_queue(&self, client: ClientKey) -> AppResult<Arc<Semaphore>> {
        let mut clients =
            self.clients.lock().map_err(|_| AppError::Internal("the verification lanes are poisoned".into()))?;
        if clients.len() >= MAX_TRACKED_CLIENTS && !clients.contains_key(&client) {
            // Only queues nobody holds or waits on are dropped.
            clients.retain(|_, queue| Arc::strong_count(queue) > 1);
        }
        let queue = clients.entry(client).or_insert_with(|| Arc::new(Semaphore::new(1))).clone();
        // Holders of the queue other than the map and this clone: the running job and the waiting ones.
        let others = Arc::strong_count(&queue).saturating_sub(2);
        if others > MAX_HEAVY_WAITING_PER_CLIENT {
            return Err(AppError::TooManyRequests {
                detail: format!(
                    "this address has {others} expensive verifications in progress (documents whose canonicalization needs more \
                     than {} ms); retry when they are done",
                    self.light_budget.as_millis()
                ),
                retry_after_secs: 1,
            });
        }
        Ok(queue)
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| AppError::Internal(format!("verification task failed: {e}")))
}

fn shutting_down() -> AppError {
    AppError::Internal("the verifier is shutting down".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    struct Answer {
        heavy: bool,
        over: bool,
    }

    impl Budgeted for Answer {
        fn over_budget(&self) -> bool {
            self.over
        }
    }

    /// A job that "needs" the heavy lane: over budget under the light limits, `work` long in the heavy one.
    fn hostile(work: Duration) -> impl Fn(&CanonLimits) -> Answer + Send + Sync + 'static {
        move |limits: &CanonLimits| {
            let heavy = limits.max_time != Some(LIGHT_BUDGET);
            if heavy {
                std::thread::sleep(work);
            }
            Answer { heavy, over: !heavy }
        }
    }

    #[test]
    fn ipv6_clients_are_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ClientKey::of(Some(a)), ClientKey::of(Some(b)));
        assert_ne!(ClientKey::of(Some(a)), ClientKey::of(Some(c)));
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        assert_ne!(ClientKey::of(Some(v4)), ClientKey::of(Some("192.0.2.2".parse().unwrap())));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn light_jobs_pass_while_one_client_floods_the_heavy_lane() {
        let lanes = Arc::new(Lanes::new(4, 1));
        let attacker = ClientKey::of(Some("192.0.2.66".parse().unwrap()));
        let mut flood = Vec::new();
        for _ in 0..MAX_HEAVY_WAITING_PER_CLIENT {
            let lanes = lanes.clone();
            flood.push(tokio::spawn(async move { lanes.run(attacker, hostile(Duration::from_millis(200))).await }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        let honest = lanes
            .run(ClientKey::of(Some("192.0.2.7".parse().unwrap())), |_: &CanonLimits| Answer {
                heavy: false,
                over: false,
            })
            .await;
        assert!(honest.is_ok_and(|a| !a.heavy));
        // Generous: the point is that it does not wait behind the flood (4 × 200 ms).
        assert!(started.elapsed() < Duration::from_millis(400), "{:?}", started.elapsed());
        for f in flood {
            assert!(f.await.unwrap().is_ok_and(|a| a.heavy));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn clients_take_turns_in_the_heavy_lane_and_floods_are_refused() {
        let lanes = Arc::new(Lanes::new(4, 1));
        let order = Arc::new(Mutex::new(Vec::new()));
        let running = Arc::new(AtomicUsize::new(0));
        let job = |who: &'static str, order: Arc<Mutex<Vec<&'static str>>>, running: Arc<AtomicUsize>| {
            move |limits: &CanonLimits| {
                if limits.max_time == Some(LIGHT_BUDGET) {
                    return Answer { heavy: false, over: true };
                }
                assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "one heavy job at a time");
                order.lock().unwrap().push(who);
                std::thread::sleep(Duration::from_millis(30));
                running.fetch_sub(1, Ordering::SeqCst);
                Answer { heavy: true, over: false }
            }
        };
        let a = ClientKey::of(Some("192.0.2.1".parse().unwrap()));
        let b = ClientKey::of(Some("192.0.2.2".parse().unwrap()));
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let (lanes, order, running) = (lanes.clone(), order.clone(), running.clone());
            tasks.push(tokio::spawn(async move { lanes.run(a, job("a", order, running)).await.map(|_| ()) }));
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let (l, o, r) = (lanes.clone(), order.clone(), running.clone());
        tasks.push(tokio::spawn(async move { l.run(b, job("b", o, r)).await.map(|_| ()) }));
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let order = order.lock().unwrap().clone();
        let b_at = order.iter().position(|w| *w == "b").unwrap();
        assert!(b_at <= 1, "b waited behind a's whole backlog: {order:?}");

        // More than MAX_HEAVY_WAITING_PER_CLIENT waiting from one client: 429.
        let mut flood = Vec::new();
        for _ in 0..MAX_HEAVY_WAITING_PER_CLIENT + 4 {
            let lanes = lanes.clone();
            flood.push(tokio::spawn(async move { lanes.run(a, hostile(Duration::from_millis(50))).await.map(|_| ()) }));
        }
        let mut refused = 0;
        for f in flood {
            if let Err(AppError::TooManyRequests { .. }) = f.await.unwrap() {
                refused += 1;
            }
        }
        assert!(refused > 0, "a flood of heavy jobs from one client is refused");
    }
}
