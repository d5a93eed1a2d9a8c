//! A configuration of the search space made into a runnable scenario: the tuned pool's starting
//! policy (a preset expanded into its table) with the searched fields set, checked like a
//! scenario file's policy, and the pool run alone.

use crate::policy::spec::PolicySpec;
use crate::units::parse_duration;
use crate::workload::scenario::{PolicyChoice, Scenario};

use super::space::{Domain, Space, Value};

/// The tuned pool of a scenario, ready to take configurations.
#[derive(Clone, Debug)]
pub struct TunedPool {
    /// The scenario with only the tuned pool (so it runs alone, as pool 0: every
    /// configuration meets the same random streams).
    alone: Scenario,
    /// The starting policy as a TOML table.
    start: toml::Table,
}

impl TunedPool {
    /// The pool called `pool` of `scenario`; `Err` names the pools there are.
    pub fn new(scenario: &Scenario, pool: &str) -> Result<Self, String> {
        let Some(spec) = scenario.pools.iter().find(|p| p.name == pool) else {
            let names: Vec<&str> = scenario.pools.iter().map(|p| p.name.as_str()).collect();
            return Err(format!(
                "scenario `{}` has no pool `{pool}`: use --pool with one of {}",
                scenario.name,
                names.join(", ")
            ));
        };
        let start = match toml::Value::try_from(spec.policy.spec()) {
            Ok(toml::Value::Table(t)) => t,
            _ => {
                return Err(format!(
                    "the policy of pool `{pool}` cannot be written as a table"
                ));
            }
        };
        let mut alone = scenario.clone();
        alone.pools = vec![spec.clone()];
        Ok(Self { alone, start })
    }

    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.alone.pools[0].name
    }

    /// The scenario with the pool alone, on its starting policy.
    pub fn starting_scenario(&self) -> &Scenario {
        &self.alone
    }

    /// The starting policy.
    pub fn starting_policy(&self) -> &PolicySpec {
        self.alone.pools[0].policy.spec()
    }

    /// The policy table of a configuration (`values` in the space's order): choices first (a
    /// choice may switch the backoff kind), then the other fields. A cap below the base is
    /// raised to the base, so independent ranges for the two never make an invalid policy.
    pub fn policy_table(&self, space: &Space, values: &[Value]) -> toml::Table {
        let mut table = self.start.clone();
        table.remove("name");
        let order = space
            .params
            .iter()
            .zip(values)
            .filter(|(p, _)| matches!(p.domain, Domain::Choice(_)))
            .chain(
                space
                    .params
                    .iter()
                    .zip(values)
                    .filter(|(p, _)| !matches!(p.domain, Domain::Choice(_))),
            );
        for (param, value) in order {
            if param.path == "jitter.kind" {
                set_jitter(&mut table, &value.text);
            } else {
                set_path(&mut table, &param.path, value.toml.clone());
            }
        }
        raise_cap_to_base(&mut table);
        table
    }

    /// The checked policy of a configuration, labelled `label`.
    pub fn policy(
        &self,
        space: &Space,
        values: &[Value],
        label: &str,
    ) -> Result<PolicySpec, String> {
        let mut table = self.policy_table(space, values);
        table.insert("name".into(), toml::Value::String(label.to_owned()));
        let spec: PolicySpec = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string().trim_end().to_owned())?;
        spec.build().map_err(|e| e.to_string())?;
        Ok(spec)
    }

    /// The scenario that runs the pool alone with `policy`.
    pub fn scenario(&self, policy: PolicySpec) -> Result<Scenario, String> {
        let mut s = self.alone.clone();
        s.pools[0].policy = PolicyChoice::from_spec(policy).map_err(|e| e.to_string())?;
        Ok(s)
    }

    /// Checks that every parameter is a field the policy has, and that the space's corners and
    /// every choice make valid policies, before anything runs.
    pub fn check(&self, space: &Space) -> Result<(), String> {
        let dims = space.dims();
        let mut probes: Vec<Vec<f64>> = vec![vec![0.0; dims], vec![0.999_999; dims]];
        for (d, p) in space.params.iter().enumerate() {
            if let Domain::Choice(values) = &p.domain {
                for i in 0..values.len() {
                    let mut point = vec![0.5; dims];
                    point[d] = (i as f64 + 0.5) / values.len() as f64;
                    probes.push(point);
                }
            }
        }
        let mut kept = vec![false; dims];
        for point in &probes {
            let values = space.decode(point);
            let spec = self.policy(space, &values, "probe").map_err(|e| {
                format!(
                    "the configuration {} of pool `{}` is not a valid policy: {e}",
                    space.key(&values),
                    self.name()
                )
            })?;
            let round_trip = toml::Value::try_from(&spec).unwrap_or(toml::Value::Boolean(false));
            for (d, p) in space.params.iter().enumerate() {
                kept[d] |= p.path == "jitter.kind" || has_path(&round_trip, &p.path);
            }
        }
        if let Some(d) = kept.iter().position(|k| !k) {
            let p = &space.params[d];
            return Err(format!(
                "parameter `{}` sets `{}`, which the policy of pool `{}` does not have (its \
                 backoff is {}): search a field of this policy, or start from a policy that has it",
                p.name,
                p.path,
                self.name(),
                self.starting_policy().backoff.kind()
            ));
        }
        Ok(())
    }
}

/// Sets `path` (dotted) in `table`, creating tables on the way; setting one attempt limit
/// removes the other.
fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) {
    let mut node = table;
    let mut segs = path.split('.').peekable();
    while let Some(seg) = segs.next() {
        if segs.peek().is_none() {
            match seg {
                "max_retries" => drop(node.remove("max_attempts")),
                "max_attempts" => drop(node.remove("max_retries")),
                _ => {}
            }
            node.insert(seg.to_owned(), value);
            return;
        }
        let child = node
            .entry(seg.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !child.is_table() {
            *child = toml::Value::Table(toml::Table::new());
        }
        node = child.as_table_mut().expect("made a table above");
    }
}

/// Whether `value` has the dotted `path`.
fn has_path(value: &toml::Value, path: &str) -> bool {
    let mut node = value;
    for seg in path.split('.') {
        match node.get(seg) {
            Some(child) => node = child,
            None => return false,
        }
    }
    true
}

/// `jitter = kind`, where `decorrelated` is AWS's decorrelated-jitter backoff shape (it keeps
/// the base and cap; its randomness is its own, so the jitter is none) and any other kind
/// jitters an exponential backoff (a decorrelated one turns back into exponential).
fn set_jitter(table: &mut toml::Table, kind: &str) {
    let backoff = table
        .entry("backoff")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let Some(b) = backoff.as_table_mut() {
        let current = b.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        if kind == "decorrelated" {
            b.insert("kind".into(), "decorrelated".into());
            b.remove("multiplier");
            b.remove("step");
        } else if current == "decorrelated" {
            b.insert("kind".into(), "exponential".into());
        }
    }
    let jitter_kind = if kind == "decorrelated" { "none" } else { kind };
    let mut jitter = toml::Table::new();
    jitter.insert("kind".into(), jitter_kind.into());
    if let Some(factor) = table
        .get("jitter")
        .and_then(|j| j.get("factor"))
        .filter(|_| jitter_kind == "proportional")
    {
        jitter.insert("factor".into(), factor.clone());
    }
    table.insert("jitter".into(), toml::Value::Table(jitter));
}

/// A backoff cap below its base becomes the base.
fn raise_cap_to_base(table: &mut toml::Table) {
    let Some(b) = table.get_mut("backoff").and_then(|b| b.as_table_mut()) else {
        return;
    };
    let read = |v: Option<&toml::Value>| {
        v.and_then(|v| v.as_str())
            .and_then(|s| parse_duration(s).ok())
    };
    if let (Some(base), Some(cap)) = (read(b.get("base")), read(b.get("cap"))) {
        if cap < base {
            let base = b.get("base").cloned().expect("read above");
            b.insert("cap".into(), base);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        Scenario::from_toml(
            r#"
            name = "t"
            [run]
            actors = 1
            [[pools]]
            name = "service"
            writers = 2
            operations = 10
            policy = "exponential-us"
            keys = { kind = "hot-actor" }
            [[pools]]
            name = "other"
            writers = 2
            operations = 10
            policy = "immediate"
            keys = { kind = "hot-actor" }
            "#,
            "t",
        )
        .unwrap()
    }

    fn space(args: &[&str]) -> Space {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        Space::parse(&args, "service").unwrap()
    }

    #[test]
    fn a_configuration_sets_its_fields_on_the_starting_policy() {
        let pool = TunedPool::new(&scenario(), "service").unwrap();
        let s = space(&[
            "base=1us..1ms:log",
            "max_retries=1..10",
            "jitter=full,decorrelated",
        ]);
        let values = s.decode(&[0.0, 0.999, 0.1]);
        let spec = pool.policy(&s, &values, "x").unwrap();
        assert_eq!(spec.max_retries, Some(10));
        assert_eq!(spec.backoff.kind(), "exponential");
        assert_eq!(spec.jitter, crate::policy::backoff::jitter::Jitter::Full);
        let decorrelated = pool.policy(&s, &s.decode(&[0.0, 0.0, 0.9]), "y").unwrap();
        assert_eq!(decorrelated.backoff.kind(), "decorrelated");
        let run = pool.scenario(spec).unwrap();
        assert_eq!(run.pools.len(), 1);
        assert_eq!(run.pools[0].name, "service");
    }

    #[test]
    fn a_cap_below_the_base_is_raised_to_it() {
        let pool = TunedPool::new(&scenario(), "service").unwrap();
        let s = space(&["base=1ms..10ms", "cap=1us..100us"]);
        let spec = pool.policy(&s, &s.decode(&[0.0, 0.0]), "x").unwrap();
        let table = toml::Value::try_from(&spec).unwrap();
        assert_eq!(table["backoff"]["cap"].as_str(), Some("1ms"));
    }

    #[test]
    fn a_field_the_policy_lacks_is_refused_before_anything_runs() {
        let pool = TunedPool::new(&scenario(), "other").unwrap();
        let s = Space::parse(&["base=1us..1ms".to_owned()], "other").unwrap();
        let e = pool.check(&s).unwrap_err();
        assert!(e.contains("`base`"), "{e}");
        let missing = TunedPool::new(&scenario(), "nope").unwrap_err();
        assert!(missing.contains("service, other"), "{missing}");
        let ok = TunedPool::new(&scenario(), "service").unwrap();
        ok.check(&space(&[
            "base=1us..1ms:log",
            "jitter=none,full,equal,decorrelated",
        ]))
        .unwrap();
    }
}
