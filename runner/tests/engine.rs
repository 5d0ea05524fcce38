//! Against the real engine: shell detection on images built for each tricky case, `check` both ways, and leaks.

mod common;
use common::*;

/// `deep`: 0 = fast stat scan, 1 = deep (overlay2 folders when readable here), 2 = deep through the image export.
fn shells(image: &str, deep: u8) -> Vec<String> {
    let mut args = vec!["inspect", image, "--json"];
    if deep > 0 {
        args.push("--deep");
    }
    let mut c = bin();
    c.args(&args);
    if deep == 2 {
        c.env("WORKBOOK_DEEP_EXPORT", "1");
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "inspect {image}: {}", text(&o));
    json(&o)["shells"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// Each case: an image and the shells it really has. Fast path and --deep must both say exactly that.
#[test]
fn shell_detection_fast_and_deep_agree_on_every_case() {
    let Some(_engine) = engine_or_skip("shell_detection") else { return };
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "wbtest/busybox-alone",
            "FROM gcr.io/distroless/static-debian12:debug AS src\nFROM scratch\nCOPY --from=src /busybox/busybox /bin/busybox\n",
            &["/bin/busybox"],
        ),
        (
            "wbtest/whiteout",
            "FROM ubuntu:24.04\nRUN [\"/bin/rm\", \"-f\", \"/usr/bin/sh\", \"/usr/bin/bash\", \"/usr/bin/dash\", \"/usr/bin/rbash\"]\n",
            &[],
        ),
        (
            "wbtest/bash-moved",
            "FROM ubuntu:24.04 AS src\nFROM scratch\nCOPY --from=src /usr/bin/bash /usr/local/bin/bash\n",
            &["/usr/local/bin/bash"],
        ),
        (
            "wbtest/dangling-sh",
            "FROM ubuntu:24.04\nRUN [\"/bin/rm\", \"-f\", \"/usr/bin/dash\", \"/usr/bin/bash\", \"/usr/bin/rbash\"]\n",
            &[],
        ),
        (
            "wbtest/custom-path",
            "FROM ubuntu:24.04 AS src\nFROM scratch\nCOPY --from=src /usr/bin/dash /opt/tools/dash\nENV PATH=/opt/tools\n",
            &["/opt/tools/dash"],
        ),
        ("gcr.io/distroless/static-debian12:debug", "", &["/busybox/busybox", "/busybox/sh"]),
        ("gcr.io/distroless/static-debian12:nonroot", "", &[]),
    ];
    for (tag, dockerfile, want) in cases {
        if !dockerfile.is_empty() {
            fixture(tag, dockerfile);
        }
        let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(shells(tag, 0), want, "fast scan of {tag}");
        assert_eq!(shells(tag, 1), want, "deep scan of {tag}");
        assert_eq!(shells(tag, 2), want, "deep scan (export) of {tag}");
    }
    for (tag, dockerfile, _) in cases {
        if !dockerfile.is_empty() {
            docker(&["rmi", "-f", tag]);
        }
    }
}

#[test]
fn check_03_fails_on_the_notes_dockerfile_and_passes_on_the_solution() {
    let Some(_engine) = engine_or_skip("check_03") else { return };
    // The notes' single-stage file (pinned): ~1 GB, shells found, fails.
    let o = run(&["check", "03", "--file", "exercises/solutions/01-single-stage/Dockerfile", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let j = json(&o);
    assert_eq!(j["passed"], false);
    let size = j["image"]["size_bytes"].as_u64().unwrap();
    assert!(size > 500_000_000, "single-stage size {size}");
    assert!(!j["image"]["shells"].as_array().unwrap().is_empty());
    let failed: Vec<&str> = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec!["stages", "final-base", "size", "no-shell"]);

    // The reference multi-stage file: a few MB, no shell, runs, passes; the human report prints the ratio.
    let o = run(&["check", "03", "--file", "exercises/solutions/03-multi-stage/Dockerfile"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("x smaller than the single-stage"), "{t}");
    assert!(t.contains("shells    none"), "{t}");
    let o = run(&["check", "03", "--file", "exercises/solutions/03-multi-stage/Dockerfile", "--json"]);
    let j = json(&o);
    assert_eq!(j["passed"], true, "{}", text(&o));
    assert!(j["image"]["size_bytes"].as_u64().unwrap() < 10_000_000);
    assert!(j["baseline"]["size_bytes"].as_u64().unwrap() > 500_000_000);
    assert_eq!(j["image"]["user"], "65532:65532");
}

#[test]
fn failed_build_names_the_line_and_leaks_nothing() {
    let Some(_engine) = engine_or_skip("failed_build") else { return };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("Dockerfile");
    std::fs::write(&bad, "FROM ubuntu:24.04 AS build\nWORKDIR /src\nCOPY . .\nRUN [\"/bin/false\"]\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n").unwrap();
    let before = labelled();
    let o = run(&["check", "03", "--file", bad.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("Build failed"), "{t}");
    assert!(t.contains(":4  Step 4/"), "the failing line is named: {t}");
    assert!(t.contains("returned a non-zero code"), "{t}");
    assert_eq!(labelled(), before, "a failed build left labelled containers/images");
}

#[test]
fn runs_that_fail_or_hang_are_cleaned_up() {
    let Some(_engine) = engine_or_skip("run_cleanup") else { return };
    let dir = tempfile::tempdir().unwrap();
    let before = labelled();
    // Does not start: the entrypoint does not exist.
    let nostart = dir.path().join("nostart");
    std::fs::write(
        &nostart,
        "FROM ubuntu:24.04 AS b\nFROM scratch\nCOPY --from=b /usr/bin/true /x\nENTRYPOINT [\"/nope\"]\n",
    )
    .unwrap();
    let o = run(&["check", "03", "--file", nostart.to_str().unwrap(), "--json"]);
    let j = json(&o);
    let runs = j["checks"].as_array().unwrap().iter().find(|c| c["id"] == "runs").unwrap().clone();
    assert_eq!(runs["status"], "fail");
    assert!(runs["message"].as_str().unwrap().contains("did not start"), "{runs}");
    // Hangs: killed at the deadline.
    let hang = dir.path().join("hang");
    std::fs::write(&hang, "FROM ubuntu:24.04\nENTRYPOINT [\"/bin/sleep\", \"300\"]\n").unwrap();
    let started = std::time::Instant::now();
    let o = bin()
        .args(["check", "03", "--file", hang.to_str().unwrap(), "--json"])
        .env("WORKBOOK_RUN_TIMEOUT", "2")
        .output()
        .unwrap();
    // The build may be cold (minutes on a fresh machine); what matters is not waiting out the 300 s sleep.
    assert!(started.elapsed().as_secs() < 250, "the timeout did not stop the run");
    let j = json(&o);
    let runs = j["checks"].as_array().unwrap().iter().find(|c| c["id"] == "runs").unwrap().clone();
    assert!(runs["message"].as_str().unwrap().contains("still running after 2 s"), "{runs}");
    // Exits non-zero: reported with its code.
    let fail = dir.path().join("fail");
    std::fs::write(&fail, "FROM ubuntu:24.04\nENTRYPOINT [\"/bin/false\"]\n").unwrap();
    let j = json(&run(&["check", "03", "--file", fail.to_str().unwrap(), "--json"]));
    let runs = j["checks"].as_array().unwrap().iter().find(|c| c["id"] == "runs").unwrap().clone();
    assert!(runs["message"].as_str().unwrap().contains("exited with code 1"), "{runs}");
    assert_eq!(labelled(), before, "containers or images leaked");
}

#[test]
fn sandbox_has_no_network_no_caps_and_a_read_only_root() {
    let Some(_engine) = engine_or_skip("sandbox") else { return };
    // The image reports on its own confinement; the run check shows us its output.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("Dockerfile");
    // One line, so the `runs` message (which shows the last line of output) carries every fact.
    let script = "touch /x 2>/dev/null && r=rw || r=ro; \
                  echo caps=$(awk '/CapEff/ {print $2}' /proc/self/status) net=$(ls /sys/class/net | tr '\\n' ,) \
                  rootfs=$r nnp=$(grep NoNewPrivs /proc/self/status | tr -dc 0-9)";
    std::fs::write(
        &f,
        format!("FROM ubuntu:24.04\nENTRYPOINT [\"/bin/sh\", \"-c\", {}]\n", serde_json::to_string(script).unwrap()),
    )
    .unwrap();
    let j = json(&run(&["check", "03", "--file", f.to_str().unwrap(), "--json"]));
    let runs = j["checks"].as_array().unwrap().iter().find(|c| c["id"] == "runs").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    for fact in ["caps=0000000000000000", "net=lo,", "rootfs=ro", "nnp=1"] {
        assert!(runs.contains(fact), "{fact} missing from: {runs}");
    }
}

#[test]
fn no_engine_is_exit_3_within_seconds_and_static_findings_come_first() {
    let started = std::time::Instant::now();
    let o = bin().args(["check", "03"]).env("DOCKER_HOST", "unix:///nonexistent/docker.sock").output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(started.elapsed().as_secs() < 10);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(out.contains("Findings"), "static findings first: {out}");
    assert!(err.contains("no Docker engine answered") && err.contains("/nonexistent/docker.sock"), "{err}");
    let o = bin().args(["check", "03"]).env("DOCKER_HOST", "tcp://127.0.0.1:1").output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn ctrl_c_during_a_run_removes_the_container_and_exits_130() {
    let Some(_engine) = engine_or_skip("ctrl_c") else { return };
    let dir = tempfile::tempdir().unwrap();
    let hang = dir.path().join("Dockerfile");
    std::fs::write(&hang, "FROM ubuntu:24.04\nLABEL purpose=ctrl-c-test\nENTRYPOINT [\"/bin/sleep\", \"300\"]\n")
        .unwrap();
    let before = labelled();
    let child = bin()
        .args(["check", "03", "--file", hang.to_str().unwrap(), "--json"])
        .env("WORKBOOK_RUN_TIMEOUT", "120")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run container exists, then interrupt as a terminal would.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let o = docker(&["ps", "-q", "--filter", "label=org.workbook.kind=run"]);
        if !String::from_utf8_lossy(&o.stdout).trim().is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the run container never appeared");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(labelled(), before, "Ctrl-C left containers or images behind");
    let o = docker(&[
        "images",
        "-q",
        "--filter",
        "label=org.workbook.managed=true",
        "--filter",
        "label=purpose=ctrl-c-test",
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).trim().is_empty(), "the ephemeral --file image survived Ctrl-C");
}

/// The exercises prove their checks: every starter fails on exactly its intended checks, every solution passes.
#[test]
fn verify_every_exercise_for_real() {
    let Some(_engine) = engine_or_skip("verify") else { return };
    let before = labelled();
    let o = run(&["verify"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    for ex in ["01", "02", "03", "04", "05", "06"] {
        assert!(t.contains(&format!("✓  {ex} starter   fails as intended")), "{ex} starter: {t}");
        assert!(t.contains(&format!("✓  {ex} solution  passes")), "{ex} solution: {t}");
    }
    assert_eq!(labelled(), before, "verify left containers or images behind");
}

#[test]
fn compare_shows_what_multi_stage_left_behind() {
    let Some(_engine) = engine_or_skip("compare") else { return };
    let root = repo();
    for (tag, sol) in [("wbtest/compare-big", "01-single-stage"), ("wbtest/compare-small", "03-multi-stage")] {
        let o = std::process::Command::new("docker")
            .args(["build", "-q", "-t", tag, "-f"])
            .arg(root.join(format!("exercises/solutions/{sol}/Dockerfile")))
            .arg(root.join("exercises/app"))
            .env("DOCKER_BUILDKIT", "0")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    }
    let before = labelled();
    let o = run(&["compare", "wbtest/compare-big", "wbtest/compare-small", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let j = json(&o);
    assert_eq!(j["images"].as_array().unwrap().len(), 2);
    let left: Vec<String> =
        j["left_behind"].as_array().unwrap().iter().map(|x| x[0].as_str().unwrap().to_string()).collect();
    assert!(left.iter().any(|d| d.starts_with("/usr/lib/go")), "the Go toolchain is not named: {left:?}");
    let human = text(&run(&["compare", "wbtest/compare-big", "wbtest/compare-small"]));
    assert!(human.contains("█") && human.contains("biggest folders"), "{human}");
    // An exercise with no image yet is a clear error, not a crash.
    let o = bin()
        .args(["compare", "02", "wbtest/compare-small"])
        .env("WORKBOOK_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(labelled(), before);
    docker(&["rmi", "-f", "wbtest/compare-big", "wbtest/compare-small"]);
}

#[test]
fn interview_non_interactive_with_the_live_demo() {
    let Some(_engine) = engine_or_skip("interview_demo") else { return };
    let d = tempfile::tempdir().unwrap();
    let answers = d.path().join("answers.json");
    std::fs::write(
        &answers,
        r#"{"answers": {"what-are-the-issues-you-have": "Images over a gigabyte in size: the toolchain and build tools shipped, scanners found vulnerabilities; we moved to a multi-stage build with a distroless final image."},
            "predictions": {"single_stage_mb": 50, "shell_in_multi_stage": true}}"#,
    )
    .unwrap();
    let before = labelled();
    let o = run(&["interview", "--answers", answers.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("5 of 5 covered"), "{t}");
    assert!(t.contains("shell works: hello from sh"), "the single-stage image has a shell: {t}");
    assert!(t.contains("executable file not found"), "the engine's real error for the shell-less image: {t}");
    assert!(t.contains("0 of 2 predictions right"), "both predictions were wrong: {t}");
    assert_eq!(labelled(), before, "the demo left containers or images");
    // bad answers file: one clear line, exit 2
    std::fs::write(&answers, "{nope").unwrap();
    let o = run(&["interview", "--answers", answers.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("not a valid answers file"));
}

#[test]
fn grade_a_class_concurrently_with_junit_and_no_leaks() {
    let Some(_engine) = engine_or_skip("grade") else { return };
    let class = tempfile::tempdir().unwrap();
    let c = class.path();
    let solution = std::fs::read_to_string(repo().join("exercises/solutions/03-multi-stage/Dockerfile")).unwrap();
    std::fs::write(c.join("alice.Dockerfile"), &solution).unwrap();
    std::fs::write(c.join("carol.Dockerfile"), "FORM ubuntu:24.04\n").unwrap();
    std::fs::write(
        c.join("dave.Dockerfile"),
        "FROM ubuntu:24.04 AS b\nRUN [\"/bin/false\"]\nFROM scratch\nCOPY --from=b /x /x\n",
    )
    .unwrap();
    std::fs::write(c.join("erin.Dockerfile"), "FROM ubuntu:24.04\nENTRYPOINT [\"/bin/sleep\", \"300\"]\n").unwrap();
    std::fs::write(c.join("slow.Dockerfile"), "FROM ubuntu:24.04\nRUN [\"/bin/sleep\", \"60\"]\n").unwrap();
    std::fs::write(c.join("frank.Dockerfile"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    std::fs::create_dir(c.join("zoe")).unwrap(); // a folder with no Dockerfile
    std::fs::create_dir(c.join("grace")).unwrap();
    std::fs::write(c.join("grace/Dockerfile"), &solution).unwrap();
    let junit = c.join("junit.xml");
    // Warm the build cache first (the toolchain stage and the single-stage baseline take minutes cold): the
    // deadline below is for the slow submission, not for the first build on a fresh machine.
    let warm = run(&["check", "03", "--file", "exercises/solutions/03-multi-stage/Dockerfile", "--json"]);
    assert_eq!(warm.status.code(), Some(0), "{}", text(&warm));
    let before = labelled();
    let started = std::time::Instant::now();
    let o = bin()
        .args(["grade", c.to_str().unwrap(), "-e", "03", "--jobs", "3", "--timeout", "8", "--json", "--junit"])
        .arg(&junit)
        .env("WORKBOOK_RUN_TIMEOUT", "2")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(started.elapsed().as_secs() < 120, "one slow submission held up the class");
    let rows = json(&o);
    let result = |who: &str| {
        rows.as_array().unwrap().iter().find(|r| r["submission"] == who).unwrap()["result"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let message = |who: &str| {
        rows.as_array().unwrap().iter().find(|r| r["submission"] == who).unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(result("alice"), "pass");
    assert_eq!(result("grace"), "pass");
    assert_eq!(result("carol"), "fail");
    assert_eq!(result("dave"), "fail");
    assert!(message("dave").contains("line 2"), "{}", message("dave"));
    assert_eq!(result("erin"), "fail");
    assert_eq!(result("frank"), "fail");
    assert_eq!(result("slow"), "error");
    assert!(message("slow").contains("gave up after 8 s"), "{}", message("slow"));
    assert_eq!(result("zoe"), "error");
    assert!(message("zoe").contains("no such file"), "{}", message("zoe"));
    let x = std::fs::read_to_string(&junit).unwrap();
    assert!(x.contains("tests=\"8\" failures=\"4\" errors=\"2\""), "{x}");
    assert_eq!(labelled(), before, "grading left containers or images behind");
    let o = docker(&["images", "-q", "--filter", "reference=workbook/03-multi-stage:grade*"]);
    assert!(String::from_utf8_lossy(&o.stdout).trim().is_empty(), "grade images left behind");
}

#[test]
fn doctor_reports_the_engine_and_every_base_image() {
    let Some(_engine) = engine_or_skip("doctor") else { return };
    let o = run(&["doctor"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("api       1.") && t.contains("builder"), "{t}");
    for img in
        ["ubuntu:24.04", "gcr.io/distroless/static-debian12:nonroot", "gcr.io/distroless/python3-debian12:nonroot"]
    {
        assert!(t.contains(img), "{img} missing from: {t}");
    }
    assert!(t.contains("present"), "{t}");
}
