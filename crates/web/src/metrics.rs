//! Prometheus metrics at `/metrics`: requests by route and status class, and
//! a latency histogram per route. Hand-rolled (a few atomics under a mutex)
//! rather than a metrics stack of crates, since this is all peel exports.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
struct Inner {
    /// (method, route, status class) → requests
    requests: BTreeMap<(String, String, &'static str), u64>,
    /// route → latency
    latency: BTreeMap<String, Series>,
}

/// Shared counters; cloned into the middleware and the `/metrics` handler.
#[derive(Clone, Default)]
pub struct Metrics(Arc<Mutex<Inner>>);

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *m.requests.entry((method.to_string(), route.to_string(), class)).or_default() += 1;
        let s = m.latency.entry(route.to_string()).or_default();
        s.count += 1;
        s.sum_seconds += seconds;
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                s.buckets[i] += 1;
            }
        }
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str("# HELP peel_http_requests_total HTTP requests answered, by route and status class.\n");
        out.push_str("# TYPE peel_http_requests_total counter\n");
        for ((method, route, class), n) in &m.requests {
            let _ = writeln!(
                out,
                "peel_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{class}\"}} {n}",
                label(route)
            );
        }
        out.push_str("# HELP peel_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE peel_http_request_duration_seconds histogram\n");
        for (route, s) in &m.latency {
            let r = label(route);
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "peel_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{le}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(out, "peel_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "peel_http_request_duration_seconds_sum{{route=\"{r}\"}} {}", s.sum_seconds);
            let _ = writeln!(out, "peel_http_request_duration_seconds_count{{route=\"{r}\"}} {}", s.count);
        }
        out
    }
}

fn label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Middleware: times each request and counts it under its route template
/// (`/api/{force}/neighbourhoods`), never the raw path, so label sets stay small.
pub async fn track(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_string();
    let route =
        req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(req).await;
    metrics.record(&method, &route, response.status().as_u16(), start.elapsed().as_secs_f64());
    response
}

pub async fn endpoint(State(metrics): State<Metrics>) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))], metrics.render())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::default();
        m.record("GET", "/api/forces", 200, 0.002);
        m.record("GET", "/api/forces", 404, 0.2);
        let text = m.render();
        assert!(text.contains("peel_http_requests_total{method=\"GET\",route=\"/api/forces\",status=\"2xx\"} 1"));
        assert!(text.contains("peel_http_requests_total{method=\"GET\",route=\"/api/forces\",status=\"4xx\"} 1"));
        assert!(text.contains("peel_http_request_duration_seconds_bucket{route=\"/api/forces\",le=\"0.0025\"} 1"));
        assert!(text.contains("peel_http_request_duration_seconds_count{route=\"/api/forces\"} 2"));
    }
}
