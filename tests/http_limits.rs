//! The daemon against clients that hold it open (half-sent requests, oversized request
//! heads and idle keep-alive connections must neither pile up nor delay SIGTERM) and
//! against a second daemon on the same database.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

/// A daemon configuration in `dir` on a free port, sharing `dir`'s `p.db`: its path and
/// its listen address. A yearly schedule: nothing is crawled while the tests run.
fn config(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let config = dir.join(format!(
        "portalfeed-{}.toml",
        listen.replace([':', '.'], "-")
    ));
    std::fs::write(
        &config,
        format!(
            "[daemon]\ndatabase = \"p.db\"\nlisten = \"{listen}\"\nschedule = \"0 0 1 1 *\"\n\
             [[source]]\nid = \"a\"\nurl = \"http://a.test/tin-tuc/\"\n"
        ),
    )
    .unwrap();
    (config, listen)
}

fn daemon(dir: &std::path::Path) -> (std::process::Child, String) {
    let (config, listen) = config(dir);
    let child = binary()
        .args(["run", "--config", config.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (child, listen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_are_bounded_and_sigterm_ends_the_daemon_whatever_clients_do() {
    let dir = tempfile::tempdir().unwrap();
    let (child, listen) = daemon(dir.path());
    wait_until_up(&format!("http://{listen}/healthz"), Duration::from_secs(20)).await;

    // A request head of 100 KB is refused, not buffered (hyper's default took ~400 KB).
    let mut big = TcpStream::connect(&listen).unwrap();
    big.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let _ = big.write_all(head.as_bytes());
    let mut answer = String::new();
    let _ = big.read_to_string(&mut answer);
    assert!(
        !answer.starts_with("HTTP/1.1 200"),
        "a 100 KB head was served: {}",
        answer.lines().next().unwrap_or("")
    );

    // Clients that never finish their request, and idle keep-alive ones.
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(&listen).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        held.push(s);
    }
    for _ in 0..5 {
        let mut s = TcpStream::connect(&listen).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 512];
        let n = s.read(&mut buf).unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    // The server still answers others meanwhile.
    let ok = client()
        .get(format!("http://{listen}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    // SIGTERM ends it within the 10 s a service manager waits, the held sockets
    // notwithstanding (five idle ones once delayed it by 48 s).
    let asked = Instant::now();
    let status = terminate(child);
    let took = asked.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(10), "SIGTERM took {took:?}");
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_daemon_on_the_same_database_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (first, listen) = daemon(dir.path());
    wait_until_up(&format!("http://{listen}/healthz"), Duration::from_secs(20)).await;
    // Same folder, so the same p.db; another port.
    let (other, _) = config(dir.path());
    let out = binary()
        .args(["run", "--config", other.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another portalfeed daemon is running"),
        "{err}"
    );
    // The first is untouched and still answers.
    let ok = client()
        .get(format!("http://{listen}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(terminate(first).success());
}
