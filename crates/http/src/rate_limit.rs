//! An optional rate limit for public deployments, off by default: a leaky
//! bucket per client address on `/api/`, like police.uk's own (15 requests a
//! second, bursts of 30). Self-hosters serving their own clients leave it off.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Requests per second and burst size, written `15/30`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

impl FromStr for RateLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<RateLimit, String> {
        let bad = || format!("{s:?} is not a rate limit: write requests-per-second/burst, for example 15/30");
        let (rate, burst) = s.split_once('/').ok_or_else(bad)?;
        let per_second: f64 = rate.trim().parse().map_err(|_| bad())?;
        let burst: f64 = burst.trim().parse().map_err(|_| bad())?;
        if !(per_second > 0.0 && burst >= 1.0 && per_second.is_finite() && burst.is_finite()) {
            return Err(bad());
        }
        Ok(RateLimit { per_second, burst })
    }
}

/// Buckets by client address. Old entries are dropped when the map grows, so
/// a scan of many addresses cannot exhaust memory.
#[derive(Clone)]
pub struct Limiter {
    limit: RateLimit,
    buckets: Arc<Mutex<HashMap<IpAddr, (f64, Instant)>>>,
}

const MAX_CLIENTS: usize = 100_000;

impl Limiter {
    pub fn new(limit: RateLimit) -> Limiter {
        Limiter { limit, buckets: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// Takes one request from `ip`'s bucket; on refusal, the seconds to wait.
    pub fn take(&self, ip: IpAddr, now: Instant) -> Result<(), f64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CLIENTS {
            let horizon = self.limit.burst / self.limit.per_second;
            buckets.retain(|_, (_, t)| now.duration_since(*t).as_secs_f64() < horizon);
        }
        let (level, last) = buckets.entry(ip).or_insert((0.0, now));
        let drained = (*level - now.duration_since(*last).as_secs_f64() * self.limit.per_second).max(0.0);
        *last = now;
        if drained + 1.0 > self.limit.burst {
            *level = drained;
            return Err((drained + 1.0 - self.limit.burst) / self.limit.per_second);
        }
        *level = drained + 1.0;
        Ok(())
    }
}

/// The address a request came from (0.0.0.0 when served without one, as in
/// in-process tests).
pub fn client_ip(extensions: &axum::http::Extensions) -> IpAddr {
    extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

/// A refused bucket's wait in whole seconds, at least 1.
pub fn retry_after_secs(wait: f64) -> u64 {
    wait.ceil().max(1.0) as u64
}

/// Tells the client how long to wait (`Retry-After`).
pub fn set_retry_after(res: &mut Response, secs: u64) {
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

pub async fn enforce(State(limiter): State<Limiter>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let ip = client_ip(req.extensions());
    match limiter.take(ip, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let mut res = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
            set_retry_after(&mut res, retry_after_secs(wait));
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn parses_limits() {
        assert_eq!("15/30".parse(), Ok(RateLimit { per_second: 15.0, burst: 30.0 }));
        for bad in ["", "15", "0/30", "15/0", "x/y", "-1/5", "inf/3"] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
    }

    #[test]
    fn leaky_bucket_allows_bursts_then_the_rate() {
        let l = Limiter::new(RateLimit { per_second: 10.0, burst: 3.0 });
        let ip = IpAddr::from([127, 0, 0, 1]);
        let t0 = Instant::now();
        assert!(l.take(ip, t0).is_ok());
        assert!(l.take(ip, t0).is_ok());
        assert!(l.take(ip, t0).is_ok());
        assert!(l.take(ip, t0).is_err(), "the fourth in the same instant overflows");
        assert!(l.take(IpAddr::from([127, 0, 0, 2]), t0).is_ok(), "buckets are per client");
        assert!(l.take(ip, t0 + Duration::from_millis(100)).is_ok(), "one drains in 100 ms at 10/s");
    }
}
