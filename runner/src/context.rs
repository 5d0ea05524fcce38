//! The build context the engine receives: the exercise's context folder as a tar, plus the learner's Dockerfile.
//!
//! Like the docker CLI, we add the Dockerfile under a private name and list that name in the uploaded
//! `.dockerignore`; both builders then drop it from the context, so `COPY . .` never copies it. We refuse symlinks
//! that point outside the context: the engine would not follow them anyway, and a learner should hear why.

use std::path::{Component, Path, PathBuf};

use anyhow::Result;
use globset::{GlobBuilder, GlobMatcher};

use crate::exit::UserError;

pub const DOCKERFILE_NAME: &str = ".workbook.Dockerfile";

/// One `.dockerignore` line: a glob, and whether it re-includes (`!pattern`).
struct Rule {
    glob: GlobMatcher,
    negate: bool,
}

pub struct Ignore {
    rules: Vec<Rule>,
    /// The file's text, to pass on in the upload.
    text: String,
}

impl Ignore {
    pub fn parse(text: &str) -> Ignore {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negate, pat) = match line.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, line),
            };
            // Docker cleans patterns like filepath.Clean and matches them against the slash path from the root.
            let pat = pat.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/');
            if pat.is_empty() {
                continue;
            }
            if let Ok(g) = GlobBuilder::new(pat).literal_separator(true).build() {
                rules.push(Rule { glob: g.compile_matcher(), negate });
            }
        }
        Ignore { rules, text: text.to_string() }
    }

    /// Whether `rel` (slash-separated, relative to the context) is excluded. A pattern that matches a folder
    /// excludes what is in it, as in Docker; the last matching line wins.
    pub fn excluded(&self, rel: &str) -> bool {
        let mut out = false;
        for r in &self.rules {
            let hit = r.glob.is_match(rel) || ancestors(rel).any(|a| r.glob.is_match(a));
            if hit {
                out = !r.negate;
            }
        }
        out
    }
}

fn ancestors(rel: &str) -> impl Iterator<Item = &str> {
    rel.match_indices('/').map(move |(i, _)| &rel[..i])
}

/// Tars `dir` with `dockerfile` added. Returns the tar bytes; contexts here are small (the Go app is a few kB).
pub fn tar_context(dir: &Path, dockerfile: &[u8]) -> Result<Vec<u8>> {
    if !dir.is_dir() {
        return Err(UserError::bad_input(format!(
            "the build context {} is missing; restore it with `workbook init` in a fresh folder",
            dir.display()
        )));
    }
    let ignore_text = std::fs::read_to_string(dir.join(".dockerignore")).unwrap_or_default();
    let ignore = Ignore::parse(&ignore_text);
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(false);
    let mut files = Vec::new();
    walk(dir, dir, &ignore, &mut files)?;
    for (rel, path) in files {
        b.append_path_with_name(&path, &rel).map_err(|e| UserError::bad_input(format!("{}: {e}", path.display())))?;
    }
    let mut uploaded_ignore = ignore.text.clone();
    uploaded_ignore.push_str(&format!("\n{DOCKERFILE_NAME}\n.dockerignore\n"));
    append_bytes(&mut b, ".dockerignore", uploaded_ignore.as_bytes())?;
    append_bytes(&mut b, DOCKERFILE_NAME, dockerfile)?;
    Ok(b.into_inner()?)
}

fn append_bytes(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) -> Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_cksum();
    b.append_data(&mut h, name, data)?;
    Ok(())
}

fn walk(root: &Path, dir: &Path, ignore: &Ignore, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| UserError::bad_input(format!("{}: cannot read the build context ({e})", dir.display())))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        if rel == ".dockerignore" || ignore.excluded(&rel) {
            continue;
        }
        let ft = e.file_type()?;
        if ft.is_symlink() {
            let target = std::fs::read_link(&path)?;
            if escapes(root, &path, &target) {
                return Err(UserError::bad_input(format!(
                    "{} is a symlink to {}, outside the build context; the engine cannot follow it: copy the file in instead",
                    path.display(),
                    target.display()
                )));
            }
            out.push((rel, path));
        } else if ft.is_dir() {
            out.push((rel, path.clone()));
            walk(root, &path, ignore, out)?;
        } else if ft.is_file() {
            out.push((rel, path));
        }
        // sockets, fifos and devices are skipped, as docker does
    }
    Ok(())
}

/// Whether a symlink at `link` with `target` resolves outside `root` (lexically, as the engine sees the tar).
fn escapes(root: &Path, link: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return true;
    }
    let rel_dir = link.parent().unwrap_or(root).strip_prefix(root).unwrap_or(Path::new(""));
    let mut depth: i64 = 0;
    for c in rel_dir.components().chain(target.components()) {
        match c {
            Component::Normal(_) => depth += 1,
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_semantics() {
        let i = Ignore::parse("# c\n*.md\nbuild/\n!build/keep.txt\n**/*.tmp\n");
        assert!(i.excluded("README.md"));
        assert!(!i.excluded("docs/README.md")); // `*` does not cross folders
        assert!(i.excluded("build/x/y"));
        assert!(!i.excluded("build/keep.txt"));
        assert!(i.excluded("a/b/c.tmp"));
        assert!(!i.excluded("main.go"));
    }

    #[test]
    fn tar_has_dockerfile_and_respects_ignore() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("main.go"), "package main").unwrap();
        std::fs::write(d.path().join("notes.md"), "x").unwrap();
        std::fs::write(d.path().join(".dockerignore"), "*.md\n").unwrap();
        let t = tar_context(d.path(), b"FROM scratch\n").unwrap();
        let mut a = tar::Archive::new(&t[..]);
        let names: Vec<String> =
            a.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
        assert!(names.contains(&"main.go".to_string()));
        assert!(names.contains(&DOCKERFILE_NAME.to_string()));
        assert!(!names.contains(&"notes.md".to_string()));
    }

    #[test]
    fn symlinks_out_of_the_context_are_refused() {
        let d = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc/passwd", d.path().join("passwd")).unwrap();
        let e = tar_context(d.path(), b"FROM scratch\n").unwrap_err();
        assert!(e.to_string().contains("outside the build context"), "{e}");
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("../../x", d.path().join("sub/l")).unwrap();
        assert!(tar_context(d.path(), b"").is_err());
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), "").unwrap();
        std::os::unix::fs::symlink("a", d.path().join("b")).unwrap();
        assert!(tar_context(d.path(), b"").is_ok());
    }
}
