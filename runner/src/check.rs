//! `workbook check ID`: the whole data path for one exercise — parse, findings, build, facts, verdicts, report.
//!
//! `evaluate` is the path itself, engine connected and nothing printed; `check`, `verify` and `grade` share it.
//! `run` is the command: it prints the static findings *before* contacting the engine, so a learner without an
//! engine still gets them (then exit code 3).

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use crate::build;
use crate::context;
use crate::dockerfile::Analysis;
use crate::engine::{self, Engine};
use crate::exercise::{self, Exercise, Workspace};
use crate::exit;
use crate::facts;
use crate::facts::ImageFacts;
use crate::lint::read_input;
use crate::report::{self, Style};
use crate::rules::{self, Finding};
use crate::sandbox;
use crate::state::State;
use crate::verdict::{self, Status, Verdict};

pub struct Options {
    pub id: String,
    pub file: Option<PathBuf>,
    pub static_only: bool,
    pub deep: bool,
    pub json: bool,
}

/// `check --json`. Field names are a contract; `findings` and `baseline` are additions.
#[derive(Serialize, Debug)]
pub struct Outcome {
    pub exercise: String,
    pub passed: bool,
    pub checks: Vec<Verdict>,
    pub image: Option<ImageFacts>,
    pub findings: Vec<Finding>,
    pub baseline: Option<Baseline>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Baseline {
    pub exercise: String,
    pub size_bytes: u64,
}

/// The part of a check that needs no engine.
pub struct StaticPart {
    pub analysis: Option<Analysis>,
    pub findings: Vec<Finding>,
    pub verdicts: Vec<Verdict>,
}

pub fn static_part(ex: &Exercise, bytes: &[u8]) -> StaticPart {
    let (analysis, findings) = rules::lint_bytes(bytes);
    let verdicts = verdict::static_verdicts(&ex.spec.checks, analysis.as_ref(), &findings);
    StaticPart { analysis, findings, verdicts }
}

/// One Dockerfile to check against an exercise, with where to build it.
pub struct Subject<'a> {
    pub ex: &'a Exercise,
    pub bytes: Vec<u8>,
    pub context: &'a std::path::Path,
    pub tag: String,
    /// Remove the image afterwards (a `--file` check, `verify`, `grade`).
    pub ephemeral: bool,
}

/// Static part + engine part, nothing printed. Returns the outcome and, for a failed build, its summary.
pub async fn evaluate(
    eng: &Engine,
    s: &Subject<'_>,
    st: StaticPart,
    deep: bool,
) -> Result<(Outcome, Option<build::Failure>)> {
    let StaticPart { analysis, findings, mut verdicts } = st;
    let mut image = None;
    let mut baseline = None;
    let mut failure = None;
    match &analysis {
        Some(a) => {
            let tar = context::tar_context(s.context, &s.bytes)?;
            if s.ephemeral {
                engine::register_image(&s.tag);
            }
            let r = engine_part(eng, s.ex, a, tar, &s.tag, deep).await;
            if s.ephemeral {
                engine::remove_image(&eng.docker, &s.tag).await;
                for t in &s.ex.spec.checks.targets {
                    engine::remove_image(&eng.docker, &target_tag(&s.tag, &t.target)).await;
                }
            }
            let r = r?;
            verdicts.extend(r.verdicts);
            image = r.image;
            baseline = r.baseline;
            failure = r.failure;
        }
        None => skip_engine_checks(s.ex, &mut verdicts, "the Dockerfile does not parse"),
    }
    let passed = verdicts.iter().all(|c| c.status != Status::Fail);
    Ok((Outcome { exercise: s.ex.id.clone(), passed, checks: verdicts, image, findings, baseline }, failure))
}

fn skip_engine_checks(ex: &Exercise, verdicts: &mut Vec<Verdict>, why: &str) {
    for id in std::iter::once("build".to_string()).chain(verdict::engine_check_ids(&ex.spec.checks)) {
        verdicts.push(verdict::skip(id, why));
    }
}

pub fn run(o: &Options) -> Result<i32> {
    let ex = exercise::find(&o.id)?;
    let ws = Workspace::find();
    let path = match (&o.file, &ws) {
        (Some(f), _) => f.clone(),
        (None, Ok(ws)) => ex.dockerfile_in(ws),
        (None, Err(_)) => return Err(ws.err().unwrap()),
    };
    let shown = match &ws {
        Ok(ws) => ws.show(&path),
        Err(_) => path.display().to_string(),
    };
    if !path.exists() && o.file.is_none() {
        return Err(exit::UserError::bad_input(format!(
            "{shown} is missing; restore the starter with `workbook reset {}`",
            ex.id
        )));
    }
    let bytes = read_input(&path)?;
    let stat = static_part(ex, &bytes);
    let st = Style::detect();
    if !o.json {
        print!("{}", static_report(ex, &shown, &stat, st));
    }

    let (outcome, failure) = if o.static_only || stat.analysis.is_none() {
        let StaticPart { findings, mut verdicts, .. } = stat;
        let why =
            if o.static_only { "needs the engine (run without --static)" } else { "the Dockerfile does not parse" };
        skip_engine_checks(ex, &mut verdicts, why);
        let passed = verdicts.iter().all(|c| c.status != Status::Fail);
        (Outcome { exercise: ex.id.clone(), passed, checks: verdicts, image: None, findings, baseline: None }, None)
    } else {
        let ctx = context_dir(ex, ws.as_ref().ok())?;
        // A checked `--file` gets its own tag (so concurrent checks never race on one) and is removed afterwards;
        // the exercise's own Dockerfile keeps `workbook/<id>` for compare and the interview demo.
        let (tag, ephemeral) = match &o.file {
            Some(_) => (format!("{}:file-{:016x}", tag_for(ex), fnv1a(&bytes)), true),
            None => (tag_for(ex), false),
        };
        let subject = Subject { ex, bytes, context: ctx.path(), tag, ephemeral };
        engine::with_engine(async |eng| evaluate(eng, &subject, stat, o.deep).await)?
    };

    // Progress is about the learner's own Dockerfile after a full check; --file and --static do not count.
    if let (Ok(ws), None, false) = (&ws, &o.file, o.static_only) {
        let mut state = State::load(ws);
        let size = outcome.image.as_ref().map(|i| i.size_bytes);
        state.results.insert(ex.id.clone(), crate::state::Result { passed: outcome.passed, size_bytes: size });
        state.save();
    }
    if o.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print!("{}", engine_report(ex, &shown, &outcome, failure.as_ref(), st));
    }
    Ok(if outcome.passed { exit::OK } else { exit::FAILED })
}

fn static_report(ex: &Exercise, shown: &str, stat: &StaticPart, st: Style) -> String {
    let mut out = String::new();
    out.push_str(&format!("{} {} — {}\n", st.bold("workbook check"), ex.id, ex.spec.title));
    out.push_str(&format!("Dockerfile: {shown}\n"));
    if let Some(a) = &stat.analysis {
        out.push_str(&report::stage_lines(a, st));
    }
    out.push('\n');
    if stat.findings.is_empty() {
        out.push_str("Findings: none\n");
    } else {
        out.push_str(&format!("Findings ({})\n", report::summary(&stat.findings)));
        report::findings(&mut out, shown, &stat.findings, st);
    }
    out
}

fn engine_report(ex: &Exercise, shown: &str, outcome: &Outcome, failure: Option<&build::Failure>, st: Style) -> String {
    let mut out = String::new();
    if let Some(f) = &outcome.image {
        out.push_str("\nImage\n");
        let base = outcome.baseline.as_ref().map(|b| (b.exercise.clone(), b.size_bytes));
        report::image_block(&mut out, f, base.as_ref(), st);
    }
    if let Some(f) = failure {
        out.push_str(&format!("\n{}\n", st.red("Build failed")));
        if let Some(step) = &f.step {
            out.push_str(&format!("  at {}{}\n", f.line.map(|l| format!("{shown}:{l}  ")).unwrap_or_default(), step));
        }
        out.push_str(&format!("  {}\n", f.error));
        if !f.tail.is_empty() {
            out.push_str(&format!("  {}\n", st.dim("last output:")));
            for l in &f.tail {
                out.push_str(&format!("    {}\n", st.dim(l)));
            }
        }
    }
    out.push_str("\nChecks\n");
    report::verdicts(&mut out, &outcome.checks, st);
    let failed = outcome.checks.iter().filter(|c| c.status == Status::Fail).count();
    let total = outcome.checks.iter().filter(|c| c.status != Status::Skip).count();
    if outcome.passed {
        out.push_str(&format!("\n{} {total} of {total} checks pass.\n", st.green("Passed.")));
    } else {
        out.push_str(&format!(
            "\n{} {failed} of {total} checks fail. Stuck? `workbook hint {}` shows the next hint.\n",
            st.red("Not yet."),
            ex.id
        ));
    }
    out.push_str(&format!("{}\n", st.dim(&format!("Read: book/{}", ex.spec.chapter))));
    out
}

pub fn target_tag(tag: &str, target: &str) -> String {
    let (repo, t) = tag.split_once(':').unwrap_or((tag, "latest"));
    format!("{repo}:{t}-target-{target}")
}

/// The exercise's build context: the workspace's copy, or the embedded one when checking outside a workspace.
pub enum Context {
    Disk(PathBuf),
    Temp(tempfile::TempDir),
}

impl Context {
    pub fn path(&self) -> &std::path::Path {
        match self {
            Context::Disk(p) => p,
            Context::Temp(t) => t.path(),
        }
    }
}

pub fn context_dir(ex: &Exercise, ws: Option<&Workspace>) -> Result<Context> {
    if let Some(ws) = ws {
        let p = ex.context_in(ws);
        if p.is_dir() {
            return Ok(Context::Disk(p));
        }
    }
    embedded_context(&ex.spec.context)
}

pub fn embedded_context(name: &str) -> Result<Context> {
    let t = tempfile::tempdir()?;
    let dir = exercise::EXERCISES
        .get_dir(name)
        .ok_or_else(|| exit::UserError::bad_input(format!("the embedded context {name} is missing")))?;
    for f in dir.files() {
        let rel = f.path().strip_prefix(name).unwrap_or(f.path());
        std::fs::write(t.path().join(rel), f.contents())?;
    }
    Ok(Context::Temp(t))
}

pub struct EnginePart {
    pub verdicts: Vec<Verdict>,
    pub image: Option<ImageFacts>,
    pub baseline: Option<Baseline>,
    pub failure: Option<build::Failure>,
}

pub fn tag_for(ex: &Exercise) -> String {
    format!("workbook/{}-{}", ex.id, ex.slug)
}

async fn engine_part(
    eng: &Engine,
    ex: &Exercise,
    a: &Analysis,
    tar: Vec<u8>,
    tag: &str,
    deep: bool,
) -> Result<EnginePart> {
    let checks = &ex.spec.checks;
    let tag = tag.to_string();
    let tar_for_targets = if checks.targets.is_empty() { Vec::new() } else { tar.clone() };
    let req = build::Request {
        tag: tag.clone(),
        context_tar: tar,
        target: ex.spec.target.as_deref(),
        labels: engine::labels("check", Some(&ex.id)),
        step_lines: &a.step_lines,
        title: ex.id.clone(),
    };
    match build::build(eng, req).await? {
        Err(f) => {
            // No image, so nothing to compare: do not spend minutes building the baseline.
            let m = verdict::Measured {
                build: Err(f.one_line()),
                baseline: None,
                run: None,
                missing_files: vec![],
                healthcheck: None,
                targets: vec![],
            };
            Ok(EnginePart {
                verdicts: verdict::engine_verdicts(checks, &m),
                image: None,
                baseline: None,
                failure: Some(f),
            })
        }
        Ok(built) => {
            let baseline = match &ex.spec.baseline {
                Some(b) => baseline_size(eng, b).await?,
                None => None,
            };
            let base_pair = baseline.as_ref().map(|b| (b.exercise.clone(), b.size_bytes));
            let f = facts::gather(eng, &tag, deep).await?;
            let missing = facts::missing_files(eng, &tag, &checks.files).await?;
            let limits = sandbox::Limits::from_env();
            let run = match &checks.run {
                Some(r) => {
                    Some(sandbox::run(eng, &tag, &r.args, Some(&ex.id), &limits).await?.for_verdict(limits.timeout))
                }
                None => None,
            };
            let healthcheck = match &checks.healthcheck {
                Some(h) => Some(sandbox::healthcheck(eng, &tag, &h.args, Some(&ex.id), &limits).await?),
                None => None,
            };
            let mut targets = Vec::new();
            for t in &checks.targets {
                targets.push((t.target.clone(), build_target(eng, ex, a, &tar_for_targets, &tag, &t.target).await?));
            }
            let m = verdict::Measured {
                build: Ok(&f),
                baseline: base_pair,
                run,
                missing_files: missing,
                healthcheck,
                targets,
            };
            let mut verdicts = verdict::engine_verdicts(checks, &m);
            verdicts[0].message = format!("built {tag} in {:.1} s", built.seconds);
            Ok(EnginePart { verdicts, image: Some(f), baseline, failure: None })
        }
    }
}

/// Builds `--target NAME` and scans it for shells; `Err` holds why it did not build.
async fn build_target(
    eng: &Engine,
    ex: &Exercise,
    a: &Analysis,
    tar: &[u8],
    tag: &str,
    target: &str,
) -> Result<std::result::Result<Vec<String>, String>> {
    if a.stage_named(target, a.stages.len()).is_none() {
        return Ok(Err(format!("there is no stage named `{target}`")));
    }
    let ttag = target_tag(tag, target);
    // Steps of a --target build are the same steps of the same file, so lines still map.
    let req = build::Request {
        tag: ttag.clone(),
        context_tar: tar.to_vec(),
        target: Some(target),
        labels: engine::labels("check", Some(&ex.id)),
        step_lines: &a.step_lines,
        title: format!("{} --target {target}", ex.id),
    };
    match build::build(eng, req).await? {
        Err(f) => Ok(Err(f.one_line())),
        Ok(_) => Ok(Ok(facts::gather(eng, &ttag, false).await?.shells)),
    }
}

/// Size of an exercise's reference image (the single-stage baseline), built once and reused while the reference
/// solution is unchanged.
pub async fn baseline_size(eng: &Engine, id: &str) -> Result<Option<Baseline>> {
    let bex = exercise::find(id)?;
    let tag = format!("workbook/baseline-{}-{}", bex.id, bex.slug);
    let hash = format!("{:016x}", fnv1a(bex.solution.as_bytes()));
    let current = eng.docker.inspect_image(&tag).await.ok();
    let fresh = current
        .as_ref()
        .and_then(|i| i.config.as_ref())
        .and_then(|c| c.labels.as_ref())
        .and_then(|l| l.get("org.workbook.source"))
        .is_some_and(|h| *h == hash);
    if !fresh {
        eprintln!(
            "building the single-stage baseline (exercise {}'s reference solution) once; later checks reuse it",
            bex.id
        );
        let (analysis, _) = rules::lint_bytes(bex.solution.as_bytes());
        let steps = analysis.map(|a| a.step_lines).unwrap_or_default();
        let ctx = embedded_context(&bex.spec.context)?;
        let mut labels = engine::labels("baseline", Some(&bex.id));
        labels.insert("org.workbook.source".into(), hash);
        let req = build::Request {
            tag: tag.clone(),
            context_tar: context::tar_context(ctx.path(), bex.solution.as_bytes())?,
            target: None,
            labels,
            step_lines: &steps,
            title: format!("baseline {}", bex.id),
        };
        if let Err(f) = build::build(eng, req).await? {
            eprintln!("workbook: the baseline did not build ({}); sizes are shown without comparison", f.one_line());
            return Ok(None);
        }
    }
    let history = eng.docker.image_history(&tag).await.unwrap_or_default();
    let size: u64 = history.iter().map(|h| h.size.max(0) as u64).sum();
    Ok(Some(Baseline { exercise: bex.id.clone(), size_bytes: size }))
}

/// A stable content hash for "is the cached baseline built from this exact solution?"; not for security.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100000001b3))
}
