//! `portalfeed preview URL`: fetch one article and show what its feed item would be.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use portalfeed::config::{IndexKind, SourceConfig};
use portalfeed::extract::{self, Article};
use portalfeed::fetch::{FetchConfig, Fetcher};
use portalfeed::{crawl, daemon};

pub struct Args {
    pub url: String,
    pub config: Option<PathBuf>,
    pub source: Option<String>,
    pub json: bool,
    pub html: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let url = url::Url::parse(&args.url).with_context(|| format!("invalid URL {:?}", args.url))?;
    let settings = match &args.config {
        Some(path) => portalfeed::config::Config::load(path)?,
        None => super::default_config()?,
    };
    let source = match &args.source {
        Some(id) => settings
            .source(id)
            .cloned()
            .ok_or_else(|| daemon::DaemonError::UnknownSource(id.clone()))?,
        None => portalfeed::discover::provisional_source("preview", &url, IndexKind::Html)
            .context("cannot make a source for this URL")?,
    };
    let fetcher = Fetcher::new(FetchConfig::from(&settings.daemon))?;
    if source.kind == IndexKind::Documents {
        return preview_register(&fetcher, &source, &url, args.json);
    }
    let (page, article) = super::runtime()?
        .block_on(crawl::read_article(&fetcher, &source, &url))
        // The error's text already names its cause; `{:#}` would repeat it.
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&article.to_json())?);
    } else if args.html {
        outln!("{}", article.content_html);
    } else {
        out!(
            "{}",
            preview_text(&article, &source, &page.url, settings.daemon.timezone)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A register source's page: the documents a run would store from it, one block each
/// (`--json`: the items as `extract` prints articles).
fn preview_register(
    fetcher: &Fetcher,
    source: &SourceConfig,
    url: &url::Url,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let policy = portalfeed::fetch::SourcePolicy::from(source);
    let mut notes = Vec::new();
    let rows = super::runtime()?
        .block_on(async {
            let first = fetcher.get(url, &policy, None).await?;
            crawl::read_register(fetcher, source, &policy, first, &mut notes).await
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if rows.is_empty() {
        anyhow::bail!(
            "{}",
            crawl::RunError::NoDocuments {
                url: url.to_string()
            }
        );
    }
    if json {
        let items: Vec<serde_json::Value> =
            rows.iter().map(|r| r.to_article(url).to_json()).collect();
        outln!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{} documents in {url}", rows.len());
    for r in &rows {
        outln!("");
        outln!("Số/Ký hiệu:  {}", r.number);
        if let Some(d) = r.issued {
            outln!("Ban hành:    {}", d.format("%d/%m/%Y"));
        }
        outln!("Trích yếu:   {}", r.summary);
        for (label, v) in [
            ("Cơ quan:", &r.issuer),
            ("Lĩnh vực:", &r.field),
            ("Người ký:", &r.signer),
        ] {
            if let Some(v) = v {
                outln!("{label:<12} {v}");
            }
        }
        if let Some(f) = &r.file {
            outln!("Tệp:         {}", f.url);
        }
        if let Some(d) = &r.detail {
            outln!("Trang:       {d}");
        }
    }
    for n in notes {
        outln!("note: {n}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `preview`'s human-readable page: the item's fields, then the body wrapped for a
/// terminal, then which profile and rules applied.
fn preview_text(
    a: &Article,
    source: &SourceConfig,
    fetched: &url::Url,
    tz: chrono_tz::Tz,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let field = |out: &mut String, name: &str, value: &str| {
        let _ = writeln!(out, "{name:<10} {value}");
    };
    field(&mut out, "Title:", &a.title);
    field(
        &mut out,
        "Published:",
        &a.published
            .map(|d| {
                format!(
                    "{} ({})",
                    d.format("%Y-%m-%d %H:%M:%S %:z"),
                    d.with_timezone(&tz).format("%d/%m/%Y %H:%M %Z")
                )
            })
            .unwrap_or_else(|| "none found (the item would be dated when first seen)".into()),
    );
    field(&mut out, "Author:", a.author.as_deref().unwrap_or("—"));
    field(&mut out, "Credit:", a.credit.as_deref().unwrap_or("—"));
    field(&mut out, "URL:", &a.url);
    if a.url != fetched.as_str() {
        field(&mut out, "Fetched:", fetched.as_str());
    }
    let rules = &source.article;
    let profile = match (&rules.profile, &a.profile) {
        (Some(forced), _) => format!("{forced} (set for the source)"),
        (None, Some(p)) => format!("{p} (detected)"),
        (None, None) => "none: the generic extractor".into(),
    };
    field(&mut out, "Profile:", &profile);
    let mut own = Vec::new();
    for (name, v) in [
        ("title", &rules.title),
        ("body", &rules.body),
        ("lead", &rules.lead),
        ("date", &rules.date),
        ("author", &rules.author),
    ] {
        if let Some(v) = v {
            own.push(format!("{name} = {v:?}"));
        }
    }
    if !rules.strip.is_empty() {
        own.push(format!("strip = {:?}", rules.strip));
    }
    let profile_rules = a
        .profile
        .as_deref()
        .and_then(extract::profile::by_name)
        .map(|p| {
            let r = &p.rules;
            [
                ("body", &r.body),
                ("lead", &r.lead),
                ("title", &r.title),
                ("date", &r.date),
                ("author", &r.author),
            ]
            .iter()
            .filter_map(|(n, v)| v.as_ref().map(|v| format!("{n} = {v:?}")))
            .chain((!r.strip.is_empty()).then(|| format!("strip = {:?}", r.strip)))
            .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if !profile_rules.is_empty() {
        field(
            &mut out,
            "Rules:",
            &format!("profile: {}", profile_rules.join(", ")),
        );
    }
    if !own.is_empty() {
        field(
            &mut out,
            if profile_rules.is_empty() {
                "Rules:"
            } else {
                ""
            },
            &format!("source {}: {}", source.id, own.join(", ")),
        );
    }
    let _ = writeln!(out, "Images:    {}", a.images.len());
    for i in &a.images {
        let _ = writeln!(out, "  {i}");
    }
    if !a.attachments.is_empty() {
        let _ = writeln!(out, "Files:     {}", a.attachments.len());
        for f in &a.attachments {
            let _ = writeln!(
                out,
                "  {} ({}) {}",
                f.title,
                f.media_type.as_deref().unwrap_or("type unknown"),
                f.url
            );
        }
    }
    let _ = writeln!(out, "\n{} paragraphs:\n", a.paragraphs.len());
    for p in &a.paragraphs {
        let _ = writeln!(out, "{}\n", wrap(p, 88));
    }
    out
}

/// Wraps text at word boundaries for a terminal.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split(' ') {
        let len = word.chars().count();
        if line > 0 && line + 1 + len > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += len;
    }
    out
}
