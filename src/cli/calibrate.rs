//! `retrylab calibrate`: what the store's calls cost on this machine, printed as the
//! `[sim.store_cost]` table the simulator charges, so a simulation can model this machine.

use retrylab::store::StoreKind;
use retrylab::store::calibrate::{Calibration, ROUNDS, calibrate};

/// Measures `kind` and prints its table.
pub(crate) fn run(kind: StoreKind) {
    eprintln!("measuring the {} store on one thread ...", kind.name());
    print!("{}", table(kind, &calibrate(kind)));
}

/// Whole nanoseconds, as the table wants them (an append never below 1 ns).
fn ns(x: f64, floor: u64) -> String {
    format!("\"{}ns\"", (x.round() as u64).max(floor))
}

fn table(kind: StoreKind, c: &Calibration) -> String {
    format!(
        "# The {store} store on this machine, one thread, median of {ROUNDS} rounds (retrylab calibrate).\n\
         # A conflicting append cost {conflict:.1} ns, a committed one {append:.1} ns: `append` is the larger.\n\
         [sim.store_cost]\n\
         read = {read}\n\
         append = {append_ns}\n\
         scan = {scan}\n\
         scan_per_event = {per_event}\n",
        store = kind.name(),
        conflict = c.conflict_ns,
        append = c.append_ns,
        read = ns(c.read_ns, 0),
        append_ns = ns(c.append_ns.max(c.conflict_ns), 1),
        scan = ns(c.scan_ns, 0),
        per_event = ns(c.scan_per_event_ns, 0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrylab::workload::store_cost::StoreCost;

    #[test]
    fn the_printed_table_parses_as_the_cost_it_reports() {
        let c = Calibration {
            read_ns: 27.4,
            append_ns: 35.6,
            conflict_ns: 20.0,
            scan_ns: 41.0,
            scan_per_event_ns: 2.3,
        };
        let text = table(StoreKind::LockFree, &c);
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        let cost: StoreCost = parsed["sim"]["store_cost"].clone().try_into().unwrap();
        assert_eq!(
            (
                cost.read.0,
                cost.append.0,
                cost.scan.0,
                cost.scan_per_event.0
            ),
            (27, 36, 41, 2)
        );
    }
}
