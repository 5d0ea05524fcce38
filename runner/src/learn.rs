//! The learning loop around the checks: hints one tier at a time, the reference solution when earned, resetting a
//! Dockerfile to its starter (asking first, keeping a backup), and laying out a fresh workspace anywhere.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::Result;

use crate::exercise::{self, Workspace, EXERCISES};
use crate::exit::{self, UserError};
use crate::state::State;

pub fn hint(id: &str) -> Result<i32> {
    hint_with(id, "run `workbook hint {id}` again")
}

/// `again` says how to get the next hint where the learner is (`watch` says "press h").
pub fn hint_with(id: &str, again: &str) -> Result<i32> {
    let ex = exercise::find(id)?;
    let ws = Workspace::find()?;
    let mut st = State::load(&ws);
    let hints = &ex.spec.hints;
    let seen = st.hints.get(&ex.id).copied().unwrap_or(0);
    let shown = (seen + 1).min(hints.len());
    for (i, h) in hints.iter().take(shown).enumerate() {
        println!("Hint {} of {}: {h}", i + 1, hints.len());
    }
    if shown == hints.len() {
        println!(
            "\nThat was the last hint. `workbook solution {}` shows the reference once you pass (or with --force).",
            ex.id
        );
    } else {
        println!("\nFor the next one, {}.", again.replace("{id}", &ex.id));
    }
    st.hints.insert(ex.id.clone(), shown);
    st.save();
    Ok(exit::OK)
}

pub fn solution(id: &str, force: bool) -> Result<i32> {
    let ex = exercise::find(id)?;
    let passed = Workspace::find().map(|ws| State::load(&ws).status(&ex.id) == "done").unwrap_or(false);
    if !passed && !force {
        return Err(UserError::bad_input(format!(
            "exercise {} has not passed yet; try `workbook hint {}` first, or add --force to see the solution anyway",
            ex.id, ex.id
        )));
    }
    print!("{}", ex.solution);
    Ok(exit::OK)
}

pub fn reset(id: &str, yes: bool) -> Result<i32> {
    let ex = exercise::find(id)?;
    let ws = Workspace::find()?;
    let path = ex.dockerfile_in(&ws);
    let shown = ws.show(&path);
    let current = std::fs::read(&path).ok();
    if current.as_deref() == Some(ex.starter.as_bytes()) {
        println!("{shown} is already the starter; nothing to do");
        return Ok(exit::OK);
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(UserError::bad_input(format!(
                "reset replaces {shown} with the starter; confirm with --yes (your version is kept as a .bak file)"
            )));
        }
        print!("Replace {shown} with the starter? Your version is kept as a backup. [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("left {shown} as it was");
            return Ok(exit::OK);
        }
    }
    if let Some(old) = current {
        let backup = free_backup_name(&path);
        std::fs::write(&backup, old)
            .map_err(|e| UserError::bad_input(format!("cannot write the backup {}: {e}", backup.display())))?;
        println!("kept your version as {}", ws.show(&backup));
    }
    std::fs::write(&path, ex.starter).map_err(|e| UserError::bad_input(format!("cannot write {shown}: {e}")))?;
    println!("restored the starter in {shown}");
    Ok(exit::OK)
}

/// `Dockerfile.bak`, or `.bak.2`, `.bak.3`… so no earlier backup is ever overwritten either.
fn free_backup_name(path: &Path) -> std::path::PathBuf {
    let base = path.with_extension("bak");
    if !base.exists() {
        return base;
    }
    (2..).map(|n| path.with_extension(format!("bak.{n}"))).find(|p| !p.exists()).expect("some name is free")
}

/// Lays out a new workspace: every exercise and the app, but not the solutions.
pub fn init(dir: &Path) -> Result<i32> {
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(UserError::bad_input(format!(
            "{} exists and is not empty; choose a new folder (nothing was written)",
            dir.display()
        )));
    }
    let root = dir.join("exercises");
    for d in EXERCISES.dirs().filter(|d| d.path() != Path::new("solutions")) {
        for f in d.files() {
            let target = root.join(f.path());
            std::fs::create_dir_all(target.parent().unwrap())?;
            std::fs::write(&target, f.contents())?;
        }
    }
    std::fs::write(dir.join(".gitignore"), format!("{}\n", crate::state::FILE))?;
    println!("created a workbook workspace in {}", dir.display());
    println!("next: cd {} && workbook list && workbook check 01", dir.display());
    Ok(exit::OK)
}
