//! Every results file names the build that made it.

/// Results name the build that made them: the commit and the compiler.
#[test]
fn results_record_the_commit_and_the_compiler() {
    let m = retrylab::metrics::results::Machine::detect();
    assert!(m.rustc.starts_with("rustc "), "{}", m.rustc);
    assert!(
        m.commit.len() >= 7 && m.commit.chars().all(|c| c.is_ascii_hexdigit()),
        "built from a git checkout: {}",
        m.commit
    );
}
