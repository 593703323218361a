use std::path::PathBuf;
use anyhow::Context;
use clap::Parser;
#[derive(Parser)]
struct Cli { #[arg(long)] url: String, #[arg(long)] content_type: Option<String>, file: PathBuf }
fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let bytes = std::fs::read(&cli.file).context("read")?;
    let d = portalfeed::fetch::decode::decode_html(&bytes, cli.content_type.as_deref())?;
    let url = url::Url::parse(&cli.url)?;
    let a = portalfeed::extract::extract(&d.text, &url, &Default::default())?;
    let mut v = serde_json::to_value(&a)?;
    v["text"] = a.text().into();
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}
