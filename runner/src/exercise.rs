//! Exercises: what each one asks for (its check spec) and where the learner's files are.
//!
//! The exercises ship inside the binary (rustlings-style), so `workbook init` can lay out a workspace anywhere and a
//! learner cannot pass by editing a spec. What the learner edits — the Dockerfile — and the build context are read
//! from the workspace on disk.

use std::path::{Path, PathBuf};

use anyhow::Result;
use include_dir::{include_dir, Dir};
use serde::Deserialize;

use crate::exit::UserError;

pub static EXERCISES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../exercises");

/// `exercise.toml`: what the exercise is and what its checks demand.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub title: String,
    /// The book page that teaches it, under `book/`.
    pub chapter: String,
    /// Build context, a folder under `exercises/` (the shared Go app lives once, in `app`).
    pub context: String,
    /// Stage to build with `--target`; the default is the last stage.
    #[serde(default)]
    pub target: Option<String>,
    /// Exercise whose reference image the report compares sizes with (the single-stage 01).
    #[serde(default)]
    pub baseline: Option<String>,
    /// Tiered hints, gentlest first.
    #[serde(default)]
    pub hints: Vec<String>,
    pub checks: Checks,
    /// What `workbook verify` expects of the starter.
    #[serde(default)]
    pub verify: Verify,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    /// Checks the starter must fail: proves the exercise's checks can fail, and fail for the intended reason.
    #[serde(default)]
    pub starter_fails: Vec<String>,
}

/// Each field is one check; absent means "not checked in this exercise".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checks {
    /// No error-severity findings.
    #[serde(default = "yes")]
    pub lint: bool,
    pub min_stages: Option<usize>,
    pub max_stages: Option<usize>,
    /// Allowed final bases: `scratch`, or an image reference matched by repository (and tag, when given).
    pub final_base: Option<Vec<String>>,
    /// Size limit for the final image, in MB (10^6 bytes, as `docker images` shows).
    pub max_size_mb: Option<f64>,
    /// The final image must be at most this fraction of the baseline's (02 must really shrink 01).
    pub max_baseline_fraction: Option<f64>,
    /// `false`: no shell may be left in the image; `true`: a shell must be there (the single-stage lesson).
    pub shell: Option<bool>,
    pub non_root: Option<bool>,
    /// The image must run (with these arguments) and print a line containing `output`.
    pub run: Option<Run>,
    /// Paths that must exist in the final image (e.g. CA certificates).
    #[serde(default)]
    pub files: Vec<String>,
    /// Stages that must exist under these names.
    #[serde(default)]
    pub stage_names: Vec<String>,
    /// The image's HEALTHCHECK must pass while the app runs with these arguments.
    pub healthcheck: Option<Healthcheck>,
    /// Other targets (`--target NAME`) that must build, and whether each must have a shell.
    #[serde(default)]
    pub targets: Vec<Target>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Healthcheck {
    #[serde(default)]
    pub args: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub target: String,
    pub shell: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    #[serde(default)]
    pub args: Vec<String>,
    pub output: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug)]
pub struct Exercise {
    /// Two digits: `03`.
    pub id: String,
    /// `multi-stage`.
    pub slug: String,
    /// Folder name: `03-multi-stage`.
    pub dir: String,
    pub spec: Spec,
    pub starter: &'static str,
    pub solution: &'static str,
}

impl Exercise {
    pub fn dockerfile_in(&self, ws: &Workspace) -> PathBuf {
        ws.root.join("exercises").join(&self.dir).join("Dockerfile")
    }
    pub fn context_in(&self, ws: &Workspace) -> PathBuf {
        ws.root.join("exercises").join(&self.spec.context)
    }
}

/// All exercises, in order. Parsed once; a broken embedded spec is a bug caught by the tests, not a user error.
pub fn all() -> &'static [Exercise] {
    static ALL: std::sync::OnceLock<Vec<Exercise>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<Exercise> = EXERCISES
            .dirs()
            .filter_map(|d| {
                let spec = d.get_file(d.path().join("exercise.toml"))?;
                let dir = d.path().file_name()?.to_str()?.to_string();
                let (id, slug) = dir.split_once('-')?;
                let text = |name: &str| d.get_file(d.path().join(name)).and_then(|f| f.contents_utf8()).unwrap_or("");
                let solution = EXERCISES
                    .get_file(Path::new("solutions").join(&dir).join("Dockerfile"))
                    .and_then(|f| f.contents_utf8())
                    .unwrap_or("");
                let spec: Spec = toml::from_str(spec.contents_utf8()?)
                    .unwrap_or_else(|e| panic!("exercises/{dir}/exercise.toml is invalid: {e}"));
                Some(Exercise {
                    id: id.to_string(),
                    slug: slug.to_string(),
                    dir: dir.clone(),
                    spec,
                    starter: text("Dockerfile"),
                    solution,
                })
            })
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    })
}

/// Accepts `03`, `3`, `multi-stage` and `03-multi-stage`; anything else is a one-line error listing the valid ids.
pub fn find(query: &str) -> Result<&'static Exercise> {
    let q = query.trim().to_ascii_lowercase();
    let path_like = q.contains(['/', '\\', '\0']) || q.contains("..");
    let found = if path_like {
        None
    } else if let Ok(n) = q.parse::<u32>() {
        all().iter().find(|e| e.id.parse::<u32>().ok() == Some(n))
    } else {
        all().iter().find(|e| e.slug == q || e.dir == q)
    };
    found.ok_or_else(|| {
        let valid: Vec<String> = all().iter().map(|e| format!("{} ({})", e.id, e.slug)).collect();
        let shown: String = query.chars().map(|c| if c.is_control() { '?' } else { c }).take(60).collect();
        UserError::bad_input(format!("no exercise `{shown}`; valid ids: {}", valid.join(", ")))
    })
}

/// A learner's workspace: the folder holding `exercises/`.
pub struct Workspace {
    pub root: PathBuf,
}

impl Workspace {
    /// `WORKBOOK_DIR`, else the nearest folder at or above the current one that has `exercises/`.
    pub fn find() -> Result<Workspace> {
        if let Some(d) = std::env::var_os("WORKBOOK_DIR") {
            let root = PathBuf::from(d);
            if root.join("exercises").is_dir() {
                return Ok(Workspace { root });
            }
            return Err(UserError::bad_input(format!(
                "WORKBOOK_DIR={} has no exercises/ folder; point it at a workspace made by `workbook init`",
                root.display()
            )));
        }
        let cwd = std::env::current_dir()
            .map_err(|e| UserError::bad_input(format!("cannot read the current folder: {e}")))?;
        for dir in cwd.ancestors() {
            if dir.join("exercises").is_dir() && all().iter().any(|e| dir.join("exercises").join(&e.dir).is_dir()) {
                return Ok(Workspace { root: dir.to_path_buf() });
            }
        }
        Err(UserError::bad_input(
            "no workbook workspace here (no exercises/ folder above this one); cd into one, or create it with `workbook init DIR`",
        ))
    }

    /// Shown paths are relative to the workspace, as a learner thinks of them.
    pub fn show(&self, p: &Path) -> String {
        p.strip_prefix(&self.root).unwrap_or(p).display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_exercise_parses_and_has_its_parts() {
        assert!(all().len() >= 3);
        for e in all() {
            assert_eq!(e.id.len(), 2, "{}", e.dir);
            assert!(!e.starter.is_empty(), "{} has no starter", e.dir);
            assert!(!e.solution.is_empty(), "{} has no solution", e.dir);
            assert!(EXERCISES.get_file(format!("{}/README.md", e.dir)).is_some(), "{} has no README", e.dir);
            assert!(!e.spec.hints.is_empty(), "{} has no hints", e.dir);
            assert!(EXERCISES.get_dir(&e.spec.context).is_some(), "{}: context {} missing", e.dir, e.spec.context);
        }
    }

    #[test]
    fn ids_in_every_accepted_form() {
        for q in ["03", "3", "multi-stage", "03-multi-stage", "Multi-Stage", " 03 "] {
            assert_eq!(find(q).unwrap().id, "03", "{q}");
        }
        for q in ["99", "../03", "03/..", "/etc/passwd", "", "multi", "a\0b"] {
            let e = find(q).unwrap_err();
            let u = e.downcast_ref::<UserError>().unwrap();
            assert_eq!(u.code, crate::exit::BAD_INPUT);
            assert!(u.message.contains("valid ids: 01"), "{}", u.message);
        }
    }
}
