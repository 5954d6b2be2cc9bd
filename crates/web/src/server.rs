//! Serving connections: HTTP/1.1 with peel's bounds on how long a client may
//! hold a connection without using it and on how many it may hold at once.
//!
//! `axum::serve` sets no timeouts, so a client that opens a connection and
//! sends nothing, half a request line, or half a body keeps a socket (a file
//! descriptor and a task) for ever: enough of them and the server cannot
//! accept `/healthz`. Here each connection goes through a [`Guarded`] socket
//! that knows what the connection is waiting for (see [`Phase`]):
//!
//! - **idle**: the next request (or the first) has not begun to arrive.
//!   Closed after the idle timeout. A response the client does not read
//!   (writes that make no progress) counts as idle too;
//! - **head**: the request line and headers are arriving. They must be
//!   complete within the header timeout of the first byte;
//! - **busy**: a request is being answered. The socket is not timed; the
//!   body is, by [`DeadlineBody`]: all of it must arrive within the body
//!   timeout of the headers, or the answer is 408.
//!
//! When `max_connections` are open, no more are accepted until one closes;
//! the rest wait in the kernel's queue, so timed-out idle clients make room
//! for real ones.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// Bounds on connections, each settable from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request's line and headers must arrive within this of its first byte.
    pub header_timeout: Duration,
    /// A request's whole body must arrive within this of its headers.
    pub body_timeout: Duration,
    /// A connection waiting for a request, or for the client to read its
    /// answer, is closed after this long.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    /// Generous for real clients (a 64 MiB event batch needs about 9 Mbit/s
    /// to arrive within the body timeout), short for a client holding
    /// sockets open. 512 connections fit in the common default of 1,024
    /// open files with room for the database and the log.
    fn default() -> ServerLimits {
        ServerLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

/// A connection taken from the listener, holding its place under the limit.
struct Accepted {
    stream: TcpStream,
    remote: SocketAddr,
    permit: OwnedSemaphorePermit,
}

/// Serves one connection on its own task, its socket watched for the
/// header-read and idle timeouts; its place under the limit is given back
/// when it ends.
fn serve_connection(
    c: Accepted,
    app: &Router,
    builder: &hyper::server::conn::http1::Builder,
    graceful: &hyper_util::server::graceful::GracefulShutdown,
    limits: ServerLimits,
) {
    let Accepted { stream, remote, permit } = c;
    let _ = stream.set_nodelay(true);
    let phase = Arc::new(Mutex::new(Watch { phase: Phase::Idle(Instant::now()), reader: None }));
    let io = TokioIo::new(Guarded::new(stream, phase.clone(), limits));
    let service = hyper::service::service_fn({
        let app = app.clone();
        move |req| answer(app.clone(), req, remote, phase.clone(), limits.body_timeout)
    });
    let connection = graceful.watch(builder.serve_connection(io, service));
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, %remote, "connection ended");
        }
        drop(permit);
    });
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open
/// requests finish (for at most the body and idle timeouts together).
pub(crate) async fn run(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The Guarded socket times the head; hyper's own timer is not set.
    builder.keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut warned_full = false;
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        warned_full = warn_when_full(&permits, limits.max_connections, warned_full);
        let (stream, remote) = tokio::select! {
            accepted = accept(&listener) => match accepted {
                Some(a) => a,
                None => continue,
            },
            () = &mut shutdown => break,
        };
        serve_connection(Accepted { stream, remote, permit }, &app, &builder, &graceful, limits);
    }
    drop(listener);
    let grace = limits.body_timeout + limits.idle_timeout;
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open {}s after shutting down were dropped", grace.as_secs());
    }
    Ok(())
}

/// The next connection; `None` after waiting a moment when the listener
/// fails (out of file descriptors and the like), so the loop never spins.
async fn accept(listener: &TcpListener) -> Option<(TcpStream, SocketAddr)> {
    match listener.accept().await {
        Ok(a) => Some(a),
        Err(e) => {
            tracing::warn!(error = %e, "cannot accept a connection");
            tokio::time::sleep(Duration::from_millis(200)).await;
            None
        }
    }
}

/// Logs once when the last place under the connection limit is taken, and
/// again only after half the places have come free: a full server says so
/// without filling the log. Returns whether it has warned.
fn warn_when_full(permits: &Semaphore, limit: usize, warned: bool) -> bool {
    let free = permits.available_permits();
    if free == 0 && !warned {
        tracing::warn!(limit, "connection limit reached; new connections wait");
        true
    } else {
        warned && free <= limit / 2
    }
}

/// One request through the router, its body bounded in time, the
/// connection marked busy until the answer has been handed over.
async fn answer(
    app: Router,
    req: Request<Incoming>,
    remote: SocketAddr,
    phase: Arc<Mutex<Watch>>,
    body_timeout: Duration,
) -> Result<Response<Body>, Infallible> {
    set(&phase, Phase::Busy);
    let timed_out = Arc::new(AtomicBool::new(false));
    let mut req = req.map(|b| Body::new(DeadlineBody::new(b, Instant::now() + body_timeout, timed_out.clone())));
    req.extensions_mut().insert(ConnectInfo(remote));
    let res = match app.oneshot(req).await {
        Ok(res) if !timed_out.load(Ordering::Relaxed) => res,
        Ok(_) => body_too_slow(body_timeout),
        Err(never) => match never {},
    };
    Ok(res.map(|b| Body::new(EndOfAnswer { body: b, phase: Some(phase) })))
}

/// 408, and the connection closed: what is left of the body is not wanted.
fn body_too_slow(limit: Duration) -> Response<Body> {
    let message = format!(
        "the request body did not arrive within {} seconds; send it faster, or in smaller batches",
        limit.as_secs()
    );
    let mut res = (StatusCode::REQUEST_TIMEOUT, axum::Json(serde_json::json!({ "error": message }))).into_response();
    res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// What a connection is waiting for; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No request under way, since this instant.
    Idle(Instant),
    /// A request's head began to arrive at this instant.
    Head(Instant),
    /// A request is being answered.
    Busy,
}

/// A connection's phase, and the task waiting to read from it while a
/// request is answered. Falling idle wakes that task, so the idle timer
/// starts at once even if the client then sends nothing (otherwise the read
/// would wait for bytes that never come, and no timer would ever be set).
#[derive(Debug)]
struct Watch {
    phase: Phase,
    reader: Option<Waker>,
}

fn set(watch: &Mutex<Watch>, to: Phase) {
    let mut w = watch.lock().unwrap_or_else(|e| e.into_inner());
    w.phase = to;
    if matches!(to, Phase::Idle(_))
        && let Some(reader) = w.reader.take()
    {
        reader.wake();
    }
}

fn get(watch: &Mutex<Watch>) -> Phase {
    watch.lock().unwrap_or_else(|e| e.into_inner()).phase
}

/// A socket that fails a read once the connection has waited too long for
/// its client (idle, or part-way through a head), and a write once the
/// client has read nothing for the idle timeout. Hyper then closes it.
struct Guarded {
    io: TcpStream,
    phase: Arc<Mutex<Watch>>,
    limits: ServerLimits,
    read_timer: Option<Pin<Box<Sleep>>>,
    write_timer: Option<Pin<Box<Sleep>>>,
}

impl Guarded {
    fn new(io: TcpStream, phase: Arc<Mutex<Watch>>, limits: ServerLimits) -> Guarded {
        Guarded { io, phase, limits, read_timer: None, write_timer: None }
    }

    /// When a read waiting now must give up; none while busy, when the
    /// reading task is instead woken as the answer is done (checked and
    /// registered under one lock, so that wake cannot be missed).
    fn read_deadline(&self, cx: &Context<'_>) -> Option<Instant> {
        let mut watch = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        match watch.phase {
            Phase::Idle(since) => Some(since + self.limits.idle_timeout),
            Phase::Head(since) => Some(since + self.limits.header_timeout),
            Phase::Busy => {
                watch.reader = Some(cx.waker().clone());
                None
            }
        }
    }
}

/// Polls a timer set to `deadline` (made or moved as needed): ready when it
/// has passed.
fn expired(timer: &mut Option<Pin<Box<Sleep>>>, deadline: Instant, cx: &mut Context<'_>) -> bool {
    match timer {
        Some(t) if t.deadline() == deadline => {}
        Some(t) => t.as_mut().reset(deadline),
        None => *timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
    }
    timer.as_mut().is_some_and(|t| t.as_mut().poll(cx).is_ready())
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what.to_string())
}

impl AsyncRead for Guarded {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    let mut watch = self.phase.lock().unwrap_or_else(|e| e.into_inner());
                    if matches!(watch.phase, Phase::Idle(_)) {
                        watch.phase = Phase::Head(Instant::now());
                    }
                }
                self.read_timer = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let Some(deadline) = self.read_deadline(cx) else {
                    self.read_timer = None;
                    return Poll::Pending;
                };
                if expired(&mut self.read_timer, deadline, cx) {
                    let what = match get(&self.phase) {
                        Phase::Head(_) => "the request headers did not arrive in time",
                        _ => "the connection was idle too long",
                    };
                    return Poll::Ready(Err(timed_out(what)));
                }
                Poll::Pending
            }
        }
    }
}

impl Guarded {
    /// A write that cannot go on for the idle timeout fails: the client has
    /// stopped reading.
    fn stalled<T>(&mut self, poll: Poll<io::Result<T>>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Ready(r) => {
                self.write_timer = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let deadline = match &self.write_timer {
                    Some(t) => t.deadline(),
                    None => Instant::now() + self.limits.idle_timeout,
                };
                if expired(&mut self.write_timer, deadline, cx) {
                    return Poll::Ready(Err(timed_out("the client stopped reading the answer")));
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.io).poll_write(cx, buf);
        self.stalled(poll, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.stalled(poll, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.io).poll_flush(cx);
        self.stalled(poll, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.io).poll_shutdown(cx);
        self.stalled(poll, cx)
    }
}

/// A request body that ends in an error once its deadline has passed, and
/// says so through `timed_out` (the extractor's own error would be a 400).
struct DeadlineBody {
    inner: Incoming,
    timer: Pin<Box<Sleep>>,
    timed_out: Arc<AtomicBool>,
}

impl DeadlineBody {
    fn new(inner: Incoming, deadline: Instant, timed_out: Arc<AtomicBool>) -> DeadlineBody {
        DeadlineBody { inner, timer: Box::pin(tokio::time::sleep_until(deadline)), timed_out }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTimedOut;

impl hyper::body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        ready!(self.timer.as_mut().poll(cx));
        self.timed_out.store(true, Ordering::Relaxed);
        Poll::Ready(Some(Err(BodyTimedOut.into())))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// An answer's body that marks its connection idle once it has been handed
/// over whole (or dropped, if the client went away).
struct EndOfAnswer {
    body: Body,
    phase: Option<Arc<Mutex<Watch>>>,
}

impl EndOfAnswer {
    fn done(&mut self) {
        if let Some(p) = self.phase.take() {
            set(&p, Phase::Idle(Instant::now()));
        }
    }
}

impl Drop for EndOfAnswer {
    fn drop(&mut self) {
        self.done();
    }
}

impl hyper::body::Body for EndOfAnswer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = ready!(Pin::new(&mut self.body).poll_frame(cx));
        if frame.is_none() {
            self.done();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
