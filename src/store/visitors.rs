//! Public counters count visitors, not requests: a credential's "shared",
//! "downloaded" and "verified" move at most once per visitor per day.
//!
//! The visitor is the client's address, known to the request (see [`visiting`], set
//! for every request by the server). It is never stored: each day has a random key,
//! kept only in memory, and what is remembered is a keyed hash of the day's
//! (credential, counter, address). At most [`MAX_PER_DAY`] are remembered a day;
//! past that, new visitors are not counted, so a flood can neither inflate the
//! counters nor grow memory. Requests without a known address (tests calling the
//! router directly, work outside requests) count as they come.
//!
//! With several instances, each remembers its own visitors: one visitor served by two
//! instances on one day counts twice.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Mutex;

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::claims::CredentialEvent;

/// Visits remembered a day, at most (16 bytes each, about 8 MiB in all).
pub const MAX_PER_DAY: usize = 500_000;

tokio::task_local! {
    static VISITOR: Option<IpAddr>;
}

/// Runs `work` (a request) as a visit from `client`.
pub async fn visiting<F: std::future::Future>(client: Option<IpAddr>, work: F) -> F::Output {
    VISITOR.scope(client, work).await
}

/// The client of the request being answered, if known.
fn visitor() -> Option<IpAddr> {
    VISITOR.try_with(|v| *v).ok().flatten()
}

/// Today's visits, under today's key.
#[derive(Debug, Default)]
struct Day {
    date: String,
    key: [u8; 32],
    seen: HashSet<u128>,
}

#[derive(Debug, Default)]
pub struct DailyVisitors(Mutex<Day>);

/// What a visit may do to a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// Count it: the visitor's first today (or no visitor is known).
    First,
    /// The visitor was counted today already.
    Again,
}

impl DailyVisitors {
    /// Whether the current request's visitor moves `event` of `credential_id` today,
    /// remembering that they did.
    pub fn visit(&self, credential_id: &str, event: CredentialEvent) -> Visit {
        let Some(client) = visitor() else { return Visit::First };
        let today = super::now().get(..10).unwrap_or("").to_string();
        let Ok(mut day) = self.0.lock() else { return Visit::Again };
        if day.date != today {
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            *day = Day { date: today, key, seen: HashSet::new() };
        }
        let mut hash = Sha256::new();
        hash.update(day.key);
        hash.update(credential_id.as_bytes());
        hash.update([0, event as u8]);
        match client {
            IpAddr::V4(a) => hash.update(a.octets()),
            IpAddr::V6(a) => hash.update(a.octets()),
        }
        let digest = hash.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        let id = u128::from_be_bytes(first);
        if day.seen.contains(&id) || day.seen.len() >= MAX_PER_DAY {
            return Visit::Again;
        }
        day.seen.insert(id);
        Visit::First
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_visitor_counts_once_a_day_per_credential_and_counter() {
        let visitors = DailyVisitors::default();
        let a = Some(IpAddr::from([192, 0, 2, 1]));
        let b = Some(IpAddr::from([192, 0, 2, 2]));
        let shared = CredentialEvent::Shared;
        assert_eq!(visiting(a, async { visitors.visit("c1", shared) }).await, Visit::First);
        assert_eq!(visiting(a, async { visitors.visit("c1", shared) }).await, Visit::Again);
        assert_eq!(visiting(a, async { visitors.visit("c1", CredentialEvent::Downloaded) }).await, Visit::First);
        assert_eq!(visiting(a, async { visitors.visit("c2", shared) }).await, Visit::First);
        assert_eq!(visiting(b, async { visitors.visit("c1", shared) }).await, Visit::First);
        // Without a known client, every request counts.
        assert_eq!(visitors.visit("c1", shared), Visit::First);
        assert_eq!(visiting(None, async { visitors.visit("c1", shared) }).await, Visit::First);
    }

    #[tokio::test]
    async fn memory_stays_bounded_under_a_flood() {
        let visitors = DailyVisitors::default();
        for i in 0..MAX_PER_DAY + 10 {
            let ip = IpAddr::from((i as u32).to_be_bytes());
            visiting(Some(ip), async { visitors.visit("c1", CredentialEvent::Shared) }).await;
        }
        let seen = visitors.0.lock().unwrap().seen.len();
        assert_eq!(seen, MAX_PER_DAY, "no more remembered than the cap");
        let late = Some(IpAddr::from([198, 51, 100, 7]));
        assert_eq!(
            visiting(late, async { visitors.visit("c1", CredentialEvent::Shared) }).await,
            Visit::Again,
            "and not counted"
        );
    }
}
