//! In a real terminal: `watch` and `interview` driven through tmux, as a learner would use them.

mod common;
use common::*;

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux(String);

impl Tmux {
    fn start(name: &str, dir: &std::path::Path, cmd: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            if std::env::var_os("CI").is_some() {
                panic!("no tmux, and CI is set: scripts/test.sh installs it");
            }
            eprintln!("\n*** SKIPPED terminal test {name}: no tmux ***\n");
            return None;
        }
        let session = format!("wbtest-{name}-{}", std::process::id());
        let full = format!("cd {} && NO_COLOR=1 {cmd}; sleep 60", dir.display());
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", &session, "-x", "160", "-y", "60", &full])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux did not start");
        Some(Tmux(session))
    }
    fn screen(&self) -> String {
        let o = Command::new("tmux").args(["capture-pane", "-p", "-S", "-200", "-t", &self.0]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    fn wait_for(&self, what: &str, secs: u64) -> String {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(Instant::now() < end, "waited {secs} s for {what:?}; the screen shows:\n{s}");
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    fn keys(&self, keys: &[&str]) {
        let mut c = Command::new("tmux");
        c.args(["send-keys", "-t", &self.0]).args(keys);
        assert!(c.status().unwrap().success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).status();
    }
}

fn workspace() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let ws = d.path().join("ws");
    let o = run(&["init", ws.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    d
}

#[test]
fn watch_rechecks_on_save_shows_hints_and_quits() {
    let Some(_engine) = engine_or_skip("watch") else { return };
    let d = workspace();
    let ws = d.path().join("ws");
    let bin = env!("CARGO_BIN_EXE_workbook");
    let Some(t) = Tmux::start("watch", &ws, &format!("{bin} watch 03")) else { return };
    t.wait_for("[03] n: next", 300);
    assert!(t.screen().contains("Not yet."), "the starter should fail first");
    // Save the solution: the watcher re-checks by itself and does not move on.
    let solution = std::fs::read_to_string(repo().join("exercises/solutions/03-multi-stage/Dockerfile")).unwrap();
    std::fs::write(ws.join("exercises/03-multi-stage/Dockerfile"), solution).unwrap();
    let s = t.wait_for("Exercise 03 passes. Press n", 300);
    assert!(s.contains("✓ pass  no-shell"), "{s}");
    t.keys(&["h"]);
    t.wait_for("Hint 1 of 4", 10);
    t.wait_for("press h again", 10);
    t.keys(&["q"]);
    t.wait_for("bye", 10);
    let state = std::fs::read_to_string(ws.join(".workbook-state.json")).unwrap();
    assert!(state.contains("\"passed\": true"), "{state}");
}

#[test]
fn interview_in_a_terminal_types_an_answer_and_scores_it() {
    let d = workspace();
    let ws = d.path().join("ws");
    let bin = env!("CARGO_BIN_EXE_workbook");
    let Some(t) = Tmux::start("interview", &ws, &format!("{bin} interview --count 1 --no-demo")) else { return };
    t.wait_for("Your answer (finish with an empty line)", 20);
    t.keys(&["Our images were over a gigabyte in size because the toolchain shipped", "Enter"]);
    t.keys(&["so we used a multi-stage build", "Enter", "Enter"]);
    let s = t.wait_for("Score:", 20);
    assert!(s.contains("Model answer") && s.contains("Key points"), "{s}");
    assert!(s.contains("✓ image size"), "the covered point is marked: {s}");
    assert!(s.contains("✗ vulnerabilities"), "the missed point is marked: {s}");
    assert!(ws.join(".workbook-interview.json").is_file(), "progress is remembered");
}
