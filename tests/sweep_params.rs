//! Sweep parameters: paths and aliases edit the scenario's TOML, and bad names or values fail
//! with messages that say what to write.

use retrylab::sweep::SweepSpec;
use retrylab::sweep::param::ParamPath;

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
