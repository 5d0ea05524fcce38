//! Step 6 of the data path: findings and verdicts → what the learner reads (or a grader parses).

use std::io::IsTerminal;

use serde::Serialize;

use crate::dockerfile::{Analysis, Base};
use crate::facts::ImageFacts;
use crate::rules::{Finding, Severity};
use crate::verdict::{human_size, Status, Verdict};

/// ANSI styling, off unless stdout is a terminal and `NO_COLOR` is unset (<https://no-color.org>).
#[derive(Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    pub fn detect() -> Style {
        Style { on: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) }
    }
    #[cfg(test)]
    pub fn plain() -> Style {
        Style { on: false }
    }
    fn paint(self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn red(self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn blue(self, s: &str) -> String {
        self.paint("34", s)
    }
    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
    fn severity(self, sev: Severity) -> String {
        let s = format!("{:<7}", sev.as_str());
        match sev {
            Severity::Error => self.red(&s),
            Severity::Warning => self.yellow(&s),
            Severity::Info => self.blue(&s),
        }
    }
}

/// `lint --format json`: one object per file. Field names are a contract.
#[derive(Serialize)]
pub struct LintJson<'a> {
    pub file: String,
    pub stages: Vec<StageJson>,
    pub findings: &'a [Finding],
}

#[derive(Serialize)]
pub struct StageJson {
    pub index: usize,
    pub name: Option<String>,
    pub base: String,
    pub line: usize,
    /// `--platform`, when the stage sets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

pub fn stages_json(a: Option<&Analysis>) -> Vec<StageJson> {
    a.map(|a| {
        a.stages
            .iter()
            .map(|s| StageJson {
                index: s.index,
                name: s.name.clone(),
                base: s.base_text.clone(),
                line: s.line,
                platform: s.platform.clone(),
            })
            .collect()
    })
    .unwrap_or_default()
}

/// `path:line  WB201 error    message` then the hint and the book section, indented.
pub fn findings(out: &mut String, file: &str, findings: &[Finding], st: Style) {
    for f in findings {
        out.push_str(&format!(
            "{}  {} {}  {}\n",
            st.bold(&format!("{file}:{}", f.line)),
            f.rule,
            st.severity(f.severity),
            f.message
        ));
        out.push_str(&format!("    {} {}\n", st.dim("hint:"), f.hint));
        out.push_str(&format!("    {} book/{}\n", st.dim("book:"), f.doc));
    }
}

pub fn summary(findings: &[Finding]) -> String {
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    let (e, w, i) = (count(Severity::Error), count(Severity::Warning), count(Severity::Info));
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}, {}", plural(e, "error"), plural(w, "warning"), i.to_string() + " info")
}

/// One line per stage: how the file is read, so the learner sees what the runner sees.
pub fn stage_lines(a: &Analysis, st: Style) -> String {
    let mut s = String::new();
    for stage in &a.stages {
        let role = if stage.index + 1 == a.stages.len() {
            "final image".to_string()
        } else if a.feeds_final[stage.index] {
            "feeds the final image".to_string()
        } else {
            "not used by the final image".to_string()
        };
        let base = match stage.base {
            Base::Stage(p) => format!("{} (stage {p})", stage.base_text),
            _ => stage.base_text.clone(),
        };
        let name = stage.name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_default();
        s.push_str(&format!("  stage {}{name}  FROM {base}  (line {}, {})\n", stage.index, stage.line, st.dim(&role)));
    }
    s
}

pub fn verdicts(out: &mut String, vs: &[Verdict], st: Style) {
    let width = vs.iter().map(|v| v.id.len()).max().unwrap_or(0);
    for v in vs {
        let mark = match v.status {
            Status::Pass => st.green("✓ pass"),
            Status::Fail => st.red("✗ fail"),
            Status::Skip => st.dim("- skip"),
        };
        out.push_str(&format!("  {mark}  {:<width$}  {}\n", v.id, v.message));
    }
}

/// The size line the lesson is about: "4.5 MB — 285x smaller than the single-stage 1.28 GB".
pub fn size_line(facts: &ImageFacts, baseline: Option<&(String, u64)>) -> String {
    let size = human_size(facts.size_bytes);
    match baseline {
        Some((name, b)) if *b > 0 && facts.size_bytes > 0 => {
            let ratio = *b as f64 / facts.size_bytes as f64;
            if ratio >= 1.05 {
                format!("{size} — {ratio:.0}x smaller than the single-stage {} ({name})", human_size(*b))
                    .replace(" 1x ", " 1.0x ")
            } else {
                format!("{size} — about the size of the single-stage {} ({name})", human_size(*b))
            }
        }
        _ => size,
    }
}

pub fn image_block(out: &mut String, f: &ImageFacts, baseline: Option<&(String, u64)>, st: Style) {
    out.push_str(&format!(
        "  image     {}{}\n",
        f.reference,
        f.standin.as_ref().map(|s| st.dim(&format!("  (built on a local stand-in for {s})"))).unwrap_or_default()
    ));
    out.push_str(&format!("  size      {}\n", size_line(f, baseline)));
    out.push_str(&format!("  layers    {}\n", f.layers.len()));
    let shells = if f.shells.is_empty() { st.green("none") } else { st.yellow(&f.shells.join(", ")) };
    out.push_str(&format!("  shells    {shells}  {}\n", st.dim(&format!("({} scan)", f.shell_scan))));
    out.push_str(&format!(
        "  user      {}\n",
        f.user.as_deref().filter(|u| !u.is_empty()).unwrap_or("root (no USER set)")
    ));
    if let Some(ep) = &f.entrypoint {
        out.push_str(&format!("  entry     {}\n", serde_json::to_string(ep).unwrap_or_default()));
    }
    match f.packages {
        Some(n) => out.push_str(&format!(
            "  packages  {n} OS packages{}\n",
            if f.package_managers.is_empty() {
                String::new()
            } else {
                format!(", package manager: {}", f.package_managers.join(", "))
            }
        )),
        None => out.push_str("  packages  none recorded\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_lines_are_plain_when_not_styled() {
        let (_, f) = crate::rules::lint_bytes(b"FROM scratch\nCOPY a /a\nENTRYPOINT /a\n");
        let mut s = String::new();
        findings(&mut s, "Dockerfile", &f, Style::plain());
        assert!(s.contains("Dockerfile:3  WB201 error    shell-form ENTRYPOINT"), "{s}");
        assert!(s.contains("    hint: Use exec form"));
        assert!(!s.contains('\x1b'));
        assert_eq!(summary(&f), "1 error, 1 warning, 1 info");
    }

    #[test]
    fn size_line_ratio() {
        let f = ImageFacts { size_bytes: 4_470_000, ..Default::default() };
        assert_eq!(
            size_line(&f, Some(&("01".into(), 1_280_000_000))),
            "4.5 MB — 286x smaller than the single-stage 1.28 GB (01)"
        );
        assert_eq!(size_line(&f, None), "4.5 MB");
    }
}
