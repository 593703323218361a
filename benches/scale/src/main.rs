//! Scale harness: the real portalfeed binary against a synthetic farm of portals.
//!
//!     cargo run --release --manifest-path benches/scale/Cargo.toml -- [--sources 100,1000,5000]
//!
//! For each number of sources it starts a fresh farm (see `farm.rs`) and measures, with
//! politeness off (no per-host delay, 64 requests in flight):
//!
//! - the first cycle (`portalfeed crawl`: every source's list pages and articles): wall
//!   time, CPU seconds, peak resident memory, articles stored per second, CPU seconds and
//!   database bytes per 1,000 articles;
//! - a steady cycle half an hour later (a sixth of the sites have a new article, as at
//!   eight articles a day per site; unchanged pages answer 304): wall time and CPU,
//!   turned into the CPU share of a 30-minute schedule on 2 cores;
//!
//! then the same steady cycle with politeness on (1 s between requests to a host, 8 in
//! flight, robots.txt), and, with the daemon running on a 1-minute schedule, the time
//! from an article appearing to its being in its source's feed and the latency of feed
//! requests while a crawl runs. It prints a Markdown table for BENCHMARKS.md.

mod farm;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use farm::{Farm, FarmConfig, unix_now};

struct Args {
    sources: Vec<usize>,
    articles: usize,
    latency: Duration,
    slow_share: f64,
    fail_share: f64,
    daemon: bool,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let get = |name: &str| {
        argv.iter()
            .position(|a| a == name)
            .and_then(|i| argv.get(i + 1))
            .cloned()
    };
    Args {
        sources: get("--sources")
            .unwrap_or_else(|| "100,1000,5000".into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect(),
        articles: get("--articles").and_then(|s| s.parse().ok()).unwrap_or(12),
        latency: Duration::from_millis(
            get("--latency-ms")
                .and_then(|s| s.parse().ok())
                .unwrap_or(20),
        ),
        slow_share: get("--slow-share")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.01),
        fail_share: get("--fail-share")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.01),
        daemon: !argv.iter().any(|a| a == "--no-daemon"),
    }
}

/// What one `portalfeed crawl` cost.
#[derive(Default, Debug, Clone)]
struct Cycle {
    wall: f64,
    cpu: f64,
    peak_mib: f64,
    new: usize,
    merged: usize,
    failed: usize,
    sources_failed: usize,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The portalfeed binary: `$PORTALFEED_BIN` when set (a copy, so that building while
/// the harness runs does not change what it measures), else this checkout's, built now.
fn binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("PORTALFEED_BIN") {
        return PathBuf::from(bin);
    }
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet"])
        .current_dir(repo())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cannot build portalfeed");
    repo().join("target/release/portalfeed")
}

fn write_config(dir: &Path, sources: usize, polite: bool, listen: &str, schedule: &str) -> PathBuf {
    let mut cfg = format!(
        "[daemon]\ndatabase = \"portalfeed.db\"\nlisten = \"{listen}\"\npublic_url = \"http://{listen}\"\n\
         schedule = \"{schedule}\"\njitter = \"0s\"\nretries = 2\nretry_delay = \"200ms\"\nmax_items = 30\nlog_level = \"error\"\n{}\n",
        if polite {
            "per_host_delay = \"1s\"\nmax_concurrency = 8\n"
        } else {
            "per_host_delay = \"0s\"\nmax_concurrency = 64\n"
        }
    );
    for i in 0..sources {
        cfg.push_str(&format!(
            "[[source]]\nid = \"s{i}\"\nurl = \"{}\"\nmax_pages = 2\n{}\n",
            Farm::list_url(i),
            if polite { "" } else { "robots = false\n" }
        ));
    }
    let path = dir.join(if polite { "polite.toml" } else { "fast.toml" });
    std::fs::write(&path, cfg).expect("write the config");
    path
}

/// Runs `portalfeed crawl` and measures it: wall time, CPU and peak memory from the
/// kernel's accounting of the child (wait4).
// The child is reaped by `wait4` below (for its rusage), which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn crawl(bin: &Path, config: &Path, proxy: &str) -> Cycle {
    let started = Instant::now();
    let child = Command::new(bin)
        .args(["crawl", "--config"])
        .arg(config)
        .env("HTTP_PROXY", proxy)
        .env("http_proxy", proxy)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("portalfeed starts");
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; `usage` is a valid out-pointer.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let wall = started.elapsed().as_secs_f64();
    let out = reader.join().unwrap_or_default();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let mut c = Cycle {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
        ..Default::default()
    };
    for line in out.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        let n = |i: usize| f[i].parse::<usize>().unwrap_or(0);
        c.new += n(2);
        c.merged += n(5);
        c.failed += n(6);
        if line.contains("all ") && line.contains("failed") {
            c.sources_failed += 1;
        }
    }
    c
}

fn db_bytes(dir: &Path) -> u64 {
    ["portalfeed.db", "portalfeed.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

fn proc_cpu(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the command name.
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / hz
}

fn proc_peak_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Feed request latencies (ms) from `clients` loops until `stop` is set.
async fn hammer(url: String, clients: usize, stop: Arc<std::sync::atomic::AtomicBool>) -> Vec<f64> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, stop) = (client.clone(), url.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut v = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                if let Ok(r) = client.get(&url).send().await {
                    let _ = r.bytes().await;
                    v.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            v
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    all
}

async fn metric(url: &str, name: &str) -> f64 {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let Ok(r) = client.get(url).send().await else {
        return 0.0;
    };
    let text = r.text().await.unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The daemon on a 1-minute schedule: time from an article appearing to its being in
/// the feed, and feed latency while a crawl runs.
async fn daemon_phase(bin: &Path, dir: &Path, farm: &Arc<Farm>, sources: usize, proxy: &str) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let listen = format!("127.0.0.1:{port}");
    let config = write_config(dir, sources, true, &listen, "* * * * *");
    let mut child = Command::new(bin)
        .args(["run", "--config"])
        .arg(&config)
        .env("HTTP_PROXY", proxy)
        .env("http_proxy", proxy)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("daemon starts");
    let base = format!("http://{listen}");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    for _ in 0..200 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Just after start (the first runs are starting): the feed rendered, then cached.
    let mut idle = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        if let Ok(r) = client.get(format!("{base}/feeds/all.atom")).send().await {
            let _ = r.bytes().await;
            idle.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    // Wait for a minute boundary to pass, then publish right after it: the articles wait
    // for the next run of their source, as they would in production.
    let runs_url = format!("{base}/metrics");
    let before = metric(&runs_url, "portalfeed_runs_total").await;
    while metric(&runs_url, "portalfeed_runs_total").await <= before {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Let that cycle finish before publishing: every source has run once more, and runs
    // pause (with thousands of polite sources a cycle outlasts the minute, so runs may
    // never pause; a full cycle's worth is then enough).
    let mut last = -1.0;
    let mut waited = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        waited += 2;
        let now = metric(&runs_url, "portalfeed_runs_total").await;
        if now >= before + sources as f64 && (now == last || waited >= 30) {
            break;
        }
        last = now;
    }
    let cpu0 = proc_cpu(child.id());
    let published_at = Instant::now();
    let fresh = farm.publish(20, unix_now());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = tokio::spawn(hammer(format!("{base}/feeds/all.atom"), 4, stop.clone()));
    let mut seen: Vec<Option<f64>> = vec![None; fresh.len()];
    let deadline = Instant::now() + Duration::from_secs(600);
    while seen.iter().any(Option::is_none) && Instant::now() < deadline {
        for (i, (site, title)) in fresh.iter().enumerate() {
            if seen[i].is_some() {
                continue;
            }
            let url = format!("{base}/feeds/s{site}.atom");
            if let Ok(r) = client.get(&url).send().await
                && let Ok(body) = r.text().await
                && body.contains(title.as_str())
            {
                seen[i] = Some(published_at.elapsed().as_secs_f64());
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // One more full cycle under load.
    let runs_now = metric(&runs_url, "portalfeed_runs_total").await;
    while metric(&runs_url, "portalfeed_runs_total").await < runs_now + sources as f64
        && published_at.elapsed() < Duration::from_secs(600)
    {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut busy = load.await.unwrap_or_default();
    let cpu = proc_cpu(child.id()) - cpu0;
    let span = published_at.elapsed().as_secs_f64();
    let peak = proc_peak_mib(child.id());
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let mut lat: Vec<f64> = seen.iter().flatten().copied().collect();
    println!(
        "\ndaemon, {sources} sources, politeness on, schedule every minute:\n\
         - appearance → feed: p50 {:.0} s, max {:.0} s ({} of {} articles seen)\n\
         - feed latency /feeds/all.atom: just after start p50 {:.2} ms p99 {:.2} ms; during crawls p50 {:.2} ms p99 {:.2} ms max {:.1} ms ({} requests)\n\
         - daemon CPU {:.1} s over {:.0} s ({:.0} % of 2 cores), peak RSS {:.1} MiB",
        percentile(&mut lat, 0.5),
        percentile(&mut lat, 1.0),
        lat.len(),
        fresh.len(),
        percentile(&mut idle, 0.5),
        percentile(&mut idle, 0.99),
        percentile(&mut busy, 0.5),
        percentile(&mut busy, 0.99),
        percentile(&mut busy, 1.0),
        busy.len(),
        cpu,
        span,
        cpu / span / 2.0 * 100.0,
        peak
    );
}

/// A fresh farm of `sites` sites as the arguments describe.
fn new_farm(a: &Args, sites: usize) -> Arc<Farm> {
    Farm::new(
        FarmConfig {
            sites,
            articles: a.articles,
            per_page: 10,
            latency: a.latency,
            slow_share: a.slow_share,
            slow: Duration::from_secs(2),
            fail_share: a.fail_share,
            province: 50,
        },
        unix_now(),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let a = args();
    // `--farm-only N`: serve a farm of N sites and write its configurations, for
    // profiling the daemon by hand (HTTP_PROXY=… portalfeed crawl --config …).
    if let Some(n) = std::env::args()
        .skip_while(|x| x != "--farm-only")
        .nth(1)
        .and_then(|v| v.parse::<usize>().ok())
    {
        let dir = std::env::temp_dir().join("portalfeed-farm");
        std::fs::create_dir_all(&dir).expect("work dir");
        let farm = new_farm(&a, n);
        let addr = farm.serve().await;
        let fast = write_config(&dir, n, false, "127.0.0.1:0", "*/30 * * * *");
        let polite = write_config(&dir, n, true, "127.0.0.1:0", "*/30 * * * *");
        println!(
            "farm of {n} sites: HTTP_PROXY=http://{addr}\nconfigs: {} {}",
            fast.display(),
            polite.display()
        );
        tokio::signal::ctrl_c().await.ok();
        return;
    }
    let bin = binary();
    println!(
        "farm: {} articles per site to start (30–60 KB pages, 10 per list page), latency {} ms, {} % slow (+2 s), {} % failing (503)\n",
        a.articles,
        a.latency.as_millis(),
        a.slow_share * 100.0,
        a.fail_share * 100.0
    );
    println!(
        "| sources | first cycle: wall | articles | articles/s | CPU s per 1,000 articles | peak RSS | DB per 1,000 articles | steady cycle (fast): wall, CPU | CPU share of a 30-min schedule, 2 cores | steady cycle (polite): wall, CPU | polite share |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let largest = a.sources.iter().copied().max().unwrap_or(0);
    for &n in &a.sources {
        let dir = std::env::temp_dir().join(format!("portalfeed-scale-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("work dir");
        let farm = new_farm(&a, n);
        let addr = farm.clone().serve().await;
        let proxy = format!("http://{addr}");
        let fast = write_config(&dir, n, false, "127.0.0.1:0", "*/30 * * * *");
        let polite = write_config(&dir, n, true, "127.0.0.1:0", "*/30 * * * *");

        let (bin2, fast2, proxy2) = (bin.clone(), fast.clone(), proxy.clone());
        let first = tokio::task::spawn_blocking(move || crawl(&bin2, &fast2, &proxy2))
            .await
            .expect("crawl");
        let db = db_bytes(&dir);
        // Half an hour of a day: eight articles a day per site.
        farm.publish(n * 8 / 48, unix_now());
        let (bin2, fast2, proxy2) = (bin.clone(), fast.clone(), proxy.clone());
        let steady = tokio::task::spawn_blocking(move || crawl(&bin2, &fast2, &proxy2))
            .await
            .expect("crawl");
        farm.publish(n * 8 / 48, unix_now());
        let (bin2, polite2, proxy2) = (bin.clone(), polite.clone(), proxy.clone());
        let steady_polite = tokio::task::spawn_blocking(move || crawl(&bin2, &polite2, &proxy2))
            .await
            .expect("crawl");
        let stored = (first.new + first.merged).max(1) as f64;
        println!(
            "| {n} | {:.1} s | {} new + {} merged ({} failed) | {:.0} | {:.1} | {:.0} MiB | {:.1} MiB | {:.1} s, {:.1} CPU s ({} new) | {:.2} % | {:.1} s, {:.1} CPU s ({} new) | {:.2} % |",
            first.wall,
            first.new,
            first.merged,
            first.failed,
            stored / first.wall,
            first.cpu / stored * 1000.0,
            first.peak_mib.max(steady.peak_mib),
            db as f64 / stored * 1000.0 / 1_048_576.0,
            steady.wall,
            steady.cpu,
            steady.new,
            steady.cpu / 1800.0 / 2.0 * 100.0,
            steady_polite.wall,
            steady_polite.cpu,
            steady_polite.new,
            steady_polite.cpu / 1800.0 / 2.0 * 100.0,
        );
        eprintln!(
            "  ({n} sources: farm served {} requests, {} not modified, {} failed on purpose; {} sources failed in the first cycle)",
            farm.requests.load(std::sync::atomic::Ordering::Relaxed),
            farm.not_modified.load(std::sync::atomic::Ordering::Relaxed),
            farm.failed.load(std::sync::atomic::Ordering::Relaxed),
            first.sources_failed
        );
        if a.daemon && n == largest {
            daemon_phase(&bin, &dir, &farm, n, &proxy).await;
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
