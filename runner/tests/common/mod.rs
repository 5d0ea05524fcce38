//! Helpers shared by the integration tests: run the real binary, talk to the real engine.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_workbook"));
    c.current_dir(repo());
    c.env("NO_COLOR", "1");
    c
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the workbook binary runs")
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Whether a Docker engine answers. Outside CI a missing engine skips the engine tests *loudly*; in CI
/// (`CI` set) it is a failure, because then those tests would silently prove nothing.
pub fn engine_or_skip(test: &str) -> Option<std::sync::MutexGuard<'static, ()>> {
    let ok = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("{test}: no Docker engine answers, and CI is set: run scripts/ensure-engine.sh first");
        }
        eprintln!("\n*** SKIPPED {test}: no Docker engine answers (run scripts/ensure-engine.sh) ***\n");
        return None;
    }
    // Engine tests count what is labelled in the engine, so they must not overlap: one at a time.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    Some(LOCK.lock().unwrap_or_else(|p| p.into_inner()))
}

pub fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("docker CLI runs")
}

/// Builds a fixture image from a Dockerfile text with the docker CLI (the thing under test is workbook, not this).
pub fn fixture(tag: &str, dockerfile: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    let o = Command::new("docker")
        .args(["build", "-q", "--label", "org.workbook.test=true", "-t", tag, "."])
        .current_dir(dir.path())
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap();
    assert!(o.status.success(), "fixture {tag} did not build: {}", text(&o));
}

/// Containers and images carrying the runner's label right now.
pub fn labelled() -> (usize, usize) {
    let c = docker(&["ps", "-aq", "--filter", "label=org.workbook.managed=true"]);
    let i = docker(&["images", "-q", "--filter", "dangling=true", "--filter", "label=org.workbook.managed=true"]);
    let n = |o: &Output| String::from_utf8_lossy(&o.stdout).lines().filter(|l| !l.trim().is_empty()).count();
    (n(&c), n(&i))
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}
