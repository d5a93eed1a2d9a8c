//! Issue 10: validation validates, memory is bounded, silent nonsense is refused. Every limit
//! of `workload::scenario::limits` is checked at its boundary (the limit passes, one past it is
//! refused with a message naming the field and the fix); what the run would refuse (key
//! samplers, the threaded engine's thread count) is refused by validation first; scenario
//! files are read with a size cap; and no input panics.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use retrylab::engine::EngineKind;
use retrylab::workload::keys::{KeyDistribution, KeySampler};
use retrylab::workload::scenario::{Scenario, ScenarioError, limits};

/// A valid scenario with `run` lines and `pool` lines added to its one pool.
fn scenario(run: &str, pool: &str) -> String {
    format!(
        "name = \"limits\"\n[run]\nactors = 10\n{run}\n[[pools]]\nname = \"p\"\nwriters = 2\n\
         policy = \"immediate\"\n{pool}\n"
    )
}

fn parse(text: &str) -> Result<Scenario, String> {
    Scenario::from_toml(text, "limits.toml").map_err(|e| e.to_string())
}

/// Asserts `text` is refused with every fragment in the message (and file and line).
#[track_caller]
fn refused(text: &str, fragments: &[&str]) {
    let msg = match parse(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(msg) => msg,
    };
    assert!(
        msg.contains("limits.toml") && msg.contains("line "),
        "{msg}"
    );
    for f in fragments {
        assert!(msg.contains(f), "missing `{f}` in: {msg}");
    }
}

/// [`scenario`] with a `[store]` table.
fn with_store(store: &str, run: &str, pool: &str) -> String {
    scenario(run, pool).replace("[run]", &format!("[store]\n{store}\n[run]"))
}

#[track_caller]
fn accepted(text: &str) -> Scenario {
    parse(text).unwrap_or_else(|e| panic!("{e}"))
}

const ONE_SECOND: &str = "duration = \"1s\"";

#[test]
fn zipf_and_latest_parameters_are_checked_while_parsing() {
    for bad in ["nan", "inf", "-inf", "-1.0", "10.5"] {
        for kind in ["zipf", "latest"] {
            let keys = format!("keys = {{ kind = \"{kind}\", exponent = {bad} }}");
            refused(&scenario(ONE_SECOND, &keys), &["exponent", "0 to 10"]);
        }
    }
    for hot in ["0.0", "-0.5", "1.5", "nan"] {
        let keys =
            format!("keys = {{ kind = \"hotspot\", hot_fraction = {hot}, op_fraction = 0.5 }}");
        refused(
            &scenario(ONE_SECOND, &keys),
            &["hot_fraction", "more than 0, at most 1"],
        );
    }
    let keys = "keys = { kind = \"hotspot\", hot_fraction = 0.5, op_fraction = 1.5 }";
    refused(&scenario(ONE_SECOND, keys), &["op_fraction"]);
    accepted(&scenario(
        ONE_SECOND,
        "keys = { kind = \"zipf\", exponent = 0.0 }",
    ));
    accepted(&scenario(
        ONE_SECOND,
        "keys = { kind = \"latest\", exponent = 10.0 }",
    ));
}

/// Validation accepts a pool's keys exactly when the run's `KeySampler::new` would build them.
#[test]
fn validation_accepts_exactly_the_keys_a_run_can_sample() {
    let tab = limits::MAX_TABULATED_ACTORS;
    let distributions = [
        "{ kind = \"uniform\" }",
        "{ kind = \"hot-actor\" }",
        "{ kind = \"hotspot\", hot_fraction = 0.1, op_fraction = 0.9 }",
        "{ kind = \"zipf\", exponent = 0.99, scrambled = true }",
        "{ kind = \"latest\", exponent = 1.5 }",
    ];
    for keys in distributions {
        for actors in [1, 7, 1000, tab + 1] {
            let text = scenario(ONE_SECOND, &format!("keys = {keys}"))
                .replace("actors = 10", &format!("actors = {actors}"));
            let parsed = parse(&text);
            let dist = toml::from_str::<Keys>(&format!("keys = {keys}"))
                .unwrap()
                .keys;
            // `KeySampler::new` validates before it tabulates, so the refused case is cheap.
            let sampler = if actors > tab {
                KeySampler::new(dist, actors).map(|_| ())
            } else {
                dist.validate(actors)
            };
            assert_eq!(
                parsed.is_ok(),
                sampler.is_ok(),
                "{keys} over {actors}: {parsed:?} vs {sampler:?}"
            );
            if let Err(msg) = parsed {
                assert!(
                    msg.contains("pool `p`") && msg.contains("pools[0].keys"),
                    "{msg}"
                );
                assert!(msg.contains("line 9"), "points at the keys: {msg}");
            }
        }
        // At the limit every distribution is accepted (validation builds no table).
        let text = scenario(ONE_SECOND, &format!("keys = {keys}"))
            .replace("actors = 10", &format!("actors = {tab}"));
        accepted(&text);
    }
}

#[derive(serde::Deserialize)]
struct Keys {
    keys: KeyDistribution,
}

#[test]
fn actors_have_a_ceiling() {
    let over = limits::MAX_ACTORS + 1;
    refused(
        &scenario(ONE_SECOND, "").replace("actors = 10", &format!("actors = {over}")),
        &["actors", &limits::MAX_ACTORS.to_string()],
    );
    accepted(
        &scenario(ONE_SECOND, "")
            .replace("actors = 10", &format!("actors = {}", limits::MAX_ACTORS)),
    );
}

#[test]
fn durations_need_their_unit_in_every_scenario_field() {
    let cases = [
        ("duration = 5", ""),
        ("duration = \"5\"", ""),
        ("duration = \"1s\"\nwarmup = 100", ""),
        ("duration = \"1s\"\nwindow = 100", ""),
        (ONE_SECOND, "start_spread = 100"),
        (ONE_SECOND, "rejection_pause = 100"),
        (ONE_SECOND, "think = { kind = \"constant\", value = 100 }"),
        (
            ONE_SECOND,
            "think = { kind = \"uniform\", low = \"1us\", high = 100 }",
        ),
        (ONE_SECOND, "think = { kind = \"exponential\", mean = 2.5 }"),
        (
            ONE_SECOND,
            "think = { kind = \"lognormal\", median = 100, sigma = 0.5 }",
        ),
    ];
    for (run, pool) in cases {
        refused(&scenario(run, pool), &["bare number", "with its unit"]);
    }
    let store = "latency = { kind = \"constant\", value = 20 }";
    refused(
        &with_store(store, ONE_SECOND, ""),
        &["bare number", "\"20us\""],
    );
    let sim = "[sim]\ntimeout = 5000\n";
    refused(
        &format!("{}{sim}", scenario(ONE_SECOND, "")),
        &["bare number", "\"5000us\""],
    );
    // 0 needs no unit.
    let s = accepted(&scenario(
        "duration = \"1s\"\nwarmup = 0",
        "start_spread = 0",
    ));
    assert_eq!((s.run.warmup.0, s.pools[0].start_spread.0), (0, 0));
    // A serialised scenario (durations as strings with units) reads back.
    let again = accepted(&toml::to_string(&s).unwrap());
    assert_eq!(again.run.duration, s.run.duration);
}

#[test]
fn zero_operations_zero_duration_and_blank_names_are_refused() {
    refused(
        &scenario(ONE_SECOND, "operations = 0"),
        &["operations = 0", "1 or more"],
    );
    refused(&scenario("duration = \"0s\"", ""), &["zero duration"]);
    for blank in ["", " ", "\\t"] {
        let text = scenario(ONE_SECOND, "").replace("name = \"p\"", &format!("name = \"{blank}\""));
        refused(&text, &["`name` is blank"]);
        let text =
            scenario(ONE_SECOND, "").replace("name = \"limits\"", &format!("name = \"{blank}\""));
        refused(&text, &["scenario's `name` is blank"]);
    }
    let text = scenario(ONE_SECOND, "").replace("name = \"p\"", "name = \"two\\nlines\"");
    refused(&text, &["control character"]);
}

#[test]
fn names_have_a_length_limit() {
    let at = "n".repeat(limits::MAX_NAME_CHARS);
    let over = "n".repeat(limits::MAX_NAME_CHARS + 1);
    accepted(&scenario(ONE_SECOND, "").replace("name = \"p\"", &format!("name = \"{at}\"")));
    accepted(&scenario(ONE_SECOND, "").replace("\"limits\"", &format!("\"{at}\"")));
    refused(
        &scenario(ONE_SECOND, "").replace("name = \"p\"", &format!("name = \"{over}\"")),
        &["65 characters", "at most 64"],
    );
    // Characters, not bytes.
    let wide = "é".repeat(limits::MAX_NAME_CHARS);
    accepted(&scenario(ONE_SECOND, "").replace("name = \"p\"", &format!("name = \"{wide}\"")));
}

fn two_pools(a: &str, b: &str) -> String {
    format!(
        "name = \"t\"\n[run]\nactors = 10\nduration = \"1s\"\n\
         [[pools]]\nname = \"{a}\"\nwriters = 1\npolicy = \"immediate\"\n\
         [[pools]]\nname = \"{b}\"\nwriters = 1\npolicy = \"immediate\"\n"
    )
}

#[test]
fn pool_names_must_differ_as_results_file_names() {
    for (a, b, file) in [
        ("a b", "a_b", "a_b.hlog"),
        ("a/b", "a.b", "a_b.hlog"),
        ("Polite", "polite", "polite.hlog"),
        ("x", "X", "X.hlog"),
    ] {
        let msg = parse(&two_pools(a, b)).unwrap_err();
        assert!(
            msg.contains(&format!("`{a}` and `{b}`")) && msg.contains(file),
            "{a} / {b}: {msg}"
        );
        assert!(
            msg.contains("line 10") && msg.contains("rename one"),
            "{msg}"
        );
    }
    accepted(&two_pools("a-b", "a_b"));
    accepted(&two_pools("polite", "aggressive"));
}

#[test]
fn open_loop_rates_are_bounded_by_what_a_clock_can_schedule() {
    let open = |rate: &str| format!("arrival = {{ kind = \"open\", rate = {rate} }}");
    // 2 writers: a gap of 1 ns each is 2e9 operations a second.
    accepted(&scenario(ONE_SECOND, &open("2e9")));
    refused(
        &scenario(ONE_SECOND, &open("2.1e9")),
        &["pools[0].arrival", "rate", "2000000000"],
    );
    // A gap above an hour per writer is not an open loop.
    accepted(&scenario(ONE_SECOND, &open("0.001")));
    refused(&scenario(ONE_SECOND, &open("0.0001")), &["rate", "3600s"]);
    for bad in ["nan", "inf", "-5.0", "0.0"] {
        refused(&scenario(ONE_SECOND, &open(bad)), &["open-loop rate"]);
    }
}

#[test]
fn start_spread_must_fit_in_the_run() {
    let run = "duration = \"1s\"\nwarmup = \"200ms\"";
    accepted(&scenario(run, "start_spread = \"1200ms\""));
    refused(
        &scenario(run, "start_spread = \"1201ms\""),
        &["start_spread", "1200ms", "never start"],
    );
    // Without a duration the run lasts until its operations are done; the general cap holds.
    accepted(&scenario("", "operations = 10\nstart_spread = \"2s\""));
    refused(
        &scenario("", "operations = 10\nstart_spread = \"61m\""),
        &["3600s"],
    );
}

#[test]
fn the_time_series_has_a_bounded_number_of_windows() {
    // 1 s in windows of 10 us is exactly the limit.
    assert_eq!(limits::MAX_WINDOWS, 100_000);
    accepted(&scenario("duration = \"1s\"\nwindow = \"10us\"", ""));
    refused(
        &scenario("duration = \"1s\"\nwindow = \"9us\"", ""),
        &["run.window", "111112 windows", "window = \"10us\" or wider"],
    );
    refused(
        &scenario("duration = \"1s\"\nwindow = \"1ns\"", ""),
        &["1000000000 windows", "\"10us\""],
    );
    // The warm-up counts: its windows are kept too.
    refused(
        &scenario("duration = \"1s\"\nwarmup = \"1s\"\nwindow = \"10us\"", ""),
        &["\"20us\""],
    );
    // A run of unknown length (operations only) needs windows of 1 ms or more.
    accepted(&scenario("window = \"1ms\"", "operations = 5"));
    refused(
        &scenario("window = \"999us\"", "operations = 5"),
        &["\"1ms\" or wider"],
    );
}

#[test]
fn runs_and_other_durations_have_a_ceiling() {
    // 24 h in windows of 1 s: long but bounded.
    accepted(&scenario("duration = \"1440m\"\nwindow = \"1s\"", ""));
    refused(
        &scenario("duration = \"1440m\"\nwarmup = \"1s\"\nwindow = \"1s\"", ""),
        &["warmup + duration", "86400s"],
    );
    refused(
        &scenario("duration = \"1441m\"\nwindow = \"1s\"", ""),
        &["too long", "86400s"],
    );
    for (pool, field) in [
        ("think = { kind = \"constant\", value = \"61m\" }", "value"),
        (
            "think = { kind = \"uniform\", low = \"0s\", high = \"61m\" }",
            "high",
        ),
        (
            "think = { kind = \"normal\", mean = \"1ms\", std_dev = \"61m\" }",
            "std_dev",
        ),
        (
            "think = { kind = \"lognormal\", median = \"61m\", sigma = 0.5 }",
            "median",
        ),
        ("rejection_pause = \"61m\"", "rejection_pause"),
    ] {
        refused(&scenario(ONE_SECOND, pool), &[field, "3600s"]);
    }
    accepted(&scenario(
        ONE_SECOND,
        "think = { kind = \"exponential\", mean = \"60m\" }",
    ));
    refused(
        &scenario(
            ONE_SECOND,
            "think = { kind = \"lognormal\", median = \"1ms\", sigma = 11.0 }",
        ),
        &["sigma", "at most 10"],
    );
    let store = "latency = { kind = \"exponential\", mean = \"2h\" }";
    refused(
        &with_store(store, ONE_SECOND, ""),
        &["latency", "unknown unit `h`"],
    );
    let store = "latency = { kind = \"exponential\", mean = \"120m\" }";
    refused(&with_store(store, ONE_SECOND, ""), &["latency", "3600s"]);
    let sim = "[sim]\ntimeout = \"61m\"\n";
    refused(
        &format!("{}{sim}", scenario(ONE_SECOND, "")),
        &["sim.timeout", "3600s"],
    );
}

#[test]
fn prefill_is_bounded_by_actors_times_events() {
    let with = |actors: u64, events: u64| {
        with_store(&format!("prefill_events = {events}"), ONE_SECOND, "")
            .replace("actors = 10", &format!("actors = {actors}"))
    };
    accepted(&with(10_000, 1_000));
    refused(
        &with(10_001, 1_000),
        &["store.prefill_events", "10000000", "prefill_events = 999"],
    );
    refused(
        &with(1, limits::MAX_PREFILL_EVENTS + 1),
        &["prefill_events"],
    );
    // No overflow on the product.
    refused(
        &with(limits::MAX_ACTORS, limits::MAX_PREFILL_EVENTS),
        &["prefill_events"],
    );
}

fn pools(n: usize, writers: u64) -> String {
    let mut text = format!("name = \"many\"\n[run]\nactors = 10\n{ONE_SECOND}\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[pools]]\nname = \"p{i}\"\nwriters = {writers}\npolicy = \"immediate\"\n"
        ));
    }
    text
}

#[test]
fn pools_and_writers_have_limits() {
    accepted(&pools(limits::MAX_POOLS, 1));
    let msg = parse(&pools(limits::MAX_POOLS + 1, 1)).unwrap_err();
    assert!(
        msg.contains("65 [[pools]]") && msg.contains("at most 64"),
        "{msg}"
    );
    // 1,000,000 writers over all pools, whichever pool crosses the line is named.
    accepted(&pools(4, limits::MAX_WRITERS / 4));
    let msg = parse(&pools(4, limits::MAX_WRITERS / 4 + 1)).unwrap_err();
    assert!(
        msg.contains("pools[3].writers") && msg.contains("pool `p3`") && msg.contains("1000000"),
        "{msg}"
    );
}

#[test]
fn the_threaded_engine_limits_are_checked_for_that_engine_only() {
    let max = limits::MAX_THREAD_WRITERS;
    assert_eq!(max, retrylab::engine::threads::MAX_WRITER_THREADS);
    let fits = pools(2, max / 2);
    let over = pools(2, max / 2 + 1);
    for text in [&fits, &over] {
        let s = accepted(text);
        assert!(s.check_for_engine(EngineKind::Sim).is_ok());
    }
    let s = accepted(&fits);
    assert!(s.check_for_engine(EngineKind::Threads).is_ok());
    let s = accepted(&over);
    let err = s.check_for_engine(EngineKind::Threads).unwrap_err();
    assert!(matches!(
        err,
        ScenarioError::Engine {
            engine: EngineKind::Threads,
            ..
        }
    ));
    let msg = err.to_string();
    assert!(
        msg.contains("threads engine") && msg.contains("4096") && msg.contains("--engine sim"),
        "{msg}"
    );
    // With the text, the error has its line.
    let msg = Scenario::from_toml_for(&over, "many.toml", EngineKind::Threads)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("many.toml") && msg.contains("line 11") && msg.contains("writers"),
        "{msg}"
    );
    assert!(Scenario::from_toml_for(&over, "many.toml", EngineKind::Sim).is_ok());

    // One time series per thread: 4096 writers × 10,000 windows is too many cells.
    let series = pools(1, 4096).replace(ONE_SECOND, "duration = \"10s\"\nwindow = \"1ms\"");
    let s = accepted(&series);
    let msg = s
        .check_for_engine(EngineKind::Threads)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("time-series") && msg.contains("\"1300us\" or wider"),
        "{msg}"
    );
    assert!(s.check_for_engine(EngineKind::Sim).is_ok());
    let wider = series.replace("\"1ms\"", "\"2ms\"");
    assert!(
        accepted(&wider)
            .check_for_engine(EngineKind::Threads)
            .is_ok()
    );
}

fn retrylab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn validate_accepts_what_some_engine_runs_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crowd.toml");
    std::fs::write(&file, pools(1, limits::MAX_THREAD_WRITERS + 1)).unwrap();
    let path = file.to_str().unwrap();
    let out = retrylab(&["validate", path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("ok")
            && stdout.contains("only with --engine sim")
            && stdout.contains("4096"),
        "{stdout}"
    );
    // `run` uses threads by default and refuses it, as validate's note says.
    let out = retrylab(&[
        "run",
        path,
        "--quick",
        "--out",
        dir.path().join("r").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("4096") && stderr.contains("--engine sim"),
        "{stderr}"
    );
    // Naming the engine, validate refuses what run refuses, with the same file and field.
    let out = retrylab(&["validate", path, "--engine", "threads"]);
    let validated =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{validated}");
    assert!(
        validated.contains("crowd.toml") && validated.contains("writers"),
        "names the file and the field: {validated}"
    );
    assert!(
        stderr.contains("crowd.toml"),
        "run names the file too: {stderr}"
    );
    let out = retrylab(&["validate", path, "--engine", "sim"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn scenario_files_are_read_with_a_size_cap() {
    let dir = tempfile::tempdir().unwrap();
    // A device: refused at once, without reading it (it would never end).
    if Path::new("/dev/zero").exists() {
        let began = Instant::now();
        let err = Scenario::from_file(Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(err, ScenarioError::NotAFile { .. }), "{err}");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(began.elapsed() < Duration::from_secs(5));
        let out = retrylab(&["validate", "/dev/zero"]);
        assert_eq!(out.status.code(), Some(2));
        let out = retrylab(&["run", "/dev/zero"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    }
    // A directory.
    let err = Scenario::from_file(dir.path()).unwrap_err();
    assert!(err.to_string().contains("a directory"), "{err}");
    // A FIFO: refused without opening it (opening would block until a writer came).
    let fifo = dir.path().join("pipe.toml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let err = Scenario::from_file(&fifo).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
    }
    // Over the cap: refused with the limit; at the cap: read (and parsed).
    let big = dir.path().join("big.toml");
    let good = scenario(ONE_SECOND, "");
    let padding = |total: u64| {
        let mut text = good.clone();
        while (text.len() as u64) < total {
            text.push_str("# padding\n");
        }
        text.truncate(total as usize - 1);
        text.push('\n');
        text
    };
    std::fs::write(&big, padding(limits::MAX_FILE_BYTES + 1)).unwrap();
    let err = Scenario::from_file(&big).unwrap_err();
    assert!(matches!(err, ScenarioError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("1048576"), "{err}");
    std::fs::write(&big, padding(limits::MAX_FILE_BYTES)).unwrap();
    Scenario::from_file(&big).unwrap();
    // Not UTF-8.
    let mut f = std::fs::File::create(&big).unwrap();
    f.write_all(b"name = \"\xff\"\n").unwrap();
    drop(f);
    let err = Scenario::from_file(&big).unwrap_err();
    assert!(err.to_string().contains("UTF-8"), "{err}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

    /// Whatever values a scenario's fields hold, parsing returns an error or a scenario: it
    /// never panics, and what it accepts passes the engines' own checks.
    #[test]
    fn no_field_value_panics(
        actors in proptest::sample::select(vec!["0", "1", "-1", "18446744073709551615", "4294967297", "1e9", "\"x\""]),
        duration in proptest::sample::select(vec!["\"1s\"", "0", "5", "\"0s\"", "\"99999999999999s\"", "\"1441m\"", "-1", "nan", "\"\""]),
        window in proptest::sample::select(vec!["\"1ns\"", "\"100ms\"", "0", "\"25h\"", "\"1s\""]),
        writers in proptest::sample::select(vec!["0", "1", "4097", "1000001", "4294967296", "-3"]),
        keys in proptest::sample::select(vec![
            "{ kind = \"zipf\", exponent = nan }",
            "{ kind = \"zipf\", exponent = 1e308 }",
            "{ kind = \"latest\", exponent = -0.0 }",
            "{ kind = \"hotspot\", hot_fraction = 1e-300, op_fraction = 1.0 }",
            "{ kind = \"hotspot\", hot_fraction = inf, op_fraction = 0.5 }",
            "{ kind = \"uniform\" }",
        ]),
        rate in proptest::sample::select(vec!["1e-300", "1e300", "nan", "-inf", "5e-324", "1000.0"]),
        spread in proptest::sample::select(vec!["0", "\"1ms\"", "\"60m\"", "\"99999999999999s\""]),
        name in proptest::sample::select(vec!["\"\"", "\"a\"", "\"\\u0000\"", "\"a b\""]),
    ) {
        let text = format!(
            "name = {name}\n[run]\nactors = {actors}\nduration = {duration}\nwindow = {window}\n\
             [[pools]]\nname = {name}\nwriters = {writers}\npolicy = \"immediate\"\nkeys = {keys}\n\
             arrival = {{ kind = \"open\", rate = {rate} }}\nstart_spread = {spread}\n"
        );
        if let Ok(s) = Scenario::from_toml(&text, "fuzz") {
            let _ = s.check_for_engine(EngineKind::Threads);
            for pool in &s.pools {
                // What validation accepted, the run can sample (cheap here: few actors or
                // no table).
                if s.run.actors <= 1_000_000 {
                    proptest::prop_assert!(KeySampler::new(pool.keys, s.run.actors).is_ok());
                }
            }
        }
    }
}
