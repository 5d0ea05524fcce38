//! Hostile input: every case must end with a clear message, the documented exit code, no panic, and nothing of
//! the learner's lost. The engine cases need an engine (and skip loudly without one, outside CI).

mod common;
use common::*;

use std::path::Path;
use std::process::Output;

/// Runs in `dir` and checks the shape every bad-input answer must have.
fn expect(dir: &Path, args: &[&str], code: i32, says: &str) -> Output {
    let o = bin().current_dir(dir).args(args).output().unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {t}");
    assert!(t.to_lowercase().contains(&says.to_lowercase()), "{args:?}: expected {says:?} in: {t}");
    assert!(!t.contains("panicked"), "{args:?} panicked: {t}");
    if code == 2 || code == 3 {
        let err = String::from_utf8_lossy(&o.stderr);
        // ours: `workbook: …`; clap's usage errors: `error: …` plus its usage block
        let lines = err.trim().lines().filter(|l| l.starts_with("workbook:") || l.starts_with("error:")).count();
        assert_eq!(lines, 1, "{args:?}: one error line: {err}");
    }
    o
}

fn workspace() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let o = run(&["init", d.path().join("ws").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    d
}

#[test]
fn lint_hostile_files() {
    let d = tempfile::tempdir().unwrap();
    let p = |n: &str| d.path().join(n);
    std::fs::write(p("empty"), "").unwrap();
    std::fs::write(p("binary"), [0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0]).unwrap();
    std::fs::write(p("latin1"), b"FROM debian:12\nRUN echo caf\xe9\n").unwrap();
    std::fs::write(p("nul"), b"FROM debi\0an:12\n").unwrap();
    std::fs::write(p("bom-crlf"), "\u{feff}FROM debian:12\r\nCMD [\"x\"]\r\n").unwrap();
    std::fs::write(p("heredoc-open"), "FROM debian:12\nRUN <<EOF\necho\n").unwrap();
    let huge = std::fs::File::create(p("huge")).unwrap();
    huge.set_len(65 * 1024 * 1024).unwrap(); // sparse: costs no disk
    std::os::unix::fs::symlink("/dev/zero", p("zero")).unwrap();
    let fifo = p("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let dir = d.path();
    let s = |n: &str| p(n).to_str().unwrap().to_string();
    expect(dir, &["lint", &s("missing")], 2, "no such file");
    expect(dir, &["lint", dir.to_str().unwrap()], 2, "is a folder");
    expect(dir, &["lint", &s("empty")], 1, "empty");
    expect(dir, &["lint", &s("binary")], 1, "WB001");
    expect(dir, &["lint", &s("latin1")], 1, "not UTF-8");
    expect(dir, &["lint", &s("nul")], 1, "NUL byte");
    expect(dir, &["lint", &s("bom-crlf")], 0, "0 errors");
    expect(dir, &["lint", &s("heredoc-open")], 1, "WB001");
    expect(dir, &["lint", &s("huge")], 2, "not one");
    expect(dir, &["lint", &s("zero")], 2, "not a regular file");
    expect(dir, &["lint", &s("fifo")], 2, "not a regular file");
    expect(dir, &["lint"], 2, "required");
    expect(dir, &["lint", &s("empty"), "--format", "yaml"], 2, "invalid value");
}

#[test]
fn lint_big_inputs_finish() {
    let d = tempfile::tempdir().unwrap();
    let mut s = String::from("FROM debian:12\n");
    for i in 0..400_000 {
        s.push_str(&format!("ENV A{i}=1\n"));
    }
    std::fs::write(d.path().join("long"), s).unwrap();
    let mut s = String::new();
    for i in 0..5000 {
        s.push_str(&format!("FROM scratch AS s{i}\n"));
    }
    std::fs::write(d.path().join("stages"), s).unwrap();
    let mut s = String::from("FROM debian:12\nRUN echo \\\n");
    for _ in 0..100_000 {
        s.push_str("  a \\\n");
    }
    s.push_str("  end\n");
    std::fs::write(d.path().join("cont"), s).unwrap();
    for f in ["long", "stages", "cont"] {
        let started = std::time::Instant::now();
        let o = run(&["lint", d.path().join(f).to_str().unwrap(), "--format", "json"]);
        assert!(!text(&o).contains("panicked"), "{f}");
        assert!(o.status.code().is_some_and(|c| c <= 1), "{f}: {}", text(&o));
        // generous: this guards against quadratic blow-ups, the benchmark measures speed
        assert!(started.elapsed().as_secs() < 20, "{f} took {:?}", started.elapsed());
    }
}

#[test]
fn check_hostile_ids_and_files() {
    let d = workspace();
    let ws = d.path().join("ws");
    expect(&ws, &["check", "99", "--static"], 2, "valid ids");
    expect(&ws, &["check", "../03", "--static"], 2, "valid ids");
    expect(&ws, &["check", "03/../../etc", "--static"], 2, "valid ids");
    expect(&ws, &["check", "", "--static"], 2, "valid ids");
    expect(&ws, &["check", "03", "--static", "--file", "/nonexistent/Dockerfile"], 2, "no such file");
    expect(&ws, &["check", "03", "--static", "--file", ws.to_str().unwrap()], 2, "is a folder");
    // the learner deleted the Dockerfile
    std::fs::remove_file(ws.join("exercises/03-multi-stage/Dockerfile")).unwrap();
    expect(&ws, &["check", "03", "--static"], 2, "workbook reset 03");
    // outside any workspace
    expect(d.path(), &["check", "03", "--static"], 2, "workbook init");
    expect(&ws, &["check"], 2, "required");
}

#[test]
fn hint_list_and_a_corrupt_state_file() {
    let d = workspace();
    let ws = d.path().join("ws");
    std::fs::write(ws.join(".workbook-state.json"), "{not json").unwrap();
    let o = expect(&ws, &["list"], 0, "moved it to");
    assert!(String::from_utf8_lossy(&o.stdout).contains("01  single-stage"));
    assert!(ws.join(".workbook-state.json.corrupt").is_file(), "the corrupt file is kept aside, not deleted");
    expect(&ws, &["hint", "03"], 0, "Hint 1 of 4");
    expect(&ws, &["hint", "03"], 0, "Hint 2 of 4");
    expect(&ws, &["hint", "nope"], 2, "valid ids");
    std::fs::write(ws.join(".workbook-state.json"), [0xff, 0xfe, 0]).unwrap();
    expect(&ws, &["hint", "03"], 0, "Hint 1 of 4");
    expect(&ws, &["solution", "03"], 2, "--force");
    expect(&ws, &["solution", "03", "--force"], 0, "FROM scratch");
}

#[test]
fn reset_never_loses_the_learners_file() {
    let d = workspace();
    let ws = d.path().join("ws");
    let f = ws.join("exercises/03-multi-stage/Dockerfile");
    std::fs::write(&f, "FROM my:own\n# my precious work\n").unwrap();
    // not a terminal and no --yes: refuses, file unchanged
    expect(&ws, &["reset", "03"], 2, "--yes");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "FROM my:own\n# my precious work\n");
    expect(&ws, &["reset", "03", "--yes"], 0, "kept your version");
    assert_eq!(
        std::fs::read_to_string(ws.join("exercises/03-multi-stage/Dockerfile.bak")).unwrap(),
        "FROM my:own\n# my precious work\n"
    );
    assert!(std::fs::read_to_string(&f).unwrap().contains("Exercise 03"));
    expect(&ws, &["reset", "03", "--yes"], 0, "already the starter");
    std::fs::write(&f, "second version\n").unwrap();
    expect(&ws, &["reset", "03", "--yes"], 0, "Dockerfile.bak.2");
    assert!(std::fs::read_to_string(ws.join("exercises/03-multi-stage/Dockerfile.bak")).unwrap().contains("precious"));
    expect(&ws, &["reset", "../../x", "--yes"], 2, "valid ids");
}

#[test]
fn init_and_grade_refuse_bad_folders() {
    let d = workspace();
    expect(d.path(), &["init", d.path().join("ws").to_str().unwrap()], 2, "not empty");
    let empty = tempfile::tempdir().unwrap();
    expect(d.path(), &["grade", empty.path().to_str().unwrap(), "-e", "03"], 2, "no submissions");
    expect(d.path(), &["grade", "/nonexistent", "-e", "03"], 2, "cannot read");
    expect(d.path(), &["grade", empty.path().to_str().unwrap(), "-e", "42"], 2, "valid ids");
}

#[test]
fn engine_down_is_exit_3_fast_everywhere() {
    let d = workspace();
    let ws = d.path().join("ws");
    for host in ["unix:///nonexistent/docker.sock", "tcp://127.0.0.1:1"] {
        for args in [
            &["check", "03"][..],
            &["inspect", "alpine:3"],
            &["doctor"],
            &["clean"],
            &["compare", "01", "03"],
            &["verify", "03"],
        ] {
            let started = std::time::Instant::now();
            let o = bin().current_dir(&ws).args(args).env("DOCKER_HOST", host).output().unwrap();
            assert_eq!(o.status.code(), Some(3), "{host} {args:?}: {}", text(&o));
            assert!(text(&o).contains("no Docker engine answered"), "{}", text(&o));
            assert!(started.elapsed().as_secs() < 10, "{host} {args:?} took {:?}", started.elapsed());
        }
    }
}

#[test]
fn engine_hostile_cases() {
    let Some(_engine) = engine_or_skip("hostile engine cases") else { return };
    let d = workspace();
    let ws = d.path().join("ws");
    // an image that does not exist; names that are not image names
    expect(&ws, &["inspect", "no-such-image:never"], 2, "no image");
    expect(&ws, &["inspect", ""], 2, "name an image");
    expect(&ws, &["inspect", "a\tb"], 2, "name an image");
    // a symlink out of the build context
    std::os::unix::fs::symlink("/etc/shadow", ws.join("exercises/app/secret")).unwrap();
    expect(&ws, &["check", "03"], 2, "outside the build context");
    std::fs::remove_file(ws.join("exercises/app/secret")).unwrap();
    // a container that prints 100 MB: output is cut, memory stays small, nothing leaks
    let before = labelled();
    let loud = ws.join("loud");
    std::fs::write(&loud, "FROM ubuntu:24.04\nENTRYPOINT [\"/bin/sh\", \"-c\", \"head -c 100000000 /dev/zero | tr '\\\\0' x; echo; echo done\"]\n").unwrap();
    let o = bin()
        .current_dir(&ws)
        .args(["check", "03", "--file", loud.to_str().unwrap(), "--json"])
        .env("WORKBOOK_RUN_TIMEOUT", "30")
        .output()
        .unwrap();
    assert!(o.stdout.len() < 1_000_000, "the report carries {} bytes of container output", o.stdout.len());
    let j = json(&o);
    let runs = j["checks"].as_array().unwrap().iter().find(|c| c["id"] == "runs").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(runs.contains("output cut") || runs.contains("does not contain"), "{runs}");
    assert_eq!(labelled(), before);
}
