//! Step 5 of the data path: findings + image facts → one verdict per check in the exercise's spec.
//!
//! Kept free of I/O so every verdict is unit-testable: the engine step hands in what it measured, this decides.

use serde::Serialize;

use crate::dockerfile::{Analysis, Base};
use crate::exercise::Checks;
use crate::facts::ImageFacts;
use crate::rules::{Finding, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub id: String,
    pub status: Status,
    pub message: String,
}

fn v(id: impl Into<String>, ok: bool, pass: String, fail: String) -> Verdict {
    let id = id.into();
    if ok {
        Verdict { id, status: Status::Pass, message: pass }
    } else {
        Verdict { id, status: Status::Fail, message: fail }
    }
}

pub fn skip(id: impl Into<String>, why: &str) -> Verdict {
    Verdict { id: id.into(), status: Status::Skip, message: why.to_string() }
}

/// Whether `base` (as the final stage's root names it) matches an allowed entry: `scratch`, a repository (any tag),
/// or `repository:tag`.
pub fn base_allowed(base: &Base, base_text: &str, allowed: &str) -> bool {
    match base {
        Base::Scratch => allowed == "scratch",
        Base::Image(r) => {
            if allowed.contains(':') {
                // `ubuntu:24.04` must match `ubuntu:24.04`, not `ubuntu` (= latest)
                let (repo, tag) = allowed.rsplit_once(':').unwrap();
                r.repo == repo && r.tag.as_deref() == Some(tag)
            } else {
                r.repo == allowed
            }
        }
        Base::Stage(_) => base_text == allowed,
    }
}

/// The checks that need only the Dockerfile.
pub fn static_verdicts(checks: &Checks, a: Option<&Analysis>, findings: &[Finding]) -> Vec<Verdict> {
    let mut out = Vec::new();
    if checks.lint {
        let errors: Vec<String> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{} (line {})", f.rule, f.line))
            .collect();
        out.push(v(
            "lint",
            errors.is_empty(),
            "no errors in the Dockerfile".into(),
            format!("the Dockerfile has {} error(s): {}", errors.len(), errors.join(", ")),
        ));
    }
    let Some(a) = a else {
        // Not a Dockerfile: every other static check is moot.
        for id in ["stages", "stage-names", "final-base"] {
            if (id == "stages" && (checks.min_stages.is_some() || checks.max_stages.is_some()))
                || (id == "stage-names" && !checks.stage_names.is_empty())
                || (id == "final-base" && checks.final_base.is_some())
            {
                out.push(skip(id, "the Dockerfile does not parse"));
            }
        }
        return out;
    };
    let n = a.stages.len();
    if let Some(min) = checks.min_stages {
        out.push(v(
            "stages",
            n >= min,
            format!("{n} stages"),
            format!(
                "{n} stage{}; this exercise needs at least {min}: one to build, one to ship",
                if n == 1 { "" } else { "s" }
            ),
        ));
    }
    if let Some(max) = checks.max_stages {
        out.push(v(
            "stages",
            n <= max,
            format!("{n} stage{}", if n == 1 { "" } else { "s" }),
            format!("{n} stages; this exercise is about doing it in at most {max} (multi-stage comes in exercise 03)"),
        ));
    }
    if !checks.stage_names.is_empty() {
        let missing: Vec<&String> =
            checks.stage_names.iter().filter(|n| a.stage_named(n, a.stages.len()).is_none()).collect();
        out.push(v(
            "stage-names",
            missing.is_empty(),
            format!("stages named {}", quote_list(&checks.stage_names).trim_start_matches("one of ")),
            format!(
                "no stage named {}; name a stage with `FROM <image> AS <name>`",
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    if let Some(allowed) = &checks.final_base {
        let root = a.root_of(a.final_stage().index);
        let ok = allowed.iter().any(|al| base_allowed(&root.base, &root.base_text, al));
        out.push(v(
            "final-base",
            ok,
            format!("the final image is based on `{}`", root.base_text),
            format!("the final image is based on `{}`; this exercise wants {}", root.base_text, quote_list(allowed)),
        ));
    }
    out
}

fn quote_list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    match q.len() {
        1 => q[0].clone(),
        _ => format!("one of {}", q.join(", ")),
    }
}

/// What the engine step measured, for the verdicts that need an image.
pub struct Measured<'a> {
    /// `Err` holds the one-line reason the build failed.
    pub build: Result<&'a ImageFacts, String>,
    /// Size of the baseline exercise's reference image, when the spec names one.
    pub baseline: Option<(String, u64)>,
    /// The app's run: exit code and captured output, or why it could not run.
    pub run: Option<Result<(i64, String), String>>,
    /// Paths from `files` that are missing.
    pub missing_files: Vec<String>,
    /// The HEALTHCHECK's result while the app served: what it printed, or why it failed.
    pub healthcheck: Option<std::result::Result<String, String>>,
    /// Each extra target: the shells in its image, or why it did not build.
    pub targets: Vec<(String, std::result::Result<Vec<String>, String>)>,
}

pub fn engine_verdicts(checks: &Checks, m: &Measured<'_>) -> Vec<Verdict> {
    let mut out = Vec::new();
    let facts = match &m.build {
        Ok(f) => {
            out.push(v("build", true, format!("built {}", f.reference), String::new()));
            *f
        }
        Err(why) => {
            out.push(v("build", false, String::new(), why.clone()));
            for id in engine_check_ids(checks) {
                out.push(skip(id, "the image did not build"));
            }
            return out;
        }
    };
    let size = facts.size_bytes;
    if let Some(max) = checks.max_size_mb {
        let limit = (max * 1e6) as u64;
        out.push(v(
            "size",
            size <= limit,
            format!("{} (limit {})", human_size(size), human_size(limit)),
            format!("{}; this exercise wants at most {}", human_size(size), human_size(limit)),
        ));
    }
    if let Some(frac) = checks.max_baseline_fraction {
        match &m.baseline {
            Some((name, base)) => {
                let limit = (*base as f64 * frac) as u64;
                out.push(v(
                    "smaller",
                    size <= limit,
                    format!("{} is {:.0}% of {name}'s {}", human_size(size), pct(size, *base), human_size(*base)),
                    format!(
                        "{} is {:.0}% of {name}'s {}; it must be at most {:.0}% ({}). Files deleted in a later layer still count",
                        human_size(size),
                        pct(size, *base),
                        human_size(*base),
                        frac * 100.0,
                        human_size(limit)
                    ),
                ));
            }
            None => out.push(skip("smaller", "the baseline image could not be built")),
        }
    }
    if let Some(want_shell) = checks.shell {
        let found = &facts.shells;
        let list = found.join(", ");
        out.push(if want_shell {
            v(
                "shell",
                !found.is_empty(),
                format!("shell(s) present, as expected in a full OS image: {list}"),
                "no shell found; this exercise's image is meant to be a full OS image".into(),
            )
        } else {
            v(
                "no-shell",
                found.is_empty(),
                "no shell in the image".into(),
                format!("the image still has a shell: {list}"),
            )
        });
    }
    if let Some(want) = checks.non_root {
        let user = facts.user.clone().unwrap_or_default();
        let root =
            user.is_empty() || user == "root" || user == "0" || user.starts_with("0:") || user.starts_with("root:");
        let shown = if user.is_empty() { "root (no USER)".to_string() } else { user };
        out.push(v(
            "non-root",
            root != want,
            format!("runs as {shown}"),
            format!("runs as {shown}; set USER 65532:65532 or use a :nonroot base"),
        ));
    }
    if !checks.files.is_empty() {
        out.push(v(
            "files",
            m.missing_files.is_empty(),
            format!("present: {}", checks.files.join(", ")),
            format!("missing from the image: {}", m.missing_files.join(", ")),
        ));
    }
    if checks.healthcheck.is_some() {
        out.push(match &m.healthcheck {
            None => skip("healthcheck", "not run"),
            Some(Ok(said)) => {
                v("healthcheck", true, format!("the HEALTHCHECK passed while the app served ({said})"), String::new())
            }
            Some(Err(why)) => v("healthcheck", false, String::new(), why.clone()),
        });
    }
    for t in &checks.targets {
        let id = format!("target-{}", t.target);
        let got = m.targets.iter().find(|(name, _)| *name == t.target).map(|(_, r)| r);
        out.push(match got {
            None => skip(id, "not built"),
            Some(Err(why)) => v(id, false, String::new(), format!("--target {} did not build: {why}", t.target)),
            Some(Ok(shells)) => match t.shell {
                Some(true) => v(
                    id,
                    !shells.is_empty(),
                    format!("--target {} builds and has a shell for debugging: {}", t.target, shells.join(", ")),
                    format!("--target {} builds but has no shell; base it on a :debug image", t.target),
                ),
                Some(false) => v(
                    id,
                    shells.is_empty(),
                    format!("--target {} builds, no shell", t.target),
                    format!("--target {} has a shell: {}", t.target, shells.join(", ")),
                ),
                None => v(id, true, format!("--target {} builds", t.target), String::new()),
            },
        });
    }
    if let Some(run) = &checks.run {
        out.push(match &m.run {
            None => skip("runs", "not run"),
            Some(Err(why)) => v("runs", false, String::new(), why.clone()),
            Some(Ok((code, output))) => {
                let printed = output.lines().any(|l| l.contains(&run.output));
                let shown = output.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
                let shown: String = shown.chars().take(200).collect();
                v(
                    "runs",
                    *code == 0 && printed,
                    format!("exit 0, printed \"{}\"", run.output),
                    if *code != 0 {
                        format!(
                            "exited with code {code}; last output: {}",
                            if shown.is_empty() { "(none)" } else { &shown }
                        )
                    } else {
                        format!(
                            "exit 0, but the output does not contain \"{}\"; it printed: {}",
                            run.output,
                            if shown.is_empty() { "(nothing)" } else { &shown }
                        )
                    },
                )
            }
        });
    }
    out
}

/// The ids of the checks that need an image, for marking them skipped.
pub fn engine_check_ids(c: &Checks) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    if c.max_size_mb.is_some() {
        ids.push("size".into());
    }
    if c.max_baseline_fraction.is_some() {
        ids.push("smaller".into());
    }
    match c.shell {
        Some(true) => ids.push("shell".into()),
        Some(false) => ids.push("no-shell".into()),
        None => {}
    }
    if c.non_root.is_some() {
        ids.push("non-root".into());
    }
    if !c.files.is_empty() {
        ids.push("files".into());
    }
    if c.healthcheck.is_some() {
        ids.push("healthcheck".into());
    }
    ids.extend(c.targets.iter().map(|t| format!("target-{}", t.target)));
    if c.run.is_some() {
        ids.push("runs".into());
    }
    ids
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}

/// Decimal units, as `docker images` prints them, so learners see the same numbers in both.
pub fn human_size(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.0} kB", b / 1e3)
    } else {
        format!("{b} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::Run;
    use crate::rules::lint_bytes;

    fn checks() -> Checks {
        Checks {
            lint: true,
            min_stages: Some(2),
            final_base: Some(vec!["scratch".into()]),
            max_size_mb: Some(10.0),
            shell: Some(false),
            run: Some(Run { args: vec![], output: "Hello".into() }),
            ..Default::default()
        }
    }

    fn facts(size: u64, shells: &[&str]) -> ImageFacts {
        ImageFacts {
            reference: "workbook/03".into(),
            size_bytes: size,
            shells: shells.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn static_checks_both_ways() {
        let (a, f) = lint_bytes(b"FROM ubuntu:24.04\nCMD [\"/app\"]\n");
        let vs = static_verdicts(&checks(), a.as_ref(), &f);
        assert!(vs.iter().all(|v| v.id == "lint" || v.status == Status::Fail), "{vs:?}");
        let (a, f) = lint_bytes(b"FROM golang:1.22 AS b\nRUN CGO_ENABLED=0 go build -o /app\nFROM scratch\nCOPY --from=b /app /app\nUSER 1\nENTRYPOINT [\"/app\"]\n");
        let vs = static_verdicts(&checks(), a.as_ref(), &f);
        assert!(vs.iter().all(|v| v.status == Status::Pass), "{vs:?}");
        let (a, f) = lint_bytes(b"FORM x\n");
        let vs = static_verdicts(&checks(), a.as_ref(), &f);
        assert_eq!(vs[0].status, Status::Fail);
        assert!(vs[1..].iter().all(|v| v.status == Status::Skip));
    }

    #[test]
    fn base_matching() {
        let r = |s: &str| Base::Image(crate::dockerfile::ImageRef::parse(s).unwrap());
        assert!(base_allowed(&r("ubuntu:24.04"), "", "ubuntu:24.04"));
        assert!(!base_allowed(&r("ubuntu"), "", "ubuntu:24.04"));
        assert!(base_allowed(&r("gcr.io/distroless/static-debian12:nonroot"), "", "gcr.io/distroless/static-debian12"));
        assert!(!base_allowed(&Base::Scratch, "scratch", "ubuntu"));
    }

    #[test]
    fn engine_checks_both_ways() {
        let c = checks();
        let good = facts(4_500_000, &[]);
        let m = Measured {
            build: Ok(&good),
            baseline: None,
            run: Some(Ok((0, "Hello\n".into()))),
            missing_files: vec![],
            healthcheck: None,
            targets: vec![],
        };
        assert!(engine_verdicts(&c, &m).iter().all(|v| v.status == Status::Pass));
        let bad = facts(1_280_000_000, &["/bin/sh", "/bin/bash"]);
        let m = Measured {
            build: Ok(&bad),
            baseline: None,
            run: Some(Ok((1, "boom".into()))),
            missing_files: vec![],
            healthcheck: None,
            targets: vec![],
        };
        let vs = engine_verdicts(&c, &m);
        assert_eq!(vs.iter().filter(|v| v.status == Status::Fail).count(), 3, "{vs:?}");
        assert!(vs.iter().any(|v| v.message.contains("/bin/sh, /bin/bash")));
        let m = Measured {
            build: Err("RUN failed".into()),
            baseline: None,
            run: None,
            missing_files: vec![],
            healthcheck: None,
            targets: vec![],
        };
        let vs = engine_verdicts(&c, &m);
        assert_eq!(vs[0].status, Status::Fail);
        assert!(vs[1..].iter().all(|v| v.status == Status::Skip));
    }

    fn measured(f: &ImageFacts, baseline: Option<u64>) -> Measured<'_> {
        Measured {
            build: Ok(f),
            baseline: baseline.map(|b| ("01".into(), b)),
            run: None,
            missing_files: vec![],
            healthcheck: None,
            targets: vec![],
        }
    }

    #[test]
    fn baseline_fraction() {
        let c = Checks { max_baseline_fraction: Some(0.5), ..Default::default() };
        let f = facts(700_000_000, &[]);
        assert_eq!(engine_verdicts(&c, &measured(&f, Some(1_000_000_000)))[1].status, Status::Fail);
        let f = facts(300_000_000, &[]);
        assert_eq!(engine_verdicts(&c, &measured(&f, Some(1_000_000_000)))[1].status, Status::Pass);
        assert_eq!(engine_verdicts(&c, &measured(&f, None))[1].status, Status::Skip);
    }

    #[test]
    fn sizes_read_like_docker() {
        assert_eq!(human_size(4_470_000), "4.5 MB");
        assert_eq!(human_size(1_280_000_000), "1.28 GB");
    }
}
