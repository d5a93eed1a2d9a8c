//! A sweep on the real threaded engine, end to end: `engine::run` is the runner, every point
//! gets a results file, and the report draws from them.

use retrylab::engine::{self, EngineKind, RunOptions};
use retrylab::report::{self, ReportInput};
use retrylab::sweep::{self, SweepOptions, SweepSpec};

const SCENARIO: &str = r#"
name = "engine-sweep"
seed = 3
[run]
actors = 4
duration = "60ms"
warmup = "10ms"
window = "10ms"
[[pools]]
name = "retrying"
writers = 1
policy = "immediate"
"#;

#[test]
fn threaded_engine_points_are_saved_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SweepSpec::parse(&["writers=1,2".into()], 1).unwrap();
    let outcome = sweep::run_sweep(
        SCENARIO,
        "engine-sweep.toml",
        &spec,
        &SweepOptions {
            out: dir.path().join("sweep"),
            parallel: false,
            progress: false,
            engine: EngineKind::Threads.name().into(),
            alone: false,
            quick: false,
            force: false,
            stop: None,
            fresh: false,
        },
        &|s| engine::run(s, EngineKind::Threads, &RunOptions::default()),
    )
    .unwrap();
    assert_eq!(outcome.ran, 2);
    for (point, writers) in outcome.data.points.iter().zip([1, 2]) {
        let r = &point.reps[0];
        assert_eq!(r.engine, "threads");
        assert_eq!(r.pools[0].writers, writers, "{}", point.label);
        assert!(r.pools[0].counters.committed > 0);
        assert!(r.integrity.ok, "{:?}", r.integrity.problems);
    }
    let files = report::write_report(
        &ReportInput::Sweep(outcome.data),
        &dir.path().join("report"),
    )
    .unwrap();
    assert_eq!(files.charts.len(), 4, "one chart per metric");
}
