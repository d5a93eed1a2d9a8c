//! The report of a run: every chart in both formats, pages that reference them, the data
//! files, and a redraw from the saved results.

mod report_support;

use retrylab::report::{self, ReportInput};

#[test]
fn driven_results_are_a_real_contended_run() {
    let r = report_support::two_pool_results();
    assert!(r.integrity.ok, "{:?}", r.integrity.problems);
    for p in &r.pools {
        assert!(p.counters.committed > 0, "{}: nothing committed", p.name);
        assert!(p.counters.conflicts > 0, "{}: no contention", p.name);
        assert!(!p.op_latency_spectrum.is_empty());
    }
    let fast = &r.pools[1];
    assert!(
        fast.counters.give_ups() > 0,
        "max_attempts = 2 must give up under contention"
    );
}

#[test]
fn report_has_every_chart_and_the_pages_reference_them() {
    let r = report_support::two_pool_results();
    let dir = tempfile::tempdir().unwrap();
    let files = report::write_report(&ReportInput::Runs(vec![r.clone()]), dir.path()).unwrap();
    let stems: Vec<String> = files
        .charts
        .iter()
        .map(|c| c.svg.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in [
        "summary-bars",
        "latency-spectrum",
        "attempts-per-op",
        "time-series",
        "fairness",
    ] {
        assert!(stems.iter().any(|s| s == want), "missing {want}: {stems:?}");
    }
    let html = std::fs::read_to_string(&files.html).unwrap();
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    for chart in &files.charts {
        let svg = std::fs::read_to_string(&chart.svg).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
        let png = std::fs::read(&chart.png).unwrap();
        assert_eq!(&png[1..4], b"PNG", "{} is not a PNG", chart.png.display());
        assert!(
            png.len() > 5_000,
            "{} is suspiciously small",
            chart.png.display()
        );
        // The page inlines each chart; the Markdown links each PNG relatively.
        assert!(html.contains(&report::html::base64(svg.as_bytes())));
        let rel = format!(
            "(charts/{})",
            chart.png.file_name().unwrap().to_string_lossy()
        );
        assert!(md.contains(&rel), "report.md lacks {rel}");
    }
    assert_eq!(
        html.matches("<img class=\"chart\"").count(),
        files.charts.len()
    );
    // The facts a reader needs to trust and reproduce the figures.
    for needle in [
        "seed",
        &r.seed.to_string(),
        "two-pools",
        "Store integrity audit",
        "passed",
        "[run]",
        &r.machine.cpu,
    ] {
        assert!(html.contains(needle), "index.html lacks {needle}");
        assert!(md.contains(needle), "report.md lacks {needle}");
    }
    let csv = std::fs::read_to_string(dir.path().join("data/pools.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + r.pools.len());
    assert!(csv.lines().nth(1).unwrap().contains("patient"));
}

#[test]
fn palette_gives_each_pool_one_colour_in_every_chart() {
    let r = report_support::two_pool_results();
    let dir = tempfile::tempdir().unwrap();
    let files = report::write_report(&ReportInput::Runs(vec![r.clone()]), dir.path()).unwrap();
    let palette = report::palette::Palette::new(r.pools.iter().map(|p| p.name.as_str()));
    let colours: Vec<String> = r
        .pools
        .iter()
        .map(|p| {
            let plotters::style::RGBColor(r, g, b) = palette.color(&p.name);
            format!("#{r:02X}{g:02X}{b:02X}")
        })
        .collect();
    assert_ne!(colours[0], colours[1]);
    for chart in &files.charts {
        let svg = std::fs::read_to_string(&chart.svg).unwrap().to_uppercase();
        for c in &colours {
            assert!(svg.contains(c), "{} does not use {c}", chart.svg.display());
        }
    }
}

#[test]
fn redraw_from_saved_results_matches_the_original_pages() {
    let r = report_support::two_pool_results();
    let first = tempfile::tempdir().unwrap();
    let files = report::write_report(&ReportInput::Runs(vec![r]), first.path()).unwrap();
    let again = tempfile::tempdir().unwrap();
    let redrawn =
        report::redraw(&first.path().join("data/results.json"), Some(again.path())).unwrap();
    assert_eq!(
        std::fs::read_to_string(&files.markdown).unwrap(),
        std::fs::read_to_string(&redrawn.markdown).unwrap()
    );
    assert_eq!(files.charts.len(), redrawn.charts.len());
}

#[test]
fn redraw_refuses_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let err = report::redraw(dir.path(), None).unwrap_err();
    assert!(err.to_string().contains("no results found"), "{err}");
    let bad = dir.path().join("results.json");
    std::fs::write(&bad, "{\"schema_version\": 999}").unwrap();
    let err = report::redraw(&bad, None).unwrap_err();
    assert!(err.to_string().contains("schema version 999"), "{err}");
    std::fs::write(&bad, "not json").unwrap();
    assert!(matches!(
        report::redraw(&bad, None),
        Err(report::ReportError::Parse { .. })
    ));
}

#[test]
fn several_runs_get_a_section_each_and_keep_their_colours() {
    let a = report_support::two_pool_results();
    let mut b = a.clone();
    b.pools.reverse(); // the same pools in the other order must keep their colours
    b.seed = 8;
    let dir = tempfile::tempdir().unwrap();
    let files = report::write_report(&ReportInput::Runs(vec![a, b]), dir.path()).unwrap();
    assert_eq!(files.charts.len(), 10);
    assert!(
        files.charts[0]
            .svg
            .ends_with("charts/run1-summary-bars.svg")
    );
    assert!(
        files.charts[5]
            .svg
            .ends_with("charts/run2-summary-bars.svg")
    );
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    assert!(md.contains("## Run 1: two-pools") && md.contains("## Run 2: two-pools"));
    for name in ["results-1.json", "results-2.json", "pools.csv"] {
        assert!(dir.path().join("data").join(name).exists(), "{name}");
    }
    // `patient` keeps the first colour in both runs, though run 2 lists it second.
    for chart in [&files.charts[0], &files.charts[5]] {
        let svg = std::fs::read_to_string(&chart.svg).unwrap();
        assert_eq!(legend_colour(&svg, "patient").as_deref(), Some("#0072B2"));
        assert_eq!(
            legend_colour(&svg, "give-up-fast").as_deref(),
            Some("#D55E00")
        );
    }
    // The report's data folder redraws the same report.
    let redrawn =
        report::redraw(&dir.path().join("data"), Some(&dir.path().join("again"))).unwrap();
    assert_eq!(
        std::fs::read_to_string(&files.markdown).unwrap(),
        std::fs::read_to_string(&redrawn.markdown).unwrap()
    );
}

/// The fill of the legend swatch (a 14-pixel square) drawn just before `label`'s text.
fn legend_colour(svg: &str, label: &str) -> Option<String> {
    let lines: Vec<&str> = svg.lines().collect();
    (2..lines.len()).find_map(|i| {
        let swatch = lines[i - 2];
        (lines[i] == label && swatch.starts_with("<rect") && swatch.contains("width=\"14\""))
            .then(|| {
                let at = swatch.find("fill=\"")? + 6;
                Some(swatch[at..at + 7].to_owned())
            })
            .flatten()
    })
}

#[test]
fn a_simulated_run_shows_its_store_queue_over_time() {
    let text = r#"
name = "sim-queue"
seed = 5
[run]
actors = 2
duration = "20ms"
window = "2ms"
[sim]
capacity = 1
service_time = { kind = "constant", value = "5us" }
[[pools]]
name = "storm"
writers = 16
policy = "immediate"
"#;
    let scenario = retrylab::workload::scenario::Scenario::from_toml(text, "sim.toml").unwrap();
    let r = retrylab::engine::run(
        &scenario,
        retrylab::engine::EngineKind::Sim,
        &retrylab::engine::RunOptions::default(),
    )
    .unwrap();
    let sim = r.sim.as_ref().expect("the simulator reports its store");
    assert!(sim.max_queue_length > 0);
    let dir = tempfile::tempdir().unwrap();
    let files = report::write_report(&ReportInput::Runs(vec![r]), dir.path()).unwrap();
    let series = files
        .charts
        .iter()
        .find(|c| c.svg.ends_with("time-series.svg"))
        .unwrap();
    let svg = std::fs::read_to_string(&series.svg).unwrap();
    assert!(svg.contains("store queue (calls)"), "no queue panel");
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    assert!(md.contains("simulated store") && md.contains("longest queue"));
}
