//! `workbook lint FILE…`: findings for any Dockerfile, no exercise and no engine involved.

use std::path::Path;

use anyhow::Result;

use crate::cli::Format;
use crate::exit::{self, UserError};
use crate::report::{self, LintJson, Style};
use crate::rules::{self, Severity};

/// Dockerfiles are small; anything bigger than this is not one, and reading it whole would only waste memory.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a file the learner named, turning every way that can fail into one line that says what to do.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => UserError::bad_input(format!("{shown}: no such file; check the path")),
        std::io::ErrorKind::PermissionDenied => {
            UserError::bad_input(format!("{shown}: permission denied; make it readable"))
        }
        _ => UserError::bad_input(format!("{shown}: cannot read it ({e})")),
    })?;
    if meta.is_dir() {
        let inside = path.join("Dockerfile");
        return Err(UserError::bad_input(if inside.is_file() {
            format!("{shown} is a folder; name the Dockerfile inside it ({})", inside.display())
        } else {
            format!("{shown} is a folder with no Dockerfile in it; name a Dockerfile")
        }));
    }
    if !meta.is_file() {
        // A FIFO or /dev/zero would block or never end: only regular files are read.
        return Err(UserError::bad_input(format!("{shown} is not a regular file; name a Dockerfile")));
    }
    if meta.len() > MAX_BYTES {
        return Err(UserError::bad_input(format!(
            "{shown} is {} MB; a Dockerfile is a few kB, so this is probably not one",
            meta.len() / 1_000_000
        )));
    }
    std::fs::read(path).map_err(|e| UserError::bad_input(format!("{shown}: cannot read it ({e})")))
}

pub fn run(files: &[std::path::PathBuf], format: Format) -> Result<i32> {
    let st = Style::detect();
    let mut any_error = false;
    let mut json = Vec::new();
    let mut out = String::new();
    let mut total = Vec::new();
    for path in files {
        let bytes = read_input(path)?;
        let (analysis, findings) = rules::lint_bytes(&bytes);
        any_error |= findings.iter().any(|f| f.severity == Severity::Error);
        let file = path.display().to_string();
        match format {
            Format::Json => json.push(serde_json::to_value(LintJson {
                file,
                stages: report::stages_json(analysis.as_ref()),
                findings: &findings,
            })?),
            Format::Human => report::findings(&mut out, &file, &findings, st),
        }
        total.extend(findings);
    }
    match format {
        Format::Json => {
            let v = if json.len() == 1 { json.pop().unwrap() } else { serde_json::Value::Array(json) };
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        Format::Human => {
            let files_word = if files.len() == 1 { "file" } else { "files" };
            out.push_str(&format!("{} in {} {files_word}\n", report::summary(&total), files.len()));
            print!("{out}");
        }
    }
    Ok(if any_error { exit::FAILED } else { exit::OK })
}
