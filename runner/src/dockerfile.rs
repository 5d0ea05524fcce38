//! Step 1 of the data path: Dockerfile text → a stage model the rules can reason about.
//!
//! Parsing itself is `parse-dockerfile`'s job (heredocs, `# escape=`, continuations, spans). This module adds what
//! the lesson needs on top: which stage is which, what each one is built `FROM` once global `ARG`s are expanded,
//! and which stages actually reach the final image. Every position is turned into a 1-based line once, here, so no
//! rule has to think about byte offsets.

use std::collections::HashMap;

use parse_dockerfile::{Command, Instruction, Source};

/// What a stage's `FROM` points at, after `ARG` expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// `FROM scratch`: an empty filesystem.
    Scratch,
    /// `FROM <earlier stage>`: inherits that stage's whole filesystem.
    Stage(usize),
    /// An image from a registry (or the local store).
    Image(ImageRef),
}

/// A parsed image reference; kept small on purpose: the rules only need the repository and the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// As written (after ARG expansion), e.g. `gcr.io/distroless/static-debian12:nonroot`.
    pub full: String,
    /// Repository path without registry-less defaults, e.g. `gcr.io/distroless/static-debian12`.
    pub repo: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// Validates the reference ourselves: `parse-dockerfile` accepts any bytes (even NUL) as an image name, and a
    /// learner deserves to hear about a typo before a build fails on it.
    pub fn parse(s: &str) -> Result<ImageRef, String> {
        if s.is_empty() {
            return Err("the image name is empty".into());
        }
        if let Some(c) = s.chars().find(|c| c.is_control() || c.is_whitespace()) {
            return Err(format!("the image name contains the character {c:?}"));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                if !d.contains(':') || d.len() < 8 {
                    return Err(format!("`@{d}` is not a digest (expected e.g. @sha256:…)"));
                }
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        // A tag is after the last ':' that comes after the last '/' (a ':' before it is a registry port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (repo, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        if repo.is_empty() {
            return Err("the image name has no repository".into());
        }
        let (registry, path) = match repo.split_once('/') {
            Some((first, p)) if first.contains('.') || first.contains(':') || first == "localhost" => (Some(first), p),
            _ => (None, repo),
        };
        if let Some(r) = registry {
            if !r.chars().all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c)) {
                return Err(format!("`{r}` is not a valid registry host"));
            }
        }
        for part in path.split('/') {
            let ok = !part.is_empty()
                && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
                && part.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
            if !ok {
                return Err(if part.chars().any(|c| c.is_ascii_uppercase()) {
                    format!("repository names must be lowercase (`{part}`)")
                } else {
                    format!("`{part}` is not a valid repository name component")
                });
            }
        }
        if let Some(t) = tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                && !t.starts_with(['.', '-']);
            if !ok {
                return Err(format!("`{t}` is not a valid tag"));
            }
        }
        Ok(ImageRef { full: s.to_string(), repo: repo.to_string(), tag: tag.map(str::to_string), digest })
    }

    /// The last path component, e.g. `static-debian12` or `golang`: what people mean by "the image".
    pub fn short_name(&self) -> &str {
        self.repo.rsplit('/').next().unwrap_or(&self.repo)
    }
}

/// One instruction, reduced to what the rules look at.
#[derive(Debug, Clone)]
pub struct Inst {
    /// Upper-case keyword (`RUN`, `COPY`, …), whatever case the file used.
    pub keyword: &'static str,
    pub line: usize,
    /// Arguments with continuations joined and in-continuation comments dropped, as the shell would see them.
    pub text: String,
    /// Exec form (`["a","b"]`) for RUN/CMD/ENTRYPOINT.
    pub exec: Option<Vec<String>>,
    /// `--name=value` flags (`--from`, `--chown`, `--mount`, …), names lower-cased.
    pub flags: Vec<(String, Option<String>)>,
    /// COPY/ADD sources and destination.
    pub sources: Vec<String>,
    pub dest: Option<String>,
    /// Bodies of heredocs: what a `RUN <<EOF` actually runs.
    pub heredocs: Vec<String>,
}

impl Inst {
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_deref())
    }

    /// Shell-form for RUN/CMD/ENTRYPOINT: the instruction needs `/bin/sh -c` at run time.
    pub fn is_shell_form(&self) -> bool {
        matches!(self.keyword, "RUN" | "CMD" | "ENTRYPOINT") && self.exec.is_none()
    }

    /// Everything this instruction would hand to a shell, heredoc bodies included.
    pub fn script(&self) -> String {
        let mut s = self.text.clone();
        for h in &self.heredocs {
            s.push('\n');
            s.push_str(h);
        }
        s
    }
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub index: usize,
    /// As written after `AS`; compare with `name_lc`, since stage names are case-insensitive.
    pub name: Option<String>,
    pub name_lc: Option<String>,
    /// The `FROM` argument after ARG expansion, as shown to users and in JSON.
    pub base_text: String,
    pub base: Base,
    pub platform: Option<String>,
    pub line: usize,
    pub instructions: Vec<Inst>,
}

impl Stage {
    /// How the report names a stage: by its name when it has one, else by index.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("stage {} `{n}`", self.index),
            None => format!("stage {}", self.index),
        }
    }
}

/// A problem that makes the text not a (buildable) Dockerfile: rule WB001.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Analysis {
    pub stages: Vec<Stage>,
    /// `# workbook ignore=WB302,WB303` comments, by the line they stand on.
    pub suppressions: HashMap<usize, Vec<String>>,
    /// Stages whose files can reach the final image (final stage, its `FROM` chain, `COPY --from` sources).
    pub feeds_final: Vec<bool>,
    /// Stages whose whole filesystem *is* the final image's: the final stage and its `FROM <stage>` chain.
    pub in_final_fs: Vec<bool>,
    /// Problems found while building the model that are not parse errors (blank base, bad reference).
    pub invalid: Vec<Invalid>,
    /// Line of every instruction in file order, global ARGs and FROMs included: the builder's "Step N/M" counts
    /// exactly these, so a failed step maps back to its line.
    pub step_lines: Vec<usize>,
}

impl Analysis {
    pub fn final_stage(&self) -> &Stage {
        self.stages.last().expect("an Analysis always has at least one stage")
    }

    /// Follows `FROM <stage>` links down to the stage that names a real base (scratch or an image).
    pub fn root_of(&self, index: usize) -> &Stage {
        let mut s = &self.stages[index];
        while let Base::Stage(parent) = s.base {
            s = &self.stages[parent];
        }
        s
    }

    /// The final stage and the stages it is built `FROM`, final first.
    pub fn final_chain(&self) -> Vec<&Stage> {
        let mut chain = vec![self.final_stage()];
        while let Base::Stage(p) = chain.last().unwrap().base {
            chain.push(&self.stages[p]);
        }
        chain
    }

    /// Looks a `--from` / `FROM` word up among the stages defined *before* `before`.
    pub fn stage_named(&self, word: &str, before: usize) -> Option<usize> {
        let lc = word.to_ascii_lowercase();
        self.stages[..before].iter().rev().find(|s| s.name_lc.as_deref() == Some(lc.as_str())).map(|s| s.index)
    }
}

/// Maps byte offsets to 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        Lines(starts)
    }
    fn line(&self, offset: usize) -> usize {
        match self.0.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// Reads raw bytes as a Dockerfile: anything that is not text is an `Invalid`, never a panic.
pub fn analyze_bytes(bytes: &[u8]) -> Result<Analysis, Invalid> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        Invalid { line, message: "the file is not UTF-8 text; save it as UTF-8".into() }
    })?;
    analyze(text)
}

pub fn analyze(text: &str) -> Result<Analysis, Invalid> {
    // Strip the BOM ourselves so that parse-dockerfile's spans are offsets into the same text we count lines in.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(pos) = text.find('\0') {
        let line = text[..pos].matches('\n').count() + 1;
        return Err(Invalid {
            line,
            message: "the file contains a NUL byte; it looks binary, not a Dockerfile".into(),
        });
    }
    let lines = Lines::new(text);
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Err(Invalid { line: 1, message: "the file is empty: a Dockerfile needs at least one FROM".into() });
    }
    let parsed = parse_dockerfile::parse(text).map_err(|e| Invalid { line: e.line().max(1), message: explain(&e) })?;
    let escape = parsed.parser_directives.escape.as_ref().map_or('\\', |d| d.value.value);

    // Global ARGs (before the first FROM) are the only ones FROM can see.
    let mut args: HashMap<String, String> = HashMap::new();
    let mut step_lines = Vec::new();
    for arg in parsed.global_args() {
        step_lines.push(lines.line(arg.arg.span.start));
        for (k, v) in split_arg(&arg.arguments.value) {
            args.insert(k, v.unwrap_or_default());
        }
    }

    let mut stages: Vec<Stage> = Vec::new();
    let mut invalid = Vec::new();
    for (index, st) in parsed.stages().enumerate() {
        let from = st.from;
        let line = lines.line(from.from.span.start);
        let base_text = expand_args(&from.image.value, &args);
        let name = from.as_.as_ref().map(|(_, n)| n.value.to_string());
        let lc = base_text.to_ascii_lowercase();
        let base = if lc == "scratch" {
            Base::Scratch
        } else if let Some(i) = stages.iter().rev().find(|s| s.name_lc.as_deref() == Some(lc.as_str())).map(|s| s.index)
        {
            Base::Stage(i)
        } else {
            match ImageRef::parse(&base_text) {
                Ok(r) => Base::Image(r),
                Err(why) => {
                    let shown = if base_text.is_empty() { String::from("(empty)") } else { base_text.clone() };
                    invalid.push(Invalid {
                        line,
                        message: format!(
                            "FROM {shown}: {why}{}",
                            if from.image.value.contains('$') {
                                " (after ARG expansion; give the ARG a default before the first FROM)"
                            } else {
                                ""
                            }
                        ),
                    });
                    Base::Scratch
                }
            }
        };
        let platform = from
            .options
            .iter()
            .find(|f| f.name.value.eq_ignore_ascii_case("platform"))
            .and_then(|f| f.value.as_ref().map(|v| v.value.to_string()));
        let instructions: Vec<Inst> = st.instructions.iter().filter_map(|i| convert(i, escape, &lines)).collect();
        step_lines.push(line);
        step_lines.extend(instructions.iter().map(|i| i.line));
        stages.push(Stage {
            index,
            name_lc: name.as_ref().map(|n| n.to_ascii_lowercase()),
            name,
            base_text,
            base,
            platform,
            line,
            instructions,
        });
    }

    let mut a = Analysis {
        stages,
        suppressions: suppressions(text),
        feeds_final: vec![],
        in_final_fs: vec![],
        invalid,
        step_lines,
    };
    a.feeds_final = reach(&a, true);
    a.in_final_fs = reach(&a, false);
    Ok(a)
}

/// Which stages reach the final one, walking `FROM <stage>` always and `COPY --from` / `RUN --mount=from=` when
/// `with_copies`. Each stage only points backwards, so one reverse sweep settles it in linear time.
fn reach(a: &Analysis, with_copies: bool) -> Vec<bool> {
    let n = a.stages.len();
    let mut live = vec![false; n];
    live[n - 1] = true;
    for i in (0..n).rev() {
        if !live[i] {
            continue;
        }
        let s = &a.stages[i];
        if let Base::Stage(p) = s.base {
            live[p] = true;
        }
        if with_copies {
            for inst in &s.instructions {
                for from in copy_sources(inst) {
                    if let Some(j) = resolve_from(a, &from, i) {
                        live[j] = true;
                    }
                }
            }
        }
    }
    live
}

/// The `--from` of a COPY and the `from=` of every `RUN --mount`.
pub fn copy_sources(inst: &Inst) -> Vec<String> {
    let mut out = Vec::new();
    if inst.keyword == "COPY" || inst.keyword == "ADD" {
        if let Some(f) = inst.flag("from") {
            out.push(f.to_string());
        }
    }
    if inst.keyword == "RUN" {
        for (n, v) in &inst.flags {
            if n == "mount" {
                if let Some(v) = v {
                    out.extend(v.split(',').filter_map(|kv| kv.strip_prefix("from=")).map(str::to_string));
                }
            }
        }
    }
    out
}

/// Resolves a `--from` value the way Docker does: a number is a stage index, a word an earlier stage's name;
/// anything else is an image. Only stages before `current` qualify.
pub fn resolve_from(a: &Analysis, word: &str, current: usize) -> Option<usize> {
    if let Ok(i) = word.parse::<usize>() {
        return (i < current).then_some(i);
    }
    a.stage_named(word, current)
}

fn convert(i: &Instruction<'_>, escape: char, lines: &Lines) -> Option<Inst> {
    fn flags(opts: &[parse_dockerfile::Flag<'_>]) -> Vec<(String, Option<String>)> {
        opts.iter()
            .map(|f| (f.name.value.to_ascii_lowercase(), f.value.as_ref().map(|v| v.value.to_string())))
            .collect()
    }
    let mut inst = Inst {
        keyword: "",
        line: 0,
        text: String::new(),
        exec: None,
        flags: vec![],
        sources: vec![],
        dest: None,
        heredocs: vec![],
    };
    let (kw, start) = match i {
        Instruction::Run(r) => {
            inst.flags = flags(&r.options);
            inst.heredocs = r.here_docs.iter().map(|h| h.value.to_string()).collect();
            command(&mut inst, &r.arguments, escape);
            ("RUN", r.run.span.start)
        }
        Instruction::Cmd(c) => {
            command(&mut inst, &c.arguments, escape);
            ("CMD", c.cmd.span.start)
        }
        Instruction::Entrypoint(e) => {
            command(&mut inst, &e.arguments, escape);
            ("ENTRYPOINT", e.entrypoint.span.start)
        }
        Instruction::Copy(c) => {
            inst.flags = flags(&c.options);
            copy_like(&mut inst, &c.src, &c.dest.value);
            ("COPY", c.copy.span.start)
        }
        Instruction::Add(c) => {
            inst.flags = flags(&c.options);
            copy_like(&mut inst, &c.src, &c.dest.value);
            ("ADD", c.add.span.start)
        }
        Instruction::Env(e) => {
            inst.text = e.arguments.value.to_string();
            ("ENV", e.env.span.start)
        }
        Instruction::Arg(e) => {
            inst.text = e.arguments.value.to_string();
            ("ARG", e.arg.span.start)
        }
        Instruction::User(u) => {
            inst.text = u.arguments.value.trim().to_string();
            ("USER", u.user.span.start)
        }
        Instruction::Workdir(w) => {
            inst.text = w.arguments.value.to_string();
            ("WORKDIR", w.workdir.span.start)
        }
        Instruction::Label(l) => {
            inst.text = l.arguments.value.to_string();
            ("LABEL", l.label.span.start)
        }
        Instruction::Healthcheck(h) => ("HEALTHCHECK", h.healthcheck.span.start),
        Instruction::Expose(e) => ("EXPOSE", e.expose.span.start),
        Instruction::Shell(s) => ("SHELL", s.shell.span.start),
        Instruction::Volume(v) => ("VOLUME", v.volume.span.start),
        Instruction::Stopsignal(s) => ("STOPSIGNAL", s.stopsignal.span.start),
        Instruction::Onbuild(o) => ("ONBUILD", o.onbuild.span.start),
        Instruction::Maintainer(m) => ("MAINTAINER", m.maintainer.span.start),
        Instruction::From(_) => return None,
        _ => ("UNKNOWN", 0),
    };
    inst.keyword = kw;
    inst.line = lines.line(start);
    Some(inst)
}

fn command(inst: &mut Inst, c: &Command<'_>, escape: char) {
    match c {
        Command::Exec(e) => {
            inst.exec = Some(e.value.iter().map(|s| s.value.to_string()).collect());
            inst.text = inst.exec.as_ref().unwrap().join(" ");
        }
        Command::Shell(s) => inst.text = join_continuations(s.value, escape),
        // The enum is non-exhaustive; a future form is treated as shell form, the conservative reading.
        _ => {}
    }
}

fn copy_like(inst: &mut Inst, src: &[Source<'_>], dest: &str) {
    for s in src {
        match s {
            Source::Path(p) => inst.sources.push(p.value.to_string()),
            Source::HereDoc(h) => inst.heredocs.push(h.value.to_string()),
            _ => {}
        }
    }
    inst.dest = Some(dest.to_string());
    inst.text = format!("{} {dest}", inst.sources.join(" "));
}

/// Shell-form text keeps continuations raw; join them and drop the comment lines Docker removes inside them.
pub fn join_continuations(raw: &str, escape: char) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut lines = raw.split('\n').peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if !first && line.trim_start().starts_with('#') {
            continue;
        }
        first = false;
        match line.trim_end().strip_suffix(escape) {
            Some(body) if lines.peek().is_some() => {
                out.push_str(body);
                out.push(' ');
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// `ARG A=1 B="two"` → [(A, Some(1)), (B, Some(two))]; `ARG C` → [(C, None)].
fn split_arg(s: &str) -> Vec<(String, Option<String>)> {
    s.split_whitespace()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.trim_matches(['"', '\'']).to_string())),
            None => (kv.to_string(), None),
        })
        .collect()
}

/// Expands `$X`, `${X}`, `${X:-d}`, `${X-d}`, `${X:+w}` with the global ARG defaults, as Docker does for FROM.
pub fn expand_args(s: &str, args: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        if chars.peek().map(|&(_, c)| c) == Some('{') {
            chars.next();
            let mut inner = String::new();
            for (_, c) in chars.by_ref() {
                if c == '}' {
                    break;
                }
                inner.push(c);
            }
            let (name, op, word) = match inner.find([':', '-', '+']) {
                Some(i) => {
                    let rest = &inner[i..];
                    let (op, w) = if let Some(w) = rest.strip_prefix(":-") {
                        (":-", w)
                    } else if let Some(w) = rest.strip_prefix(":+") {
                        (":+", w)
                    } else if let Some(w) = rest.strip_prefix('-') {
                        ("-", w)
                    } else if let Some(w) = rest.strip_prefix('+') {
                        ("+", w)
                    } else {
                        ("", "")
                    };
                    (&inner[..i], op, w)
                }
                None => (inner.as_str(), "", ""),
            };
            let val = args.get(name);
            let set = val.is_some_and(|v| !v.is_empty());
            match op {
                ":-" => out.push_str(if set { val.unwrap() } else { word }),
                "-" => out.push_str(val.map_or(word, |v| v.as_str())),
                ":+" => out.push_str(if set { word } else { "" }),
                "+" => out.push_str(if val.is_some() { word } else { "" }),
                _ => out.push_str(val.map_or("", |v| v.as_str())),
            }
        } else {
            let mut name = String::new();
            while let Some(&(_, c)) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    name.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            if name.is_empty() {
                out.push('$');
            } else {
                out.push_str(args.get(&name).map_or("", |v| v.as_str()));
            }
        }
    }
    out
}

/// `# workbook ignore=WB302,WB303` → suppressions for the instruction on the next line.
fn suppressions(text: &str) -> HashMap<usize, Vec<String>> {
    let mut map = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        let Some(rest) = t.strip_prefix('#') else { continue };
        let Some(rest) = rest.trim_start().strip_prefix("workbook") else { continue };
        let Some(ids) = rest.trim_start().strip_prefix("ignore=") else { continue };
        let ids = ids.split([',', ' ']).filter(|s| !s.is_empty()).map(|s| s.to_ascii_uppercase()).collect();
        map.insert(i + 1, ids);
    }
    map
}

/// parse-dockerfile's messages are terse ("unknown instruction"); say what to do about each.
fn explain(e: &parse_dockerfile::Error) -> String {
    let m = e.to_string();
    // The crate appends " at line:col"; we print the line ourselves.
    let m = m.split(" at ").next().unwrap_or(&m).to_string();
    let hint = if m.contains("unknown instruction") {
        "; check the spelling (FROM, RUN, COPY, CMD, ENTRYPOINT, …) or end the previous line with `\\` to continue it"
    } else if m.contains("here") && m.contains("end") {
        "; a heredoc must end with its delimiter alone on a line"
    } else if m.contains("expected FROM") {
        "; only ARG may come before the first FROM"
    } else if m.contains("no stage") {
        "; a Dockerfile needs at least one FROM"
    } else if m.contains("duplicate") {
        "; give each stage its own name"
    } else {
        ""
    };
    format!("not a valid Dockerfile: {m}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Analysis {
        analyze(s).unwrap()
    }

    #[test]
    fn stages_names_and_bases() {
        let x = a("ARG GO=1.22\nFROM --platform=$BUILDPLATFORM golang:${GO} AS Build\nRUN go build\nfrom scratch\ncopy --from=build /app /app\n");
        assert_eq!(x.stages.len(), 2);
        assert_eq!(x.stages[0].base_text, "golang:1.22");
        assert_eq!(x.stages[0].name_lc.as_deref(), Some("build"));
        assert_eq!(x.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
        assert_eq!(x.stages[1].base, Base::Scratch);
        assert_eq!(x.stages[1].line, 4);
        assert_eq!(x.stages[1].instructions[0].line, 5);
        assert_eq!(x.feeds_final, vec![true, true]);
        assert_eq!(x.in_final_fs, vec![false, true]);
    }

    #[test]
    fn from_stage_is_case_insensitive_and_only_backwards() {
        let x = a("FROM alpine:3 AS Base\nFROM BASE\n");
        assert_eq!(x.stages[1].base, Base::Stage(0));
        assert_eq!(x.in_final_fs, vec![true, true]);
    }

    #[test]
    fn crlf_bom_and_heredoc() {
        let x = a("\u{feff}FROM debian:12\r\nRUN <<EOF\r\nFROM nothing\r\nEOF\r\nCMD [\"x\"]\r\n");
        assert_eq!(x.stages.len(), 1);
        let run = &x.stages[0].instructions[0];
        assert!(run.heredocs[0].contains("FROM nothing"));
        assert_eq!(x.stages[0].instructions[1].line, 5);
    }

    #[test]
    fn continuation_with_comment_and_backtick_escape() {
        let x = a("FROM debian:12\nRUN apt-get update && \\\n# a comment\n    apt-get install -y curl\n");
        assert_eq!(x.stages[0].instructions[0].text, "apt-get update &&      apt-get install -y curl");
        let y = a("# escape=`\nFROM debian:12\nRUN echo a `\n  b\n");
        assert_eq!(y.stages[0].instructions[0].text, "echo a    b");
    }

    #[test]
    fn invalid_inputs_are_errors_not_panics() {
        assert!(analyze("").is_err());
        assert!(analyze("# only a comment\n").is_err());
        assert!(analyze("FROM a\0b\n").is_err());
        assert!(analyze_bytes(&[0x46, 0xff, 0xfe]).is_err());
        let e = analyze("FROM a:1\nFORM b\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unknown instruction"), "{}", e.message);
        let e = analyze("FROM a:1\nRUN <<EOF\necho\n").unwrap_err();
        assert!(e.message.contains("not a valid Dockerfile"), "{}", e.message);
    }

    #[test]
    fn image_refs() {
        let r = ImageRef::parse("gcr.io/distroless/static-debian12:nonroot").unwrap();
        assert_eq!(r.repo, "gcr.io/distroless/static-debian12");
        assert_eq!(r.tag.as_deref(), Some("nonroot"));
        assert_eq!(ImageRef::parse("localhost:5000/app").unwrap().tag, None);
        assert!(ImageRef::parse("Ubuntu:24.04").is_err());
        assert!(ImageRef::parse("ubuntu:").is_err());
        assert!(ImageRef::parse("ub untu").is_err());
        assert!(ImageRef::parse("debian@sha256:abcdef0123").unwrap().digest.is_some());
    }

    #[test]
    fn arg_expansion_forms() {
        let mut m = HashMap::new();
        m.insert("V".to_string(), "1".to_string());
        m.insert("E".to_string(), String::new());
        assert_eq!(expand_args("a:$V", &m), "a:1");
        assert_eq!(expand_args("a:${E:-2}", &m), "a:2");
        assert_eq!(expand_args("a:${E-2}", &m), "a:");
        assert_eq!(expand_args("a${V:+-x}", &m), "a-x");
        assert_eq!(expand_args("a:${NOPE}", &m), "a:");
    }

    #[test]
    fn suppression_comment() {
        let x = a("FROM debian:12\n# workbook ignore=WB302, wb303\nRUN apt-get install x\n");
        assert_eq!(x.suppressions[&2], vec!["WB302", "WB303"]);
    }
}
