//! Records the git commit and the compiler version in the binary, so every results file says
//! which build made it (`machine.commit`, `machine.rustc`).

use std::process::Command;

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

fn main() {
    let commit = output("git", &["rev-parse", "--short=12", "HEAD"]);
    println!(
        "cargo:rustc-env=RETRYLAB_COMMIT={}",
        commit.as_deref().unwrap_or("unknown (built outside git)")
    );
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    println!(
        "cargo:rustc-env=RETRYLAB_RUSTC={}",
        output(&rustc, &["--version"])
            .as_deref()
            .unwrap_or("unknown")
    );
    // Rebuild the stamp when HEAD moves (a commit, a checkout), not on every build.
    if let Some(git_dir) = output("git", &["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={git_dir}/HEAD");
        println!("cargo:rerun-if-changed={git_dir}/logs/HEAD");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
