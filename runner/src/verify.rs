//! `workbook verify`: the exercises prove their own checks. Every starter must fail, on exactly the checks it is
//! meant to fail (so a check that cannot fail is caught), and every reference solution must pass — built and run
//! for real. Uses the embedded exercises, so what it verifies is what ships in the binary.

use anyhow::Result;

use crate::check::{self, Subject};
use crate::engine;
use crate::exercise::{self, Exercise};
use crate::exit;
use crate::report::Style;
use crate::verdict::Status;

pub fn run(only: Option<&str>) -> Result<i32> {
    let exercises: Vec<&Exercise> = match only {
        Some(id) => vec![exercise::find(id)?],
        None => exercise::all().iter().collect(),
    };
    let st = Style::detect();
    engine::with_engine(async |eng| {
        let mut problems = 0;
        for ex in &exercises {
            let ctx = check::embedded_context(&ex.spec.context)?;
            for (which, text) in [("starter", ex.starter), ("solution", ex.solution)] {
                let subject = Subject {
                    ex,
                    bytes: text.as_bytes().to_vec(),
                    context: ctx.path(),
                    tag: format!("{}:verify-{which}", check::tag_for(ex)),
                    ephemeral: true,
                };
                let stat = check::static_part(ex, &subject.bytes);
                let (outcome, _) = check::evaluate(eng, &subject, stat, false).await?;
                let failed: Vec<&str> =
                    outcome.checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.as_str()).collect();
                let verdict = if which == "solution" {
                    if outcome.passed {
                        Ok("passes".to_string())
                    } else {
                        let why: Vec<String> = outcome
                            .checks
                            .iter()
                            .filter(|c| c.status == Status::Fail)
                            .map(|c| format!("{}: {}", c.id, c.message))
                            .collect();
                        Err(format!("must pass, but fails: {}", why.join("; ")))
                    }
                } else {
                    let want = &ex.spec.verify.starter_fails;
                    let missing: Vec<&String> = want.iter().filter(|w| !failed.contains(&w.as_str())).collect();
                    let extra: Vec<&&str> = failed.iter().filter(|f| !want.iter().any(|w| w == *f)).collect();
                    if outcome.passed {
                        Err("must fail, but passes".to_string())
                    } else if !missing.is_empty() || !extra.is_empty() {
                        Err(format!("fails on {failed:?}; expected exactly {want:?}"))
                    } else {
                        Ok(format!("fails as intended on {}", failed.join(", ")))
                    }
                };
                match verdict {
                    Ok(m) => println!("  {}  {} {which:<8}  {m}", st.green("✓"), ex.id),
                    Err(m) => {
                        problems += 1;
                        println!("  {}  {} {which:<8}  {m}", st.red("✗"), ex.id);
                    }
                }
            }
        }
        if problems == 0 {
            println!("\nverify: every starter fails as intended and every solution passes");
            Ok(exit::OK)
        } else {
            println!("\nverify: {problems} problem(s)");
            Ok(exit::FAILED)
        }
    })
}
