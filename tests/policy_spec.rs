//! Policy specs: every preset parses and builds, specs round-trip through TOML, and a corpus of
//! bad specs is refused with an error that names the field and what is allowed.

use retrylab::policy::{PolicySpec, PolicySpecError, policy_kinds, preset_list};

#[test]
fn every_preset_parses_builds_and_carries_its_name() {
    assert!(PolicySpec::presets().len() >= 20);
    for preset in PolicySpec::presets() {
        let spec =
            PolicySpec::preset(preset.name).unwrap_or_else(|e| panic!("{}: {e}", preset.name));
        let policy = spec
            .build()
            .unwrap_or_else(|e| panic!("{}: {e}", preset.name));
        assert_eq!(policy.label(), preset.name);
    }
    for required in [
        "no-retry",
        "immediate",
        "constant",
        "linear",
        "exponential",
        "exponential-us",
        "exponential-full-jitter",
        "exponential-equal-jitter",
        "decorrelated-jitter",
        "reload-and-merge",
        "circuit-breaker",
        "monitored",
        "resilience4j-default",
        "polly-default",
        "aws-standard",
        "grpc-throttled",
        "finagle-budget",
        "silo",
        "karma",
        "greedy",
    ] {
        assert!(
            preset_list().iter().any(|(n, _)| *n == required),
            "missing preset {required}"
        );
    }
}

#[test]
fn unknown_preset_lists_the_known_ones() {
    let err = PolicySpec::preset("exponentail").unwrap_err();
    assert!(matches!(err, PolicySpecError::UnknownPreset { .. }));
    assert!(err.to_string().contains("exponential-full-jitter"), "{err}");
}

#[test]
fn specs_round_trip_through_toml() {
    for preset in PolicySpec::presets() {
        let spec = PolicySpec::preset(preset.name).unwrap();
        let text = spec.to_toml_string();
        let again = PolicySpec::from_toml_str(&text)
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", preset.name));
        assert_eq!(again, spec, "{}", preset.name);
    }
}

/// A bare number is refused in a policy spec as in a scenario (was it 250000 ns or µs?); the
/// error names the field and says to write the unit. Only `0` may go without one.
#[test]
fn policy_durations_need_their_unit() {
    let a =
        PolicySpec::from_toml_str("backoff = { kind = \"constant\", delay = \"250us\" }").unwrap();
    let zero = PolicySpec::from_toml_str("backoff = { kind = \"constant\", delay = 0 }").unwrap();
    assert_ne!(a, zero);
    let err = PolicySpec::from_toml_str("backoff = { kind = \"constant\", delay = 250000 }")
        .unwrap_err()
        .to_string();
    assert!(err.contains("delay") && err.contains("\"250000"), "{err}");
}

#[test]
fn the_catalogue_covers_every_backoff_kind() {
    for kind in [
        "none",
        "immediate",
        "constant",
        "linear",
        "exponential",
        "decorrelated",
        "polly_decorrelated_v2",
        "karma",
        "polka",
        "greedy",
        "silo",
    ] {
        assert!(
            policy_kinds()
                .iter()
                .any(|k| k.section == "backoff" && k.name == kind),
            "{kind}"
        );
    }
    for budget in ["aws_token_bucket", "grpc_throttle", "finagle", "aimd"] {
        assert!(
            policy_kinds()
                .iter()
                .any(|k| k.section == "budget" && k.name == budget),
            "{budget}"
        );
    }
}

/// (bad TOML, words the error must contain: the field and the allowed range or values).
const BAD_SPECS: &[(&str, &[&str])] = &[
    (
        "backoff = { kind = \"exponential\", base = \"10ms\", multiplier = 0.5 }",
        &["backoff.multiplier", "0.5", "[1, 1e6]"],
    ),
    (
        "backoff = { kind = \"exponential\", base = \"0ms\" }",
        &["backoff.base", "> 0"],
    ),
    (
        "backoff = { kind = \"exponential\", base = \"10ms\", cap = \"1ms\" }",
        &["backoff.cap", "1ms", "10ms"],
    ),
    (
        "backoff = { kind = \"decorrelated\", base = \"10ms\", cap = \"5ms\" }",
        &["backoff.cap", "backoff.base"],
    ),
    (
        "backoff = { kind = \"silo\", min = \"1ms\", max = \"1us\" }",
        &["backoff.max", "backoff.min"],
    ),
    (
        "backoff = { kind = \"linear\", base = 0 }",
        &["backoff.base", "> 0"],
    ),
    (
        "backoff = { kind = \"exponentail\", base = \"10ms\" }",
        &["exponentail", "exponential", "decorrelated", "silo"],
    ),
    (
        "backoff = { kind = \"exponential\", base = \"10 parsecs\" }",
        &["`base`", "parsecs", "ms"],
    ),
    (
        "backoff = { kind = \"exponential\", base = \"-5ms\" }",
        &["`base`", "negative"],
    ),
    (
        "backoff = { kind = \"exponential\", base = -5 }",
        &["`base`", "negative"],
    ),
    (
        "backoff = { kind = \"exponential\", base = 1.5 }",
        &["`base`", "unit"],
    ),
    (
        "backoff = { kind = \"exponential\", base = \"10ms\", factor = 2 }",
        &["factor", "multiplier"],
    ),
    (
        "max_attempts = 3\nmax_retries = 2",
        &["max_attempts", "max_retries"],
    ),
    ("max_attempts = 0", &["max_attempts", "at least 1"]),
    ("max_retries = -1", &["max_retries"]),
    ("deadline = \"0s\"", &["deadline", "> 0"]),
    ("deadline = \"5 fortnights\"", &["deadline", "fortnights"]),
    (
        "budget = { kind = \"finagle\", ttl = \"ten seconds\" }",
        &["`ttl`", "ten seconds"],
    ),
    (
        "breaker = { window = { kind = \"time\", length = \"1 hour\" } }",
        &["`length`", "hour"],
    ),
    (
        "jitter = { kind = \"proportional\", factor = 1.5 }",
        &["jitter.factor", "[0, 1]"],
    ),
    (
        "jitter = { kind = \"gaussian\" }",
        &["gaussian", "full", "equal", "proportional"],
    ),
    (
        "refresh = \"sometimes\"",
        &["sometimes", "reread", "from_conflict", "rebuild", "blind"],
    ),
    ("retries = 3", &["retries", "max_retries"]),
    (
        "breaker = { failure_rate_threshold = 1.5 }",
        &["breaker.failure_rate_threshold", "(0, 1]"],
    ),
    (
        "breaker = { failure_rate_threshold = 0.0 }",
        &["breaker.failure_rate_threshold", "(0, 1]"],
    ),
    (
        "breaker = { minimum_calls = 0 }",
        &["breaker.minimum_calls", "at least 1"],
    ),
    (
        "breaker = { open_duration = \"0ms\" }",
        &["breaker.open_duration", "> 0"],
    ),
    (
        "breaker = { open_multiplier = 0.5 }",
        &["breaker.open_multiplier", "[1, 1e6]"],
    ),
    (
        "breaker = { open_duration = \"10ms\", open_cap = \"1ms\" }",
        &["breaker.open_cap", "breaker.open_duration"],
    ),
    (
        "breaker = { half_open_probes = 0 }",
        &["breaker.half_open_probes", "1..=2047"],
    ),
    (
        "breaker = { window = { kind = \"count\", size = 0 } }",
        &["breaker.window.size"],
    ),
    (
        "breaker = { window = { kind = \"time\", buckets = 0 } }",
        &["breaker.window.buckets"],
    ),
    (
        "breaker = { window = { kind = \"sliding\" } }",
        &["sliding", "count", "time", "consecutive"],
    ),
    (
        "breaker = { failure_on = \"timeout\" }",
        &["timeout", "conflict", "give_up"],
    ),
    (
        "budget = { kind = \"grpc_throttle\", max_tokens = 5000.0 }",
        &["budget.max_tokens", "(0, 1000]"],
    ),
    (
        "budget = { kind = \"grpc_throttle\", token_ratio = 0.0 }",
        &["budget.token_ratio"],
    ),
    (
        "budget = { kind = \"aws_token_bucket\", capacity = 0 }",
        &["budget.capacity", "at least 1"],
    ),
    (
        "budget = { kind = \"finagle\", percent_can_retry = -0.1 }",
        &["budget.percent_can_retry"],
    ),
    (
        "budget = { kind = \"aimd\", decrease = 1.5 }",
        &["budget.decrease", "(0, 1)"],
    ),
    (
        "budget = { kind = \"aimd\", min_rate = 100.0, max_rate = 10.0 }",
        &["budget.max_rate", "min_rate"],
    ),
    (
        "budget = { kind = \"leaky\" }",
        &[
            "leaky",
            "aws_token_bucket",
            "grpc_throttle",
            "finagle",
            "aimd",
        ],
    ),
    ("monitor = { top_k = 0 }", &["monitor.top_k", "1..=1024"]),
    (
        "monitor = { stale_threshold = -1 }",
        &["monitor.stale_threshold"],
    ),
];

#[test]
fn bad_specs_name_the_field_and_the_valid_range() {
    for (toml, must_contain) in BAD_SPECS {
        let result = PolicySpec::from_toml_str(toml).and_then(|s| s.build().map(|_| ()));
        let err = match result {
            Ok(()) => panic!("accepted a bad spec:\n{toml}"),
            Err(e) => e.to_string(),
        };
        for word in *must_contain {
            assert!(
                err.contains(word),
                "error for\n{toml}\nis\n{err}\nwhich lacks `{word}`"
            );
        }
    }
}

/// A pool's policy can only be made checked: no public constructor yields one that fails to
/// build later (the engines build it for every run).
#[test]
fn a_policy_choice_is_checked_when_it_is_made() {
    use retrylab::policy::spec::PolicySpec;
    use retrylab::workload::scenario::PolicyChoice;

    assert!(PolicyChoice::preset("no-such-preset").is_err());
    let both: PolicySpec = toml::from_str("max_attempts = 3\nmax_retries = 2").unwrap();
    assert!(PolicyChoice::from_spec(both).is_err());
    let good = PolicyChoice::preset("monitored").unwrap();
    assert_eq!(good.preset_name(), Some("monitored"));
    assert!(good.build_parts().monitor.is_some());
}
