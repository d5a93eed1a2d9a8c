//! Writes a report of a small contended run, driven in virtual time without an engine, to the
//! folder given as the first argument (default `reports/sample`).
//!
//! `cargo run --example report_sample -- reports/sample`

#[path = "../tests/report_support/mod.rs"]
mod report_support;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "reports/sample".into());
    let results = report_support::two_pool_results();
    let files = retrylab::report::write_report(
        &retrylab::report::ReportInput::Runs(vec![results]),
        std::path::Path::new(&out),
    )?;
    println!("wrote {}", files.html.display());
    Ok(())
}
