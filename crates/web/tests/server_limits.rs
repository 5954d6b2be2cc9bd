//! The server's bounds on connections (issue 13, defect 5): a client that
//! sends nothing, half a request or half a body, or keeps a connection open
//! without using it, is cut off after the configured timeouts, and at most
//! `max_connections` are served at once, so idle sockets cannot lock out
//! `/healthz`. Run against a real listener on 127.0.0.1, with timeouts of a
//! second or two so the suite stays quick.

use std::net::SocketAddr;
use std::time::Duration;

use peel_store::Engine;
use peel_store::testing::TestDatabase;
use peel_web::{AppState, ServerLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

const SHORT: ServerLimits = ServerLimits {
    header_timeout: Duration::from_secs(1),
    body_timeout: Duration::from_secs(2),
    idle_timeout: Duration::from_secs(2),
    max_connections: 64,
};

/// Longest wait for the server to close a connection it should close.
const PATIENCE: Duration = Duration::from_secs(8);

async fn start(limits: ServerLimits) -> (SocketAddr, TestDatabase) {
    let db = TestDatabase::new(Engine::Sqlite).await;
    let state = AppState::load(db.store().await).await.expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(peel_web::serve_on_with(state, listener, None, limits));
    (addr, db)
}

/// Reads until the server closes the connection (or `PATIENCE` runs out),
/// returning what was read and how long it took.
async fn until_closed(stream: &mut TcpStream) -> Result<(String, Duration), String> {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match timeout(PATIENCE.saturating_sub(started.elapsed()), stream.read(&mut buf)).await {
            Err(_) => {
                return Err(format!("still open after {PATIENCE:?}; read so far: {:?}", String::from_utf8_lossy(&got)));
            }
            Ok(Ok(0)) | Ok(Err(_)) => return Ok((String::from_utf8_lossy(&got).into_owned(), started.elapsed())),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let (addr, _db) = start(SHORT).await;
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let (read, took) = until_closed(&mut s).await.expect("closed");
    assert_eq!(read, "");
    assert!(took >= Duration::from_millis(1500), "closed too soon: {took:?}");
}

#[tokio::test]
async fn half_sent_headers_are_cut_off_after_the_header_timeout() {
    let (addr, _db) = start(SHORT).await;
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: peel\r\n").await.expect("write");
    // Trickling more header lines does not buy time.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if s.write_all(b"X-Slow: 1\r\n").await.is_err() {
            break;
        }
    }
    let (_, took) = until_closed(&mut s).await.expect("closed");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_once_idle() {
    let (addr, _db) = start(SHORT).await;
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: peel\r\n\r\n").await.expect("write");
    let (read, _) = until_closed(&mut s).await.expect("closed after the answer");
    assert!(read.starts_with("HTTP/1.1 200"), "{read}");
    assert!(read.contains("\"status\":\"ok\""), "{read}");
}

#[tokio::test]
async fn a_half_sent_body_is_answered_408_and_closed() {
    let (addr, _db) = start(SHORT).await;
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(
        b"POST /login HTTP/1.1\r\nHost: peel\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 1000\r\n\r\nemail=a%40b.example&password=",
    )
    .await
    .expect("write");
    let (read, took) = until_closed(&mut s).await.expect("closed");
    assert!(read.starts_with("HTTP/1.1 408"), "{read}");
    assert!(read.contains("did not arrive within 2 seconds"), "{read}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[tokio::test]
async fn idle_connections_beyond_the_limit_cannot_lock_out_healthz() {
    let limits = ServerLimits { max_connections: 4, ..SHORT };
    let (addr, _db) = start(limits).await;
    // Far more silent sockets than the server may serve at once.
    let mut silent = Vec::new();
    for _ in 0..10 {
        silent.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: peel\r\nConnection: close\r\n\r\n").await.expect("write");
    let mut answer = String::new();
    timeout(Duration::from_secs(30), s.read_to_string(&mut answer))
        .await
        .expect("healthz answered once the idle sockets timed out")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // It had to wait its turn: the four served at once were all silent.
    assert!(started.elapsed() >= Duration::from_millis(1500), "answered at once: the limit was not applied");
    drop(silent);
}
