//! `workbook check ID`: the whole data path for one exercise — parse, findings, build, facts, verdicts, report.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use crate::exercise::{self, Exercise, Workspace};
use crate::exit;
use crate::facts::ImageFacts;
use crate::lint::read_input;
use crate::report::{self, Style};
use crate::rules::{self, Finding};
use crate::verdict::{self, Status, Verdict};

pub struct Options {
    pub id: String,
    pub file: Option<PathBuf>,
    pub static_only: bool,
    pub deep: bool,
    pub json: bool,
}

/// `check --json`. Field names are a contract; `findings` and `baseline` are additions.
#[derive(Serialize)]
pub struct Outcome {
    pub exercise: String,
    pub passed: bool,
    pub checks: Vec<Verdict>,
    pub image: Option<ImageFacts>,
    pub findings: Vec<Finding>,
    pub baseline: Option<Baseline>,
}

#[derive(Serialize, Clone)]
pub struct Baseline {
    pub exercise: String,
    pub size_bytes: u64,
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
    let (analysis, findings) = rules::lint_bytes(&bytes);
    let mut checks = verdict::static_verdicts(&ex.spec.checks, analysis.as_ref(), &findings);
    let st = Style::detect();

    if !o.json {
        let mut out = String::new();
        out.push_str(&format!("{} {} — {}\n", st.bold("workbook check"), ex.id, ex.spec.title));
        out.push_str(&format!("Dockerfile: {shown}\n"));
        if let Some(a) = &analysis {
            out.push_str(&report::stage_lines(a, st));
        }
        out.push('\n');
        if findings.is_empty() {
            out.push_str("Findings: none\n");
        } else {
            out.push_str(&format!("Findings ({})\n", report::summary(&findings)));
            report::findings(&mut out, &shown, &findings, st);
        }
        print!("{out}");
    }

    let image = None;
    let baseline: Option<Baseline> = None;
    if o.static_only {
        for id in verdict::engine_check_ids(&ex.spec.checks) {
            checks.push(Verdict {
                id,
                status: Status::Skip,
                message: "needs the engine (run without --static)".into(),
            });
        }
    } else {
        let _ = (o.deep, ex as &Exercise);
        return Err(exit::UserError::engine("the engine checks are not available in this build; use --static"));
    }

    let passed = checks.iter().all(|c| c.status != Status::Fail);
    let outcome = Outcome { exercise: ex.id.clone(), passed, checks, image, findings, baseline };
    if o.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        let mut out = String::from("\nChecks\n");
        report::verdicts(&mut out, &outcome.checks, st);
        let failed = outcome.checks.iter().filter(|c| c.status == Status::Fail).count();
        let total = outcome.checks.iter().filter(|c| c.status != Status::Skip).count();
        if passed {
            out.push_str(&format!("\n{} {} of {} checks pass.\n", st.green("Passed."), total, total));
        } else {
            out.push_str(&format!(
                "\n{} {failed} of {total} checks fail. Stuck? `workbook hint {}` shows the next hint.\n",
                st.red("Not yet."),
                ex.id
            ));
        }
        print!("{out}");
    }
    Ok(if passed { exit::OK } else { exit::FAILED })
}
