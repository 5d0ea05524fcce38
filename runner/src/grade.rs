//! `workbook grade DIR --exercise ID`: an instructor checks a whole class. Every submission (a Dockerfile per
//! student, or a folder per student holding one) is checked against the exercise, concurrently, on whichever
//! engine `DOCKER_HOST` points at. One bad submission never stops the rest: each has its own deadline, and its
//! failure is a row in the report, not an error of the run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::{stream, StreamExt};
use serde::Serialize;

use crate::check::{self, Subject};
use crate::engine::{self, Engine};
use crate::exercise::{self, Exercise};
use crate::exit::{self, UserError};
use crate::lint::read_input;
use crate::report::Style;
use crate::verdict::{human_size, Status};

pub struct Options {
    pub dir: PathBuf,
    pub exercise: String,
    pub jobs: usize,
    pub timeout: Duration,
    pub junit: Option<PathBuf>,
    pub json: bool,
}

#[derive(Serialize)]
pub struct Row {
    pub submission: String,
    /// `pass`, `fail`, or `error` (could not be checked: unreadable, timed out, engine trouble).
    pub result: &'static str,
    pub failed_checks: Vec<String>,
    pub message: String,
    pub size_bytes: Option<u64>,
    pub seconds: f64,
    pub outcome: Option<check::Outcome>,
}

/// Submissions in `dir`: `alice.Dockerfile`, `bob` (a file), or `carol/Dockerfile`. Hidden entries are skipped.
pub fn submissions(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| UserError::bad_input(format!("{}: cannot read the submissions folder ({e})", dir.display())))?;
    let mut v = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let p = e.path();
        if p.is_dir() {
            v.push((name, p.join("Dockerfile")));
        } else {
            let student =
                name.strip_suffix(".Dockerfile").or_else(|| name.strip_suffix(".dockerfile")).unwrap_or(&name);
            v.push((student.to_string(), p));
        }
    }
    v.sort();
    if v.is_empty() {
        return Err(UserError::bad_input(format!(
            "{} has no submissions; put one Dockerfile per student (alice.Dockerfile) or one folder each (alice/Dockerfile)",
            dir.display()
        )));
    }
    Ok(v)
}

/// A tag component from a student's name: image tags allow [A-Za-z0-9_.-] only.
fn tag_safe(s: &str) -> String {
    let t: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).take(60).collect();
    if t.is_empty() {
        "x".into()
    } else {
        t
    }
}

async fn grade_one(eng: &Engine, ex: &Exercise, ctx: &Path, name: String, path: PathBuf, timeout: Duration) -> Row {
    let started = Instant::now();
    let row = |result, failed_checks, message: String, size_bytes, outcome| Row {
        submission: name.clone(),
        result,
        failed_checks,
        message,
        size_bytes,
        seconds: started.elapsed().as_secs_f64(),
        outcome,
    };
    let bytes = match read_input(&path) {
        Ok(b) => b,
        Err(e) => return row("error", vec![], e.to_string(), None, None),
    };
    let tag = format!("{}:grade-{}", check::tag_for(ex), tag_safe(&name));
    let subject = Subject { ex, bytes, context: ctx, tag: tag.clone(), ephemeral: true };
    let stat = check::static_part(ex, &subject.bytes);
    match tokio::time::timeout(timeout, check::evaluate(eng, &subject, stat, false)).await {
        Ok(Ok((outcome, failure))) => {
            let failed: Vec<String> =
                outcome.checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.clone()).collect();
            let message = match (&failure, failed.first()) {
                (Some(f), _) => f.one_line(),
                (None, Some(first)) => outcome
                    .checks
                    .iter()
                    .find(|c| &c.id == first)
                    .map(|c| format!("{first}: {}", c.message))
                    .unwrap_or_default(),
                (None, None) => "all checks pass".into(),
            };
            let size = outcome.image.as_ref().map(|i| i.size_bytes);
            row(if outcome.passed { "pass" } else { "fail" }, failed, message, size, Some(outcome))
        }
        Ok(Err(e)) => row("error", vec![], format!("{e:#}"), None, None),
        Err(_) => {
            // The dropped build is cancelled by the engine; the image tag may remain, so remove it.
            engine::remove_image(&eng.docker, &tag).await;
            row("error", vec![], format!("gave up after {} s", timeout.as_secs()), None, None)
        }
    }
}

pub fn run(o: &Options) -> Result<i32> {
    let ex = exercise::find(&o.exercise)?;
    let subs = submissions(&o.dir)?;
    let jobs = o.jobs.clamp(1, 64);
    let ctx = check::embedded_context(&ex.spec.context)?;
    let st = Style::detect();
    let total = subs.len();
    eprintln!("grading {total} submission(s) against exercise {}, {jobs} at a time", ex.id);
    let rows: Vec<Row> = engine::with_engine(async |eng| {
        let rows: Vec<Row> =
            stream::iter(subs.into_iter().map(|(name, path)| grade_one(eng, ex, ctx.path(), name, path, o.timeout)))
                .buffer_unordered(jobs)
                .collect()
                .await;
        // A submission that hit its deadline may have left a container mid-run: everything still registered is
        // such a leftover now.
        engine::remove_all_live(&eng.docker).await;
        Ok(rows)
    })?;
    let mut rows = rows;
    rows.sort_by(|a, b| a.submission.cmp(&b.submission));
    if let Some(path) = &o.junit {
        std::fs::write(path, junit(ex, &rows))
            .map_err(|e| UserError::bad_input(format!("cannot write {}: {e}", path.display())))?;
    }
    let passed = rows.iter().filter(|r| r.result == "pass").count();
    let failed = rows.iter().filter(|r| r.result == "fail").count();
    let errors = rows.iter().filter(|r| r.result == "error").count();
    if o.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        let w = rows.iter().map(|r| r.submission.len()).max().unwrap_or(10).max(10);
        println!("{:<w$}  {:<6}  {:>9}  {:>6}  first problem", "submission", "result", "size", "time");
        for r in &rows {
            let res = match r.result {
                "pass" => st.green("pass  "),
                "fail" => st.red("fail  "),
                _ => st.yellow("error "),
            };
            let size = r.size_bytes.map(human_size).unwrap_or_else(|| "-".into());
            let msg: String = r.message.chars().take(100).collect();
            println!("{:<w$}  {res}  {size:>9}  {:>5.0}s  {msg}", r.submission, r.seconds);
        }
        println!("\n{passed} passed, {failed} failed, {errors} errors ({total} submissions)");
    }
    Ok(if passed == total { exit::OK } else { exit::FAILED })
}

fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML, the format CI systems show as test results: one test case per submission.
pub fn junit(ex: &Exercise, rows: &[Row]) -> String {
    let failures = rows.iter().filter(|r| r.result == "fail").count();
    let errors = rows.iter().filter(|r| r.result == "error").count();
    let time: f64 = rows.iter().map(|r| r.seconds).sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuite name=\"workbook grade {}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.1}\">\n",
        xml(&ex.id),
        rows.len()
    ));
    for r in rows {
        s.push_str(&format!(
            "  <testcase classname=\"exercise{}\" name=\"{}\" time=\"{:.1}\">",
            xml(&ex.id),
            xml(&r.submission),
            r.seconds
        ));
        let detail: String = r
            .outcome
            .as_ref()
            .map(|o| {
                o.checks
                    .iter()
                    .map(|c| format!("{:?} {}: {}", c.status, c.id, c.message))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        match r.result {
            "fail" => s.push_str(&format!("<failure message=\"{}\">{}</failure>", xml(&r.message), xml(&detail))),
            "error" => s.push_str(&format!("<error message=\"{}\"/>", xml(&r.message))),
            _ => {}
        }
        s.push_str("</testcase>\n");
    }
    s.push_str("</testsuite>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submissions_in_both_layouts_and_safe_tags() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("alice.Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::create_dir(d.path().join("bob")).unwrap();
        std::fs::write(d.path().join("bob/Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(d.path().join(".hidden"), "").unwrap();
        let s = submissions(d.path()).unwrap();
        let names: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["alice", "bob"]);
        assert_eq!(tag_safe("Zoë O'Neil"), "Zo__O_Neil");
        assert!(submissions(tempfile::tempdir().unwrap().path()).is_err());
    }

    #[test]
    fn junit_escapes_and_counts() {
        let ex = exercise::find("03").unwrap();
        let rows = vec![
            Row {
                submission: "a<b>".into(),
                result: "fail",
                failed_checks: vec!["size".into()],
                message: "x & y".into(),
                size_bytes: None,
                seconds: 1.0,
                outcome: None,
            },
            Row {
                submission: "c".into(),
                result: "pass",
                failed_checks: vec![],
                message: String::new(),
                size_bytes: None,
                seconds: 1.0,
                outcome: None,
            },
        ];
        let x = junit(ex, &rows);
        assert!(x.contains("tests=\"2\" failures=\"1\" errors=\"0\""));
        assert!(x.contains("name=\"a&lt;b&gt;\""));
        assert!(x.contains("message=\"x &amp; y\""));
    }
}
