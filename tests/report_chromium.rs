//! Opens the report page in headless Chromium and checks that every chart loads, and that a
//! broken chart is caught.
//!
//! Needs `chromium` (Debian's package; `ci/install.sh` installs it), so it is `#[ignore]`d: a
//! plain `cargo test` lists it as ignored rather than passing a check it did not make, and CI
//! runs it (`ci/test-ignored.sh`, `cargo test --test report_chromium -- --ignored`), where a
//! missing Chromium fails it.

mod report_support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use retrylab::report::{self, ReportInput};

/// Appended to a copy of the page: after load, writes how many chart images decoded (an
/// `<img>` whose SVG failed to parse has a natural width of 0) into the DOM.
const PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const imgs = [...document.querySelectorAll('img.chart')];
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  const out = document.createElement('div');
  out.id = 'chart-check';
  out.textContent = 'loaded ' + ok + ' of ' + imgs.length;
  document.body.appendChild(out);
});
</script>
</body>"#;

fn chromium_available() -> bool {
    Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Loads `page` with the probe in headless Chromium; returns (loaded, total).
fn charts_loaded(page: &Path) -> (usize, usize) {
    let html = std::fs::read_to_string(page).unwrap();
    let probed = page.with_file_name("probe.html");
    std::fs::write(&probed, html.replace("</body>", PROBE)).unwrap();
    let profile = tempfile::tempdir().unwrap();
    // The DOM goes to a file: a pipe would fill up (the page is large) while we wait.
    let dump_path = page.with_file_name("dom.html");
    let dump = std::fs::File::create(&dump_path).unwrap();
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", probed.display()))
        .stdout(dump)
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = std::fs::read_to_string(&dump_path).unwrap();
    let marker = "<div id=\"chart-check\">loaded ";
    let start = dom
        .find(marker)
        .unwrap_or_else(|| panic!("the probe did not run; chromium printed:\n{dom}"))
        + marker.len();
    let end = start + dom[start..].find('<').unwrap();
    let (loaded, total) = dom[start..end].split_once(" of ").unwrap();
    (loaded.parse().unwrap(), total.parse().unwrap())
}

#[test]
#[ignore = "needs chromium: `apt-get install chromium`, then `cargo test --test report_chromium -- --ignored` (CI runs it)"]
fn every_chart_of_the_page_loads_in_chromium_and_a_broken_one_is_caught() {
    assert!(
        chromium_available(),
        "chromium is not installed: `apt-get install chromium` (ci/install.sh does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let files = report::write_report(
        &ReportInput::Runs(vec![report_support::two_pool_results()]),
        dir.path(),
    )
    .unwrap();
    let charts = files.charts.len();
    assert!(charts >= 5);
    assert_eq!(charts_loaded(&files.html), (charts, charts));

    // Break one chart's data: the probe must notice.
    let html = std::fs::read_to_string(&files.html).unwrap();
    let at = html.find("data:image/svg+xml;base64,").unwrap() + "data:image/svg+xml;base64,".len();
    let broken = format!("{}PGJyb2tlbg=={}", &html[..at], &html[at + 40..]);
    std::fs::write(&files.html, broken).unwrap();
    assert_eq!(charts_loaded(&files.html), (charts - 1, charts));
}
