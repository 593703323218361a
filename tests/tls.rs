//! TLS policy per source, against a local HTTPS portal whose certificate is signed by a
//! private CA (the "incomplete chain" case): refused by default with a clear reason,
//! accepted with `[source.http] ca_file`, and with `insecure_tls` (loudly logged).

mod common;

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn page(path: &str) -> (u16, String) {
    let prefix = path.split('/').nth(1).unwrap_or("");
    if path.ends_with("/tin-tuc/") {
        let body = format!(
            r#"<html><head><meta charset="utf-8"></head><body><div class="news-list">
<div class="item"><h3><a href="/{prefix}/tin-tuc/hoi-nghi-tong-ket-cong-tac-nam-1001.html">Hội nghị tổng kết công tác năm của huyện</a></h3><p>Tóm tắt.</p></div>
<div class="item"><h3><a href="/{prefix}/tin-tuc/ra-mat-mo-hinh-dan-van-kheo-1002.html">Ra mắt mô hình dân vận khéo ở xã vùng cao</a></h3><p>Tóm tắt.</p></div>
</div></body></html>"#
        );
        return (200, body);
    }
    if path.ends_with(".html") {
        let n: usize = path
            .trim_end_matches(".html")
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let body = format!(
            r#"<html><head><meta charset="utf-8"><title>Bài {n}</title></head><body><h1>Bài viết {n} của nhóm {prefix} trên cổng thông tin huyện</h1>
<div class="date">02/10/2023 09:05</div><div class="content"><p>Nội dung bài viết {n} của nhóm {prefix}: huyện tổ chức hội nghị với {m} đại biểu tham dự, bàn về công tác dân vận trong năm tới.</p>
<p>Đoạn thứ hai của bài {n} nói về kết quả {k} mô hình dân vận khéo được nhân rộng trên địa bàn.</p></div></body></html>"#,
            m = n * 3 + prefix.len(),
            k = n + prefix.len() * 7
        );
        return (200, body);
    }
    (404, "not found".into())
}

/// A private CA and a server certificate for 127.0.0.1 signed by it.
fn certificates(dir: &std::path::Path) -> (std::path::PathBuf, rustls::ServerConfig) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Portal Test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let ca_file = dir.join("extra-chain.pem");
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
    let server = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
    (ca_file, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_file_and_insecure_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (ca_file, server) = certificates(dir.path());
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (code, body) = page(&path);
                let resp = format!(
                    "HTTP/1.1 {code} X\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });

    let config = dir.path().join("portalfeed.toml");
    std::fs::write(
        &config,
        format!(
            "[daemon]\nper_host_delay = \"0s\"\nretries = 0\n\n\
             [[source]]\nid = \"strict\"\nurl = \"https://127.0.0.1:{port}/strict/tin-tuc/\"\n\n\
             [[source]]\nid = \"chain\"\nurl = \"https://127.0.0.1:{port}/chain/tin-tuc/\"\n[source.http]\nca_file = \"extra-chain.pem\"\n\n\
             [[source]]\nid = \"insecure\"\nurl = \"https://127.0.0.1:{port}/insecure/tin-tuc/\"\n[source.http]\ninsecure_tls = true\n"
        ),
    )
    .unwrap();
    assert!(ca_file.exists());
    let out = common::binary()
        .env("RUST_LOG", "warn")
        .args(["crawl", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let row = |id: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id}:\n{stdout}"))
            .to_string()
    };
    let new = |id: &str| {
        row(id)
            .split_whitespace()
            .nth(2)
            .unwrap()
            .parse::<usize>()
            .unwrap()
    };
    assert_eq!(
        out.status.code(),
        Some(1),
        "the strict source fails:\n{stdout}"
    );
    assert_eq!(new("strict"), 0);
    assert!(
        row("strict").to_lowercase().contains("certificate"),
        "the reason names the certificate: {}\n{stderr}",
        row("strict")
    );
    assert_eq!(new("chain"), 2, "{stdout}");
    assert_eq!(new("insecure"), 2, "{stdout}");
    assert!(
        stderr.contains("insecure_tls"),
        "insecure TLS is logged loudly:\n{stderr}"
    );

    let health = common::binary()
        .args(["sources", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let health = String::from_utf8_lossy(&health.stdout).to_string();
    let line = health.lines().find(|l| l.starts_with("insecure ")).unwrap();
    assert!(line.contains("[insecure TLS]"), "{line}");
}
