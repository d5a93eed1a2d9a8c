//! Sweep reports: lines against one parameter, heatmaps for two, the measured "when to use"
//! table, and a redraw from the sweep folder alone.

mod report_support;

use retrylab::report::{self, ReportInput};
use retrylab::sweep::{self, SweepOptions, SweepSpec};

fn run(vary: &[&str], out: &std::path::Path) -> sweep::SweepData {
    let spec =
        SweepSpec::parse(&vary.iter().map(|s| s.to_string()).collect::<Vec<_>>(), 2).unwrap();
    sweep::run_sweep(
        report_support::TWO_POOLS,
        "two-pools.toml",
        &spec,
        &SweepOptions {
            out: out.to_owned(),
            parallel: true,
            progress: false,
            engine: "test-driver".into(),
            alone: false,
            quick: false,
            force: false,
            stop: None,
            fresh: false,
        },
        &|s| Ok(report_support::drive(s)),
    )
    .unwrap()
    .data
}

fn stems(files: &report::ReportFiles) -> Vec<String> {
    files
        .charts
        .iter()
        .map(|c| c.png.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn one_parameter_gives_lines_and_the_when_to_use_table() {
    let dir = tempfile::tempdir().unwrap();
    let data = run(&["writers=2,4,8"], &dir.path().join("sweep"));
    let files =
        report::write_report(&ReportInput::Sweep(data), &dir.path().join("report")).unwrap();
    assert_eq!(
        stems(&files),
        [
            "sweep-goodput",
            "sweep-p99",
            "sweep-conflict-rate",
            "sweep-attempts-per-commit"
        ]
    );
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    let html = std::fs::read_to_string(&files.html).unwrap();
    for page in [&md, &html] {
        assert!(page.contains("When to use each policy, measured"));
        for point in ["writers=2", "writers=4", "writers=8"] {
            assert!(page.contains(point), "missing {point}");
        }
        // Under contention, retrying until commit out-commits giving up after two attempts.
        assert!(page.contains("goodput: patient wins"), "tally missing");
    }
    assert_eq!(html.matches("<img class=\"chart\"").count(), 4);
    let csv = std::fs::read_to_string(dir.path().join("report/data/sweep.csv")).unwrap();
    // Header + 3 points x 2 repeats x 2 pools.
    assert_eq!(csv.lines().count(), 1 + 3 * 2 * 2);

    // The sweep folder alone redraws the same report.
    let redrawn =
        report::redraw(&dir.path().join("sweep"), Some(&dir.path().join("again"))).unwrap();
    assert_eq!(
        md,
        std::fs::read_to_string(&redrawn.markdown).unwrap(),
        "redraw differs"
    );
}

#[test]
fn two_parameters_give_a_heatmap_per_pool_and_figure() {
    let dir = tempfile::tempdir().unwrap();
    let data = run(&["writers=2,4", "actors=1,8"], &dir.path().join("sweep"));
    assert_eq!(data.points.len(), 4);
    let files =
        report::write_report(&ReportInput::Sweep(data), &dir.path().join("report")).unwrap();
    assert_eq!(
        stems(&files),
        [
            "heatmap-goodput-patient",
            "heatmap-p99-patient",
            "heatmap-goodput-give-up-fast",
            "heatmap-p99-give-up-fast"
        ]
    );
    let svg = std::fs::read_to_string(&files.charts[0].svg).unwrap();
    assert!(
        svg.contains("best (outlined)"),
        "the best cell is not marked"
    );
}

#[test]
fn best_points_name_each_pools_best_regime() {
    let dir = tempfile::tempdir().unwrap();
    let data = run(&["writers=2,8"], &dir.path().join("sweep"));
    let table = report::sweep_tables::best_points(&data);
    assert_eq!(table.rows.len(), 2);
    // With four actors, eight patient writers commit more per second than two (the driver's
    // store calls take a fixed virtual microsecond, so more writers keep it busier).
    let patient = &table.rows[0];
    assert_eq!(patient[0], "patient");
    assert!(patient[1].starts_with("writers=8"), "{patient:?}");
    // Conflicts are fewest with fewer writers.
    assert!(patient[3].starts_with("writers=2"), "{patient:?}");
}

/// A sweep of population runs (every pool a fixed operation count), such as AWS's backoff
/// study, also charts the total calls and the completion time against the swept value.
#[test]
fn a_population_sweep_also_charts_total_calls_and_completion_time() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SweepSpec::parse(&["writers=2,8".to_owned()], 1).unwrap();
    let base = std::fs::read_to_string("scenarios/aws-backoff-and-jitter.toml").unwrap();
    let data = sweep::run_sweep(
        &base,
        "aws-backoff-and-jitter.toml",
        &spec,
        &SweepOptions {
            out: dir.path().join("sweep"),
            parallel: false,
            progress: false,
            engine: "sim".into(),
            alone: true,
            quick: false,
            force: false,
            stop: None,
            fresh: false,
        },
        &|s| {
            retrylab::engine::run(
                s,
                retrylab::engine::EngineKind::Sim,
                &retrylab::engine::RunOptions::default(),
            )
        },
    )
    .unwrap()
    .data;
    let files =
        report::write_report(&ReportInput::Sweep(data), &dir.path().join("report")).unwrap();
    let stems = stems(&files);
    assert_eq!(
        stems[4..],
        [
            "sweep-total-calls".to_owned(),
            "sweep-completion".to_owned()
        ],
        "{stems:?}"
    );
}
