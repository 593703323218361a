//! The systemd service: the unit file verifies cleanly and is hardened (exposure ≤ 2.0);
//! the daemon speaks sd_notify (READY, STATUS, WATCHDOG, RELOADING, STOPPING) on a socket
//! the test binds; SIGHUP reloads the configuration (sources added and removed, a bad
//! file reported and the old one kept); SIGTERM stops it cleanly within 10 s; under
//! journald its log lines carry syslog priorities and no timestamps or colours.

mod common;

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn unit_with_binary(dir: &std::path::Path) -> std::path::PathBuf {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/portalfeed.service"
    ))
    .unwrap();
    let path = dir.join("portalfeed.service");
    std::fs::write(
        &path,
        unit.replace(
            "/usr/local/bin/portalfeed",
            env!("CARGO_BIN_EXE_portalfeed"),
        ),
    )
    .unwrap();
    path
}

#[test]
fn the_unit_file_verifies_and_is_hardened() {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_with_binary(dir.path());
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("systemd-analyze is installed by .ci/run");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(
        verify.status.success() && said.trim().is_empty(),
        "systemd-analyze verify said:\n{said}"
    );
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true"])
        .arg(&unit)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&security.stdout).to_string();
    let score: f64 = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{text}"));
    assert!(score <= 2.0, "exposure {score} > 2.0");
}

#[test]
fn the_packaged_unit_differs_only_in_the_binary_path() {
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let ours = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/portalfeed.service"
    ))
    .unwrap();
    let deb = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/debian/portalfeed.service"
    ))
    .unwrap();
    assert_eq!(
        strip(&ours).replace("/usr/local/bin/portalfeed", "/usr/bin/portalfeed"),
        strip(&deb)
    );
}

#[test]
fn a_relative_database_lands_in_the_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(&config, "[daemon]\ndatabase = \"portalfeed.db\"\n").unwrap();
    let out = common::binary()
        .env("STATE_DIRECTORY", &state)
        .args(["crawl", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(state.join("portalfeed.db").exists());
    assert!(!dir.path().join("portalfeed.db").exists());
}

struct Notifications {
    socket: UnixDatagram,
    seen: Vec<String>,
}

impl Notifications {
    fn bind(path: &std::path::Path) -> Notifications {
        let socket = UnixDatagram::bind(path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        Notifications {
            socket,
            seen: Vec::new(),
        }
    }

    /// Waits for a message containing `what`, keeping everything seen.
    fn wait_for(&mut self, what: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline {
            if let Ok(n) = self.socket.recv(&mut buf) {
                let msg = String::from_utf8_lossy(&buf[..n]).to_string();
                self.seen.push(msg.clone());
                if msg.contains(what) {
                    return msg;
                }
            }
        }
        panic!("no {what:?} within {within:?}; seen: {:?}", self.seen);
    }
}

fn config_text(listen: &str, ids: &[&str]) -> String {
    let mut t = format!(
        "[daemon]\nlisten = \"{listen}\"\nschedule = \"0 0 1 1 *\"\nlog_level = \"info\"\n"
    );
    for id in ids {
        // Unreachable on purpose: the runs fail fast and the daemon carries on.
        t.push_str(&format!(
            "[[source]]\nid = \"{id}\"\nurl = \"http://127.0.0.1:9/{id}/\"\n"
        ));
    }
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_reload_and_clean_stop() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("notify.sock");
    let mut notes = Notifications::bind(&sock);
    let listen = format!("127.0.0.1:{}", common::free_port());
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(&config, config_text(&listen, &["mot", "hai"])).unwrap();
    let child = common::binary()
        .env("NOTIFY_SOCKET", &sock)
        .args(["run", "--config", config.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let ready = notes.wait_for("READY=1", Duration::from_secs(20));
    assert!(ready.contains("STATUS=2 sources"), "{ready}");
    notes.wait_for("WATCHDOG=1", Duration::from_secs(5));
    let base = format!("http://{listen}");
    let status = common::get_text(format!("{base}/")).await;
    assert!(status.contains("(mot)") && status.contains("(hai)"));

    // Reload: one source removed, one added.
    std::fs::write(&config, config_text(&listen, &["mot", "ba"])).unwrap();
    Command::new("kill").args(["-HUP", &pid]).status().unwrap();
    notes.wait_for("RELOADING=1", Duration::from_secs(10));
    let after = notes.wait_for("READY=1", Duration::from_secs(10));
    assert!(after.contains("STATUS=2 sources"), "{after}");
    let status = common::get_text(format!("{base}/")).await;
    assert!(
        status.contains("(ba)") && !status.contains("(hai)"),
        "the reload took effect"
    );
    let feed = common::client()
        .get(format!("{base}/feeds/ba.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200, "the new source's feed is served");

    // A broken configuration: reported, and the old one keeps running.
    std::fs::write(&config, "[daemon]\nschedule = \"61 * * * *\"\n").unwrap();
    Command::new("kill").args(["-HUP", &pid]).status().unwrap();
    let failed = notes.wait_for("reload failed", Duration::from_secs(10));
    assert!(
        failed.contains("portalfeed.toml:2:12"),
        "the status names the position: {failed}"
    );
    let status = common::get_text(format!("{base}/")).await;
    assert!(
        status.contains("(ba)") && status.contains("(mot)"),
        "the old configuration still runs"
    );
    assert_eq!(
        common::client()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // SIGTERM: STOPPING=1 and a clean exit within 10 s.
    let started = Instant::now();
    let exit = common::terminate(child);
    assert!(exit.success(), "{exit:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    notes.wait_for("STOPPING=1", Duration::from_secs(2));
}

#[test]
fn journald_lines_carry_priorities() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        "[daemon]\nretries = 0\n[[source]]\nid = \"chet\"\nurl = \"http://127.0.0.1:9/tin-tuc/\"\n",
    )
    .unwrap();
    let out = common::binary()
        .env("JOURNAL_STREAM", "8:12345")
        .env_remove("RUST_LOG")
        .args(["crawl", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with('<')).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("<4>") && l.contains("chet")),
        "a warning about the source, naming it:\n{err}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("<6>")),
        "info lines:\n{err}"
    );
    assert!(!err.contains('\u{1b}'), "no colours under journald");
    assert!(
        lines.iter().all(|l| !l[3..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())),
        "no timestamps:\n{err}"
    );
}
