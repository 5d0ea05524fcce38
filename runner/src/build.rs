//! Step 3 of the data path: context + Dockerfile → an image in the engine, tagged `workbook/<id>` and labelled.
//!
//! We ask for the classic builder (API `version=1`): it is what Docker 20.10 has, Docker 29 and Podman still accept
//! it, and its plain "Step N/M : …" stream is what we turn into progress and into the failing line on error.

use std::collections::{HashMap, VecDeque};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::Result;
use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion, RemoveImageOptionsBuilder};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use crate::context::DOCKERFILE_NAME;
use crate::engine::{short_error, Engine};

pub struct Request<'a> {
    pub tag: String,
    pub context_tar: Vec<u8>,
    pub target: Option<&'a str>,
    pub labels: HashMap<String, String>,
    /// Dockerfile line of each builder step (see `Analysis::step_lines`).
    pub step_lines: &'a [usize],
    /// What to call this build on the progress line ("03", "baseline 01").
    pub title: String,
}

pub struct Built {
    pub seconds: f64,
}

/// A build the learner's Dockerfile broke: enough to fix it, not a wall of text.
#[derive(Debug, Clone)]
pub struct Failure {
    /// `Step 5/7 : RUN go build -o /app .`
    pub step: Option<String>,
    pub line: Option<usize>,
    pub error: String,
    pub tail: Vec<String>,
}

impl Failure {
    pub fn one_line(&self) -> String {
        let at = match (&self.step, self.line) {
            (Some(s), Some(l)) => format!("line {l} ({}) failed: ", s.trim()),
            (Some(s), None) => format!("{} failed: ", s.trim()),
            _ => String::new(),
        };
        format!("the build stopped: {at}{}", self.error.trim())
    }
}

/// Parses "Step 3/9 : RUN …" (Docker) and "STEP 3/9: RUN …" (Podman) into (3, text).
pub fn parse_step(line: &str) -> Option<(usize, String)> {
    let l = line.trim_start();
    let l = l.strip_prefix('[').and_then(|r| r.split_once("] ")).map_or(l, |(_, rest)| rest);
    let rest = l.strip_prefix("Step ").or_else(|| l.strip_prefix("STEP "))?;
    let (n, _) = rest.split_once('/')?;
    let n: usize = n.trim().parse().ok()?;
    let text = rest.split_once(':').map(|(_, t)| t.trim().to_string()).unwrap_or_default();
    Some((n, text))
}

/// Progress on stderr: a spinner with the current step on a terminal, plain step lines otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    title: String,
    started: Instant,
}

impl Progress {
    fn new(title: &str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} building {prefix}  {msg}  [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_prefix(title.to_string());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        if bar.is_none() {
            eprintln!("building {title}");
        }
        Progress { bar, title: title.to_string(), started: Instant::now() }
    }
    fn step(&self, line: &str) {
        let shown: String = line.chars().take(70).collect();
        match &self.bar {
            Some(b) => b.set_message(shown),
            None => eprintln!("  [{}] {shown}  ({:.0}s)", self.title, self.started.elapsed().as_secs_f64()),
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Builds; `Ok(Err(_))` is a failure of the Dockerfile, `Err(_)` a failure to talk to the engine.
pub async fn build(engine: &Engine, req: Request<'_>) -> Result<std::result::Result<Built, Failure>> {
    let docker = &engine.docker;
    let previous = docker.inspect_image(&req.tag).await.ok().and_then(|i| i.id);
    let mut opts = BuildImageOptionsBuilder::default()
        .dockerfile(DOCKERFILE_NAME)
        .t(&req.tag)
        .rm(true)
        .forcerm(true)
        .labels(&req.labels)
        .version(BuilderVersion::BuilderV1);
    if let Some(t) = req.target {
        opts = opts.target(t);
    }
    let started = Instant::now();
    let progress = Progress::new(&req.title);
    let mut stream = docker.build_image(opts.build(), None, Some(bollard::body_full(req.context_tar.into())));
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut step: Option<(usize, String)> = None;
    let mut error: Option<String> = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(s) = info.stream.as_deref() {
                    for line in s.lines().filter(|l| !l.trim().is_empty()) {
                        if let Some((n, _)) = parse_step(line) {
                            progress.step(line.trim());
                            step = Some((n, line.trim().to_string()));
                            tail.clear();
                        } else if !line.starts_with(" ---> ") && !line.starts_with("Removing intermediate") {
                            if tail.len() == 8 {
                                tail.pop_front();
                            }
                            tail.push_back(line.trim_end().chars().take(200).collect());
                        }
                    }
                }
                if let Some(d) = info.error_detail {
                    error = d.message;
                }
            }
            Err(bollard::errors::Error::DockerStreamError { error: e }) => {
                error = Some(e);
                break;
            }
            Err(e) => {
                progress.finish();
                // A 4xx/5xx on the build request itself (bad Dockerfile syntax for the daemon, unknown target,
                // unreachable base) is still the learner's to fix; say it as a build failure.
                if let bollard::errors::Error::DockerResponseServerError { message, .. } = &e {
                    return Ok(Err(Failure { step: None, line: None, error: friendly(message, None), tail: vec![] }));
                }
                return Err(crate::exit::UserError::engine(format!(
                    "the engine failed during the build: {}",
                    short_error(&e)
                )));
            }
        }
    }
    progress.finish();
    if let Some(e) = error {
        let line = step.as_ref().and_then(|(n, _)| req.step_lines.get(n.saturating_sub(1)).copied());
        let step = step.map(|(_, s)| s);
        let error = friendly(&e, step.as_deref());
        return Ok(Err(Failure { step, line, error, tail: tail.into() }));
    }
    let id = docker
        .inspect_image(&req.tag)
        .await
        .map_err(|e| {
            crate::exit::UserError::engine(format!(
                "the build finished but {} is not there: {}",
                req.tag,
                short_error(&e)
            ))
        })?
        .id
        .unwrap_or_default();
    // Rebuilding moves the tag; remove the image it left behind so the engine does not fill with dangling copies.
    if let Some(old) = previous.filter(|old| *old != id) {
        let _ = docker.remove_image(&old, Some(RemoveImageOptionsBuilder::default().build()), None).await;
    }
    Ok(Ok(Built { seconds: started.elapsed().as_secs_f64() }))
}

/// Rewrites the engine's most common build errors into what to do. The failing step matters: a pull that fails on
/// `COPY --from=biuld` is a mistyped stage name, not a missing registry.
fn friendly(e: &str, step: Option<&str>) -> String {
    let e = e.trim();
    let pulls = e.contains("pull access denied")
        || e.contains("manifest unknown")
        || e.contains("not found: manifest")
        || e.contains("no such host")
        || e.contains("dial tcp")
        || e.contains("TLS handshake");
    if pulls && step.is_some_and(|s| s.to_ascii_lowercase().contains("--from=")) {
        let name = step.and_then(|s| s.split("--from=").nth(1)).and_then(|r| r.split_whitespace().next()).unwrap_or("");
        format!("`--from={name}` names no stage above it, so the engine tried to pull an image called `{name}` and could not; check the stage name")
    } else if e.contains("pull access denied") || e.contains("manifest unknown") || e.contains("not found: manifest") {
        format!("{e} (the base image is not available locally and cannot be pulled: check its name, or build the offline stand-ins with `bash scripts/offline-images.sh`)")
    } else if e.contains("no such host") || e.contains("dial tcp") || e.contains("TLS handshake") {
        format!("{e} (no registry is reachable from here: build the offline stand-ins with `bash scripts/offline-images.sh`)")
    } else {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_from_docker_and_podman() {
        assert_eq!(parse_step("Step 3/9 : RUN go build").unwrap(), (3, "RUN go build".into()));
        assert_eq!(parse_step("STEP 2/4: COPY . .").unwrap(), (2, "COPY . .".into()));
        assert_eq!(parse_step("[1/2] STEP 1/3: FROM x").unwrap().0, 1);
        assert!(parse_step(" ---> Running in 1234").is_none());
    }

    #[test]
    fn pull_errors_are_explained_by_the_failing_step() {
        let e = "invalid from flag value biuld: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host";
        let m = friendly(e, Some("Step 8/12 : COPY --from=biuld /app /app"));
        assert!(m.starts_with("`--from=biuld` names no stage above it"), "{m}");
        let m = friendly("pull access denied for ubuntu", Some("Step 1/3 : FROM ubuntu:99"));
        assert!(m.contains("offline-images.sh"), "{m}");
        assert_eq!(
            friendly("The command '/bin/sh -c false' returned a non-zero code: 1", None),
            "The command '/bin/sh -c false' returned a non-zero code: 1"
        );
    }

    #[test]
    fn failure_line() {
        let f = Failure {
            step: Some("Step 5/7 : RUN go build".into()),
            line: Some(9),
            error: "The command '/bin/sh -c go build' returned a non-zero code: 1".into(),
            tail: vec![],
        };
        assert_eq!(
            f.one_line(),
            "the build stopped: line 9 (Step 5/7 : RUN go build) failed: The command '/bin/sh -c go build' returned a non-zero code: 1"
        );
    }
}
