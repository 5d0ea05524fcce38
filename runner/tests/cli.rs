//! The command line as a learner meets it: exit codes, messages, JSON shapes. No engine needed.

mod common;
use common::*;

#[test]
fn version_help_and_completions() {
    let o = run(&["--version"]);
    assert!(o.status.success() && text(&o).starts_with("workbook "));
    let o = run(&["--help"]);
    let t = text(&o);
    assert!(t.contains("Exit codes:") && t.contains("3    no Docker engine answered"), "{t}");
    let o = run(&["completions", "bash"]);
    assert!(o.status.success() && text(&o).contains("_workbook"));
}

#[test]
fn unknown_and_path_like_ids_are_exit_2_with_the_valid_ids() {
    for id in ["99", "../x", "/etc/passwd", "nope", "03/../01"] {
        let o = run(&["check", id, "--static"]);
        assert_eq!(o.status.code(), Some(2), "{id}: {}", text(&o));
        let t = text(&o);
        assert!(t.contains("valid ids: 01 (single-stage)"), "{t}");
        assert_eq!(t.lines().count(), 1, "one line: {t}");
    }
}

#[test]
fn id_forms() {
    for id in ["03", "3", "multi-stage", "03-multi-stage"] {
        let o = run(&["check", id, "--static", "--json"]);
        assert_eq!(json(&o)["exercise"], "03", "{id}");
    }
}

#[test]
fn lint_bad_files_exit_2_with_one_line() {
    let d = tempfile::tempdir().unwrap();
    let cases = [(d.path().join("missing"), "no such file"), (d.path().to_path_buf(), "is a folder")];
    for (p, want) in cases {
        let o = run(&["lint", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o).contains(want), "{}", text(&o));
    }
}

#[test]
fn lint_not_a_dockerfile_is_wb001_exit_1() {
    let d = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("empty", &b""[..]),
        ("binary", &[0x7f, b'E', b'L', b'F', 0, 1, 2][..]),
        ("latin1", &b"FROM debian:12\nRUN echo caf\xe9\n"[..]),
        ("typo", &b"FORM debian:12\n"[..]),
    ] {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = run(&["lint", p.to_str().unwrap(), "--format", "json"]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", text(&o));
        let j = json(&o);
        assert_eq!(j["findings"][0]["rule"], "WB001", "{name}");
        assert!(j["findings"][0]["message"].as_str().unwrap().len() > 10);
    }
}

#[test]
fn lint_json_contract() {
    let o = run(&["lint", "exercises/solutions/03-multi-stage/Dockerfile", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let j = json(&o);
    assert_eq!(j["file"], "exercises/solutions/03-multi-stage/Dockerfile");
    assert_eq!(j["stages"][0]["name"], "build");
    assert_eq!(j["stages"][0]["base"], "ubuntu:24.04");
    assert_eq!(j["stages"][1]["base"], "scratch");
    assert_eq!(j["findings"].as_array().unwrap().len(), 0);
    // several files → a list
    let o = run(&[
        "lint",
        "exercises/01-single-stage/Dockerfile",
        "exercises/03-multi-stage/Dockerfile",
        "--format",
        "json",
    ]);
    let j = json(&o);
    assert_eq!(j.as_array().unwrap().len(), 2);
    let f = &j[0]["findings"][0];
    for k in ["rule", "severity", "line", "message", "hint"] {
        assert!(!f[k].is_null(), "{k} missing");
    }
}

#[test]
fn human_output_is_plain_when_piped() {
    let o = run(&["lint", "exercises/03-multi-stage/Dockerfile"]);
    let t = String::from_utf8_lossy(&o.stdout);
    assert!(!t.contains('\x1b'));
    assert!(t.contains("exercises/03-multi-stage/Dockerfile:7  WB101 info"), "{t}");
}

#[test]
fn check_static_json_contract_and_starter_fails() {
    let o = run(&["check", "03", "--static", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let j = json(&o);
    assert_eq!(j["passed"], false);
    let ids: Vec<&str> = j["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["lint", "stages", "final-base", "build", "size", "no-shell", "runs"]);
    assert_eq!(j["checks"][3]["status"], "skip");
    assert!(j["image"].is_null());
}

#[test]
fn list_json() {
    let j = json(&run(&["list", "--json"]));
    let rows = j.as_array().unwrap();
    assert!(rows.len() >= 3);
    for k in ["id", "slug", "title", "status"] {
        assert!(!rows[0][k].is_null());
    }
}

#[test]
fn workspace_is_required_unless_a_file_is_given() {
    let d = tempfile::tempdir().unwrap();
    let o = bin().current_dir(d.path()).args(["check", "03", "--static"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("workbook init"), "{}", text(&o));
}

#[test]
fn a_closed_pipe_is_a_quiet_exit_not_a_panic() {
    use std::io::Read;
    // Thousands of findings (far more than a pipe buffer holds); read one byte and close: the rest hits a closed pipe.
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("Dockerfile");
    std::fs::write(&f, format!("FROM debian:12\n{}", "RUN apt-get install -y curl\n".repeat(3000))).unwrap();
    let mut child = bin()
        .args(["lint", f.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut one = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut one).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(matches!(out.status.code(), Some(0) | Some(141)), "{:?}", out.status);
}
