//! `retrylab list`: what a scenario file can name.

use retrylab::policy::{policy_kinds, preset_list};
use retrylab::store::StoreKind;
use retrylab::workload::store_cost::StoreCost;

/// Key distributions (`[[pools]] keys = { kind = ... }`), parameters and defaults.
const KEY_DISTRIBUTIONS: &[(&str, &str)] = &[
    ("uniform", "every actor equally likely (the default)"),
    (
        "zipf",
        "exponent (0..10; YCSB uses 0.99), scrambled = false: rank r gets 1/(r+1)^exponent",
    ),
    (
        "hotspot",
        "hot_fraction (0..1], op_fraction [0..1]: a hot set gets a share of the operations",
    ),
    ("hot-actor", "every operation on actor 0: the worst case"),
    (
        "latest",
        "exponent: zipf over recency, the highest actor id hottest",
    ),
];

/// Time distributions (`think`, `[store] latency`), parameters.
const TIME_DISTRIBUTIONS: &[(&str, &str)] = &[
    ("constant", "value"),
    ("uniform", "low, high (low <= high)"),
    ("exponential", "mean"),
    ("normal", "mean, std_dev (truncated at zero)"),
    (
        "lognormal",
        "median, sigma > 0 (0.5 moderate tail, 1.0 heavy)",
    ),
];

/// Arrival processes (`[[pools]] arrival = { kind = ... }`).
const ARRIVALS: &[(&str, &str)] = &[
    (
        "closed",
        "each writer starts its next operation when the last ends (the default)",
    ),
    (
        "open",
        "rate (ops/s for the whole pool), process = \"poisson\" (default) | \"constant\"; \
         latency counts from the scheduled start",
    ),
];

fn section(title: &str, rows: &[(&str, &str)]) {
    println!("{title}");
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, what) in rows {
        println!("  {name:<width$}  {what}");
    }
    println!();
}

/// Prints every list.
pub(crate) fn list() {
    section(
        "policy presets (`policy = \"NAME\"`, or a [pools.policy] table built from the kinds below):",
        &preset_list(),
    );
    println!("policy building blocks ([pools.policy] tables; parameter = default: meaning):");
    let mut last_section = "";
    for kind in policy_kinds() {
        if kind.section != last_section {
            println!("  [{}]", kind.section);
            last_section = kind.section;
        }
        println!("    {}: {}", kind.name, kind.description);
        for param in kind.params {
            println!(
                "        {} = {}: {}",
                param.name, param.default, param.description
            );
        }
    }
    println!();
    section(
        "key distributions (`keys = { kind = \"NAME\", ... }`):",
        KEY_DISTRIBUTIONS,
    );
    section(
        "time distributions (`think = { kind = \"NAME\", ... }`; durations like \"20us\"):",
        TIME_DISTRIBUTIONS,
    );
    section("arrivals (`arrival = { kind = \"NAME\", ... }`):", ARRIVALS);
    println!(
        "stores (`[store] kind = \"NAME\"`; shards = 64, a power of two; latency; fault_probability = 0; prefill_events = 0):"
    );
    for kind in StoreKind::ALL {
        let default = if kind == StoreKind::default() {
            " (default)"
        } else {
            ""
        };
        println!("  {}{default}", kind.name());
    }
    println!(
        "  postgres  a PostgreSQL server (url, pool_size = 8, occ = \"unique\" | \"head-row\"; or \
         --store-url, --occ), driven by the async engine; {}",
        if cfg!(feature = "postgres") {
            "built in"
        } else {
            "not in this build: cargo build --release --features postgres"
        }
    );
    println!();
    let c = StoreCost::MEASURED;
    section(
        "simulator store cost (`[sim.store_cost]`, charged for the store's own work in every \
         simulated run; defaults measured with `retrylab calibrate` on the development VM):",
        &[
            ("read", &format!("{} per latest_version", c.read)),
            (
                "append",
                &format!(
                    "{} per save, committed or not; a stream takes one at a time, so one stream \
                     commits at most 1/append (> 0)",
                    c.append
                ),
            ),
            ("scan", &format!("{} per events() call", c.scan)),
            (
                "scan_per_event",
                &format!("{} per event it returns", c.scan_per_event),
            ),
        ],
    );
    let params: Vec<(&str, String)> = retrylab::tune::space::ALIASES
        .iter()
        .map(|(alias, path)| (*alias, format!("[pools.policy] {path}")))
        .collect();
    let rows: Vec<(&str, &str)> = params.iter().map(|(a, p)| (*a, p.as_str())).collect();
    section(
        "tune parameters (`retrylab tune --param NAME=lo..hi[:log] | NAME=a,b,c`, or `params` in \
         a scenario's [tune] table; any path inside [pools.policy] works too; `jitter` also takes \
         `decorrelated`, AWS's decorrelated backoff):",
        &rows,
    );
    println!(
        "tune metrics (--maximize, --minimize, --subject-to 'METRIC<=VALUE'; [tune] maximize, \
         minimize, subject_to):\n  {}\n",
        retrylab::tune::metric_names().join(", ")
    );
}
