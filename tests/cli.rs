//! The command line as a pipeline's first stage: when the reader goes away early
//! (`portalfeed check | head -1`), the command stops quietly with success instead of
//! panicking with exit 101.

mod common;

use portalfeed::text::Identity;
use std::process::Stdio;

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    // Enough sources that the output is far larger than a pipe's buffer: the command is
    // still writing when the reader is gone, whatever the timing.
    let mut text = String::from("[daemon]\ndatabase = \"p.db\"\n");
    for n in 0..3000 {
        text.push_str(&format!(
            "[[source]]\nid = \"s{n}\"\nname = \"Cổng thông tin số {n}\"\nurl = \"http://p{n}.test/tin-tuc/\"\n"
        ));
    }
    std::fs::write(&config, text).unwrap();
    for command in ["check", "opml"] {
        let mut child = common::binary()
            .args([command, "--config", config.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
        assert!(out.status.success(), "{command}: {:?} {stderr}", out.status);
    }
}

#[test]
fn a_schedule_that_never_fires_is_said_to_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        "[[source]]\nid = \"feb\"\nurl = \"http://a.test/\"\nschedule = \"0 0 30 2 *\"\n",
    )
    .unwrap();
    let out = common::binary()
        .args(["check", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("next: never"), "{text}");
}

#[test]
fn the_crawl_table_names_every_column() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    // A loopback source is refused by the address policy at once: a row, no network.
    std::fs::write(
        &config,
        "[daemon]\ndatabase = \"p.db\"\nretries = 0\n[[source]]\nid = \"local\"\nurl = \"http://127.0.0.1:9/tin-tuc/\"\n",
    )
    .unwrap();
    let out = common::binary()
        .args(["crawl", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let numbers = row[1..]
        .iter()
        .take_while(|w| w.parse::<usize>().is_ok())
        .count();
    // "source", a name per number, then "error".
    assert_eq!(header.len(), numbers + 2, "{text}");
    assert_eq!(header.last(), Some(&"error"), "{text}");
    // Logs to a pipe carry no colour codes (issue 16): only a terminal gets them.
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("WARN"), "the failing source is logged: {log}");
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a piped log: {log:?}"
    );
}

#[test]
fn a_busy_port_is_said_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        format!("[daemon]\ndatabase = \"p.db\"\nlisten = \"127.0.0.1:{port}\"\n"),
    )
    .unwrap();
    let out = common::binary()
        .args(["run", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
    assert_eq!(err.matches("in use").count(), 1, "{err}");
}

/// A stored title with an escape sequence (a hostile or broken page) is printed written
/// out, not sent to the terminal.
#[test]
fn titles_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        "[daemon]\ndatabase = \"p.db\"\n[[source]]\nid = \"a\"\nurl = \"http://a.test/tin-tuc/\"\n",
    )
    .unwrap();
    let cfg = portalfeed::config::Config::load(&config).unwrap();
    let store = portalfeed::store::Store::open(&cfg.daemon.database).unwrap();
    store.sync_sources(&cfg.sources).unwrap();
    let article = portalfeed::extract::Article {
        url: "http://a.test/tin-tuc/1.html".into(),
        title: "Dân vận \u{1b}[2J\u{1b}]0;pwned\u{7}khéo".into(),
        published: None,
        author: None,
        credit: None,
        paragraphs: vec!["Một đoạn văn về phong trào dân vận khéo của xã trong năm nay.".into()],
        content_html: "<p>Một đoạn văn.</p>".into(),
        images: vec![],
        attachments: vec![],
        categories: vec![],
        document: None,
        profile: None,
        container: Default::default(),
    };
    store
        .save(
            "a",
            &article.url,
            &article,
            &Identity::of(&article.paragraphs),
            chrono::Utc::now(),
        )
        .unwrap();
    drop(store);
    let out = common::binary()
        .args(["search", "--config", config.to_str().unwrap(), "dan van"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Dân vận"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("\\u{1b}[2J"), "{text:?}");
}

/// With 8787 taken, the demo says where it serves instead of moving silently.
#[test]
fn the_demo_says_when_its_port_is_taken() {
    use std::io::BufRead as _;
    // Taken by us, or already by something else: busy either way while this runs.
    let _held = std::net::TcpListener::bind("127.0.0.1:8787");
    let mut child = common::binary()
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let first = std::io::BufReader::new(stdout).lines().next();
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let first = first.expect("a first line").unwrap();
    assert!(
        first.starts_with("127.0.0.1:8787 is taken") && first.contains("instead"),
        "{first}"
    );
}
