//! Browser tests: headless Chromium drives the pages of `credence serve --demo`
//! through tests/browser/run.mjs (playwright-core, axe-core). Needs `npm ci` in
//! tests/browser and Debian's chromium at /usr/bin/chromium (or CHROMIUM_PATH);
//! without them the test is skipped loudly, or fails when CI=true. Screenshots
//! are written to target/browser-screenshots.

use std::path::{Path, PathBuf};
use std::process::Command;

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// False (after a loud message) when node, the npm packages or Chromium are missing; panics under CI.
fn browser_stack_available() -> bool {
    let modules = browser_dir().join("node_modules");
    let mut missing = Vec::new();
    if !Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success()) {
        missing.push("node (20 or later)".to_string());
    }
    if !(modules.join("playwright-core").is_dir() && modules.join("axe-core").is_dir()) {
        missing.push("`npm ci` in tests/browser".to_string());
    }
    if !chromium().is_file() {
        missing.push(format!("{} (apt-get install chromium)", chromium().display()));
    }
    if missing.is_empty() {
        return true;
    }
    let message = format!("\n!!!!! browser tests SKIPPED: missing {} !!!!!\n", missing.join(", "));
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{message} (CI=true: failing instead of skipping)");
    }
    eprintln!("{message}");
    false
}

/// `target/` of this build: the binary is `target/<profile>/credence`.
fn target_dir(bin: &Path) -> PathBuf {
    bin.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("target"))
}

#[test]
fn pages_work_in_a_real_browser() {
    if std::env::var_os("CREDENCE_TEST_DATABASE_URL").is_some() {
        // The pages do not depend on the database; the SQLite pass runs them.
        eprintln!("browser tests run in the SQLite pass only (CREDENCE_TEST_DATABASE_URL is set)");
        return;
    }
    if !browser_stack_available() {
        return;
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_credence"));
    let screenshots = target_dir(&bin).join("browser-screenshots");
    let output = Command::new("node")
        .arg(browser_dir().join("run.mjs"))
        .env("CREDENCE_BIN", &bin)
        .env("CHROMIUM_PATH", chromium())
        .env("SCREENSHOT_DIR", &screenshots)
        .output()
        .expect("run node tests/browser/run.mjs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "browser tests failed ({}):\n{stdout}\n{stderr}", output.status);
}
