//! Sweep parameters: paths and aliases edit the scenario's TOML, and bad names or values fail
//! with messages that say what to write.

use retrylab::sweep::param::ParamPath;
use retrylab::sweep::spec::{MAX_REPEAT, MAX_RUNS};
use retrylab::sweep::{SweepError, SweepSpec};

const BASE: &str = r#"
name = "base"
seed = 11
[run]
actors = 100
duration = "10ms"
[[pools]]
name = "alpha"
writers = 2
policy = "immediate"
[[pools]]
name = "beta"
writers = 3
policy = { name = "beta", max_attempts = 4 }
"#;

fn spec(vary: &[&str]) -> SweepSpec {
    SweepSpec::parse(&vary.iter().map(|s| s.to_string()).collect::<Vec<_>>(), 1).unwrap()
}

#[test]
fn alias_sets_every_pool_and_points_are_validated_scenarios() {
    let points = spec(&["writers=1,8"]).scenarios(BASE, "base.toml").unwrap();
    assert_eq!(points.len(), 2);
    let (coords, label, s) = &points[1];
    assert_eq!((coords.as_slice(), label.as_str()), (&[1][..], "writers=8"));
    assert!(s.pools.iter().all(|p| p.writers == 8));
    assert_eq!(s.seed, 11, "repeat 0 keeps the scenario's seed");
}

#[test]
fn full_paths_pick_pools_by_name_or_position() {
    let points = spec(&["pools.beta.writers=5", "run.actors=7,9"])
        .scenarios(BASE, "base.toml")
        .unwrap();
    assert_eq!(points.len(), 2);
    let s = &points[1].2;
    assert_eq!(
        (s.pools[0].writers, s.pools[1].writers, s.run.actors),
        (2, 5, 9)
    );
    assert_eq!(points[1].1, "pools.beta.writers=5,run.actors=9");
    let s = &spec(&["pools.0.writers=6"]).scenarios(BASE, "b").unwrap()[0].2;
    assert_eq!((s.pools[0].writers, s.pools[1].writers), (6, 3));
}

#[test]
fn a_policy_preset_is_expanded_before_its_field_is_set() {
    let points = spec(&["max_attempts=7"])
        .scenarios(BASE, "base.toml")
        .unwrap();
    let s = &points[0].2;
    for pool in &s.pools {
        assert_eq!(
            pool.policy.spec().max_attempts,
            Some(7),
            "pool {} kept its old limit",
            pool.name
        );
    }
}

#[test]
fn unknown_parameters_list_the_aliases_and_the_path_syntax() {
    let err = ParamPath::resolve("writerz").unwrap_err().to_string();
    for needle in [
        "writerz",
        "writers",
        "base_delay",
        "skew",
        "pools.*.",
        "run.actors",
    ] {
        assert!(err.contains(needle), "{err}");
    }
    let err = SweepSpec::parse(&["pools.gamma.writers=1".into()], 1)
        .unwrap()
        .scenarios(BASE, "base.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("matches nothing"), "{err}");
    let err = SweepSpec::parse(&["run.actors.x=1".into()], 1)
        .unwrap()
        .scenarios(BASE, "base.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a table"), "{err}");
}

#[test]
fn a_bad_value_fails_with_the_point_and_the_field_before_anything_runs() {
    let err = spec(&["writers=2,0"])
        .scenarios(BASE, "base.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("base.toml [writers=0]")
            && err.contains("writers")
            && err.contains("0 is too small"),
        "{err}"
    );
}

#[test]
fn argument_shape_is_checked() {
    let parse =
        |v: &[&str], r| SweepSpec::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>(), r);
    assert!(
        parse(&["writers"], 1)
            .unwrap_err()
            .to_string()
            .contains("NAME=VALUES")
    );
    assert!(parse(&[], 1).is_err());
    assert!(parse(&["writers=1", "actors=1", "skew=1"], 1).is_err());
    assert!(
        parse(&["writers=1", "pools.*.writers=2"], 1)
            .unwrap_err()
            .to_string()
            .contains("twice")
    );
    assert!(parse(&["writers=1"], 0).is_err());
    assert!(
        parse(&["writers=5..1 step 1"], 1)
            .unwrap_err()
            .to_string()
            .contains("below the start")
    );
}

const MIXED: &str = r#"
name = "mixed"
[run]
actors = 10
duration = "10ms"
[[pools]]
name = "baseline"
writers = 2
policy = "immediate"
[[pools]]
name = "jittered"
writers = 2
policy = "exponential-full-jitter"
"#;

#[test]
fn every_pool_means_every_pool_whose_policy_takes_the_field() {
    let points = spec(&["base_delay=20us,40us"])
        .scenarios(MIXED, "mixed.toml")
        .unwrap();
    let s = &points[0].2;
    let jittered = s.pools[1].policy.spec().to_toml_string();
    assert!(jittered.contains("base = \"20us\""), "{jittered}");
    assert!(
        jittered.contains("kind = \"full\""),
        "the preset's jitter survives: {jittered}"
    );
    let baseline = s.pools[0].policy.spec();
    assert_eq!(
        baseline,
        &retrylab::policy::spec::PolicySpec::preset("immediate").unwrap()
    );
    let second = points[1].2.pools[1].policy.spec().to_toml_string();
    assert!(second.contains("base = \"40us\""), "{second}");
}

#[test]
fn a_value_no_policy_takes_says_why_for_each_pool() {
    let only_immediate = MIXED.replace("exponential-full-jitter", "immediate");
    let err = spec(&["base_delay=20us"])
        .scenarios(&only_immediate, "m.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("fits no pool's policy") && err.contains("baseline"),
        "{err}"
    );
    // A cap below the base is refused by the policy's own validation.
    let err = spec(&["cap=1us"])
        .scenarios(MIXED, "m.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("jittered"), "{err}");
}

#[test]
fn a_value_equal_to_the_presets_own_is_still_set() {
    // exponential-full-jitter's base is 10us already.
    let points = spec(&["base_delay=10us,20us"])
        .scenarios(MIXED, "mixed.toml")
        .unwrap();
    assert_eq!(points.len(), 2);
}

#[test]
fn the_default_folder_is_stable_so_a_rerun_resumes() {
    let axes = spec(&["writers=1,2", "pools.*.policy.backoff.base=1us"]).axes();
    let dir =
        retrylab::sweep::manifest::default_dir(std::path::Path::new("reports"), "hot actor", &axes);
    assert_eq!(
        dir,
        std::path::Path::new("reports/sweep-hot_actor-writers-pools._.policy.backoff.base")
    );
}

#[test]
fn a_long_scenario_name_makes_a_default_folder_the_disk_takes() {
    let axes = spec(&["writers=1,2"]).axes();
    let dir = retrylab::sweep::manifest::default_dir(
        std::path::Path::new("reports"),
        &"s".repeat(400),
        &axes,
    );
    assert!(dir.file_name().unwrap().len() <= 150, "{}", dir.display());
}

fn parse_err(vary: &[&str], repeat: u32) -> SweepError {
    SweepSpec::parse(
        &vary.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        repeat,
    )
    .unwrap_err()
}

#[test]
fn a_value_given_twice_is_refused_so_two_points_never_share_a_folder() {
    for (vary, says) in [
        ("writers=1,1", "`1` is given more than once"),
        ("writers=2,02", "`2` is given more than once"),
        ("base_delay=1us,1000ns", "`1us` is given more than once"),
        ("policy=immediate,Immediate", "same folder name"),
        ("policy=a b,a_b", "same folder name"),
    ] {
        let err = parse_err(&[vary], 1);
        assert!(
            matches!(err, SweepError::RepeatedValue { .. }),
            "{vary}: {err}"
        );
        assert!(err.to_string().contains(says), "{vary}: {err}");
        assert!(err.to_string().contains("--repeat"), "says how: {err}");
    }
    // A geometric range whose rounded values repeat is merged, not refused.
    let values = spec(&["writers=1..4 x1.2"]).axes()[0].values.clone();
    assert_eq!(values, ["1", "2", "3", "4"]);
}

#[test]
fn a_fractional_step_over_whole_number_ends_is_an_error() {
    let err = parse_err(&["writers=1..8 step 1.5"], 1).to_string();
    assert!(
        err.contains("the step 1.5 is not") && err.contains("step 2"),
        "{err}"
    );
    // Fractional ends keep a fractional step.
    let values = spec(&["skew=0.0..1.0 step 0.5"]).axes()[0].values.clone();
    assert_eq!(values, ["0", "0.5", "1"]);
}

#[test]
fn repeats_and_runs_are_bounded_before_anything_is_allocated() {
    assert!(SweepSpec::parse(&["writers=1".into()], MAX_REPEAT).is_ok());
    let err = parse_err(&["writers=1"], 1_000_000_000);
    assert!(matches!(err, SweepError::RepeatTooMany(_)), "{err}");
    assert!(err.to_string().contains("1 to 1000"), "{err}");
    let err = parse_err(&["writers=1..1000 step 1", "actors=1..200 step 1"], 1);
    assert!(matches!(err, SweepError::TooManyRuns { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("200000 runs") && msg.contains(&MAX_RUNS.to_string()),
        "{msg}"
    );
    assert!(
        parse_err(&["writers=1..1000 step 1"], 101)
            .to_string()
            .contains("101000 runs")
    );
}
