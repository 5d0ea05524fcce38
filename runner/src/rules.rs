//! Step 2 of the data path: stage model → findings.
//!
//! Rules are stage-aware on purpose. Hygiene rules (apt caches, tags) fire only on stages whose files reach the
//! final image, because a build stage's apt lists are thrown away with the stage: flagging them (as hadolint does)
//! teaches learners to clean up where it does not matter. Every rule has a catalogue entry so the book's rule table,
//! `--format json` and the human report all say the same thing.

use serde::Serialize;

use crate::dockerfile::{self, Analysis, Base, ImageRef, Inst, Invalid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A catalogue entry: the fixed part of every finding of that rule.
#[derive(Debug, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// What the rule checks, in one line (the book's rule table shows it).
    pub summary: &'static str,
    /// What to do about it.
    pub hint: &'static str,
    /// The book section that teaches it: `page.md#anchor` under `book/`.
    pub doc: &'static str,
}

pub const RULES: &[Rule] = &[
    Rule { id: "WB001", severity: Severity::Error, summary: "The file is not a valid Dockerfile (parse error, unknown instruction, no FROM, empty, unterminated heredoc, bad image name).", hint: "Fix the line named; every Dockerfile starts with FROM (only ARG may come before it).", doc: "reference.md#lint-rules" },
    Rule { id: "WB002", severity: Severity::Error, summary: "An exec-form instruction is not valid JSON, so Docker silently runs it through a shell instead.", hint: "Use double quotes and commas: [\"/app\", \"--flag\"].", doc: "04-distroless.md#exec-form" },
    Rule { id: "WB101", severity: Severity::Info, summary: "Single-stage build: the build tools ship in the final image.", hint: "Add a second FROM for the final image and COPY --from the build stage only the artifact.", doc: "03-multi-stage.md#one-dockerfile-several-stages" },
    Rule { id: "WB102", severity: Severity::Warning, summary: "The final stage is based on a full OS or SDK image rather than scratch or distroless.", hint: "Build in a full image, then start the final stage FROM scratch or gcr.io/distroless/static-debian12.", doc: "04-distroless.md#choosing-the-final-base" },
    Rule { id: "WB103", severity: Severity::Error, summary: "COPY --from names no earlier stage (a typo, a forward reference, or the stage itself).", hint: "Name a stage defined above this one, by its AS name or its index (counting from 0).", doc: "03-multi-stage.md#copy---from" },
    Rule { id: "WB104", severity: Severity::Warning, summary: "The final stage is FROM an earlier build stage, so it inherits that stage's whole SDK.", hint: "Start the final stage FROM scratch or distroless and COPY --from the build stage only what you need.", doc: "03-multi-stage.md#what-is-left-behind" },
    Rule { id: "WB105", severity: Severity::Info, summary: "COPY --from uses a stage index; a name survives reordering.", hint: "Name the stage (FROM … AS build) and write COPY --from=build.", doc: "03-multi-stage.md#naming-stages" },
    Rule { id: "WB201", severity: Severity::Error, summary: "Shell-form RUN, CMD or ENTRYPOINT in a final stage that has no shell.", hint: "Use exec form: ENTRYPOINT [\"/app\"]. There is no /bin/sh in scratch or distroless to run the shell form.", doc: "04-distroless.md#exec-form" },
    Rule { id: "WB202", severity: Severity::Error, summary: "USER with a name in a scratch final stage that has no /etc/passwd to look it up in.", hint: "Use a numeric UID such as USER 65532:65532, or COPY an /etc/passwd in.", doc: "04-distroless.md#running-as-non-root" },
    Rule { id: "WB203", severity: Severity::Warning, summary: "Go is built without CGO_ENABLED=0 for a scratch or distroless-static final image.", hint: "Build with CGO_ENABLED=0 so the binary is static and needs no C library at run time.", doc: "04-distroless.md#static-binaries-need-no-runtime" },
    Rule { id: "WB204", severity: Severity::Warning, summary: "The final image runs as root.", hint: "Add USER 65532:65532, or use a :nonroot distroless base.", doc: "04-distroless.md#running-as-non-root" },
    Rule { id: "WB205", severity: Severity::Warning, summary: "The final stage has no ENTRYPOINT or CMD.", hint: "End the final stage with ENTRYPOINT [\"/app\"].", doc: "03-multi-stage.md#the-final-stage" },
    Rule { id: "WB206", severity: Severity::Info, summary: "The final base is a distroless :debug image, which ships a busybox shell.", hint: "Use :debug only to investigate; ship the non-debug tag.", doc: "07-debugging.md#debug-images" },
    Rule { id: "WB301", severity: Severity::Warning, summary: "A base image has no tag or uses :latest, so builds change under you.", hint: "Pin a version tag (debian:12, golang:1.22) or a digest.", doc: "08-security.md#pin-your-bases" },
    Rule { id: "WB302", severity: Severity::Info, summary: "apt-get install without --no-install-recommends in a stage that reaches the final image.", hint: "Add --no-install-recommends to install only what you asked for.", doc: "02-manual-cleanup.md#the-traditional-clean-up" },
    Rule { id: "WB303", severity: Severity::Info, summary: "apt lists are not removed in the same RUN, in a stage that reaches the final image.", hint: "End the RUN with && rm -rf /var/lib/apt/lists/*; a later RUN cannot shrink an earlier layer.", doc: "02-manual-cleanup.md#the-traditional-clean-up" },
    Rule { id: "WB304", severity: Severity::Warning, summary: "COPY/ADD to a relative destination with no WORKDIR set.", hint: "Set WORKDIR /src (or similar) first, so files do not land in /.", doc: "01-why-images-get-big.md#reading-the-dockerfile" },
];

pub fn rule(id: &str) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).expect("rule ids used in code are in the catalogue")
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub line: usize,
    pub message: String,
    pub hint: String,
    pub doc: &'static str,
}

impl Finding {
    fn new(id: &'static str, line: usize, message: String) -> Finding {
        let r = rule(id);
        Finding { rule: r.id, severity: r.severity, line, message, hint: r.hint.to_string(), doc: r.doc }
    }
    fn with_hint(mut self, hint: String) -> Finding {
        self.hint = hint;
        self
    }
}

/// What kind of thing a final base is; decides which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseClass {
    Scratch,
    /// Shell-less distroless-style image (gcr.io/distroless non-debug, Chainguard static).
    Distroless {
        static_only: bool,
        nonroot: bool,
    },
    /// Distroless `:debug`: shell-less except for busybox.
    DistrolessDebug {
        nonroot: bool,
    },
    /// A full distribution or an SDK/runtime image: shell, package manager, hundreds of MB.
    Full,
    Unknown,
}

impl BaseClass {
    pub fn shell_less(self) -> bool {
        matches!(self, BaseClass::Scratch | BaseClass::Distroless { .. })
    }
}

const FULL_IMAGES: &[&str] = &[
    "ubuntu",
    "debian",
    "centos",
    "fedora",
    "alpine",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "oraclelinux",
    "archlinux",
    "opensuse",
    "leap",
    "busybox",
    "golang",
    "python",
    "node",
    "openjdk",
    "eclipse-temurin",
    "maven",
    "gradle",
    "rust",
    "gcc",
    "buildpack-deps",
    "php",
    "ruby",
    "sdk",
    "perl",
    "elixir",
    "erlang",
    "haskell",
    "swift",
];

pub fn classify(r: &ImageRef) -> BaseClass {
    let tag = r.tag.as_deref().unwrap_or("latest");
    if r.repo.starts_with("gcr.io/distroless/") || r.repo.starts_with("distroless/") {
        let nonroot = tag.contains("nonroot");
        if tag.starts_with("debug") || tag.contains("-debug") {
            return BaseClass::DistrolessDebug { nonroot };
        }
        return BaseClass::Distroless { static_only: r.short_name().starts_with("static"), nonroot };
    }
    if r.repo.starts_with("cgr.dev/chainguard/") {
        if tag.contains("dev") {
            return BaseClass::DistrolessDebug { nonroot: true };
        }
        return BaseClass::Distroless { static_only: r.short_name() == "static", nonroot: true };
    }
    if FULL_IMAGES.contains(&r.short_name()) {
        return BaseClass::Full;
    }
    BaseClass::Unknown
}

pub fn classify_base(b: &Base) -> BaseClass {
    match b {
        Base::Scratch => BaseClass::Scratch,
        Base::Image(r) => classify(r),
        Base::Stage(_) => BaseClass::Unknown,
    }
}

/// Turns a file's bytes into findings; an unreadable Dockerfile is one WB001 finding, never a panic.
pub fn lint_bytes(bytes: &[u8]) -> (Option<Analysis>, Vec<Finding>) {
    match dockerfile::analyze_bytes(bytes) {
        Ok(a) => {
            let f = lint(&a);
            (Some(a), f)
        }
        Err(Invalid { line, message }) => (None, vec![Finding::new("WB001", line, message)]),
    }
}

pub fn lint(a: &Analysis) -> Vec<Finding> {
    let mut out: Vec<Finding> = a.invalid.iter().map(|i| Finding::new("WB001", i.line, i.message.clone())).collect();
    let fin = a.final_stage();
    let root = a.root_of(fin.index);
    let class = classify_base(&root.base);
    let chain = a.final_chain();

    // WB002 — everywhere: a broken exec form changes what runs in every stage.
    for s in &a.stages {
        for i in &s.instructions {
            if i.is_shell_form() && i.text.trim_start().starts_with('[') {
                out.push(Finding::new(
                    "WB002",
                    i.line,
                    format!("{} {} is not valid JSON, so Docker runs it as a shell command", i.keyword, i.text.trim()),
                ));
            }
        }
    }

    // WB101
    if a.stages.len() == 1 {
        out.push(Finding::new(
            "WB101",
            fin.line,
            "single-stage build: everything used to build the app ships in the final image".into(),
        ));
    }

    // WB102 / WB104
    match &fin.base {
        Base::Image(r) if class == BaseClass::Full => out.push(Finding::new(
            "WB102",
            fin.line,
            format!("the final stage is based on `{}`, a full OS/SDK image with a shell and package manager", r.full),
        )),
        Base::Stage(p) if !class.shell_less() => out.push(Finding::new(
            "WB104",
            fin.line,
            format!(
                "the final stage is FROM {} (based on `{}`), so it inherits everything installed there",
                a.stages[*p].label(),
                root.base_text
            ),
        )),
        _ => {}
    }

    // WB103 / WB105 — every stage: a bad reference breaks the build wherever it is.
    for s in &a.stages {
        for i in &s.instructions {
            if i.keyword != "COPY" && i.keyword != "ADD" {
                continue;
            }
            let Some(from) = i.flag("from") else { continue };
            check_copy_from(a, s.index, i, from, &mut out);
        }
    }

    // WB201 — only the final image's stages: that is where there is no shell.
    if class.shell_less() {
        for s in &chain {
            for i in s.instructions.iter().filter(|i| i.is_shell_form()) {
                let when = if i.keyword == "RUN" { "at build time" } else { "when the container starts" };
                out.push(Finding::new(
                    "WB201",
                    i.line,
                    format!(
                        "shell-form {} needs /bin/sh, which `{}` does not have: it fails {when}",
                        i.keyword, root.base_text
                    ),
                ));
            }
        }
    }

    // WB202
    if class == BaseClass::Scratch {
        let has_passwd = chain.iter().flat_map(|s| &s.instructions).any(|i| {
            matches!(i.keyword, "COPY" | "ADD")
                && (i.dest.as_deref().is_some_and(|d| d.trim_end_matches('/') == "/etc" || d.ends_with("passwd"))
                    || i.sources.iter().any(|s| s.ends_with("passwd") || s.trim_end_matches('/') == "/etc"))
        });
        if !has_passwd {
            for i in chain.iter().flat_map(|s| &s.instructions).filter(|i| i.keyword == "USER") {
                let user = i.text.split(':').next().unwrap_or("");
                if !user.is_empty() && !user.chars().all(|c| c.is_ascii_digit()) && !user.starts_with('$') {
                    out.push(Finding::new(
                        "WB202",
                        i.line,
                        format!("USER {user}: scratch has no /etc/passwd, so the name cannot be resolved and the container will not start"),
                    ));
                }
            }
        }
    }

    // WB203 — any stage that feeds the final image and builds Go.
    if matches!(class, BaseClass::Scratch | BaseClass::Distroless { static_only: true, .. }) {
        for s in a.stages.iter().filter(|s| a.feeds_final[s.index]) {
            let mut cgo_off = stage_env_sets(a, s.index, "CGO_ENABLED=0");
            for i in &s.instructions {
                if matches!(i.keyword, "ENV" | "ARG") && i.text.replace(' ', "=").contains("CGO_ENABLED=0") {
                    cgo_off = true;
                }
                if i.keyword != "RUN" {
                    continue;
                }
                let script = i.script();
                let builds_go = script.contains("go build") || script.contains("go install");
                if builds_go && !cgo_off && !script.contains("CGO_ENABLED=0") {
                    out.push(Finding::new(
                        "WB203",
                        i.line,
                        format!(
                            "Go is built here without CGO_ENABLED=0, but the final image (`{}`) has no C library to link against",
                            root.base_text
                        ),
                    ));
                }
            }
        }
    }

    // WB204
    let last_user = chain.iter().flat_map(|s| s.instructions.iter().rev()).find(|i| i.keyword == "USER");
    let base_nonroot =
        matches!(class, BaseClass::Distroless { nonroot: true, .. } | BaseClass::DistrolessDebug { nonroot: true });
    match last_user {
        Some(u) if is_root_user(&u.text) => out.push(Finding::new(
            "WB204",
            u.line,
            format!("USER {}: the app runs as root, so a break-in gets root inside the container", u.text),
        )),
        None if !base_nonroot => out.push(Finding::new(
            "WB204",
            fin.line,
            "no USER in the final stage: the app runs as root, so a break-in gets root inside the container".into(),
        )),
        _ => {}
    }

    // WB205
    if !chain.iter().flat_map(|s| &s.instructions).any(|i| matches!(i.keyword, "ENTRYPOINT" | "CMD")) {
        let what = if class == BaseClass::Scratch {
            "the image has nothing to run"
        } else {
            "the image runs whatever its base runs by default"
        };
        out.push(Finding::new("WB205", fin.line, format!("the final stage has no ENTRYPOINT or CMD: {what}")));
    }

    // WB206
    if let BaseClass::DistrolessDebug { .. } = class {
        out.push(Finding::new(
            "WB206",
            root.line,
            format!("`{}` is a debug image: it ships a busybox shell", root.base_text),
        ));
    }

    // WB301 — stages that feed the final image, plus external images they COPY from.
    for s in a.stages.iter().filter(|s| a.feeds_final[s.index]) {
        if let Base::Image(r) = &s.base {
            if let Some(f) = unpinned(r, s.line) {
                out.push(f);
            }
        }
        for i in &s.instructions {
            for from in dockerfile::copy_sources(i) {
                if dockerfile::resolve_from(a, &from, s.index).is_none() && looks_like_image(&from) {
                    if let Ok(r) = ImageRef::parse(&from) {
                        if let Some(f) = unpinned(&r, i.line) {
                            out.push(f);
                        }
                    }
                }
            }
        }
    }

    // WB302 / WB303 — only where apt's leftovers stay: the final image's own stages.
    for s in &chain {
        for i in s.instructions.iter().filter(|i| i.keyword == "RUN") {
            let script = i.script();
            let installs = script.contains("apt-get install") || script.contains("apt install");
            if installs && !script.contains("--no-install-recommends") {
                out.push(Finding::new(
                    "WB302",
                    i.line,
                    "apt-get install without --no-install-recommends pulls in optional packages too".into(),
                ));
            }
            let cached =
                i.flags.iter().any(|(n, v)| n == "mount" && v.as_deref().is_some_and(|v| v.contains("/var/lib/apt")));
            if (installs || script.contains("apt-get update")) && !script.contains("/var/lib/apt/lists") && !cached {
                out.push(Finding::new(
                    "WB303",
                    i.line,
                    "apt lists (/var/lib/apt/lists) stay in this layer: tens of MB nobody needs at run time".into(),
                ));
            }
        }
    }

    // WB304 — stages that feed the final image.
    for s in a.stages.iter().filter(|s| a.feeds_final[s.index]) {
        let mut workdir = ancestors_have(a, s.index, "WORKDIR");
        for i in &s.instructions {
            if i.keyword == "WORKDIR" {
                workdir = true;
            }
            if !matches!(i.keyword, "COPY" | "ADD") || workdir {
                continue;
            }
            let dest = i.dest.as_deref().unwrap_or("");
            let absolute =
                dest.starts_with('/') || dest.starts_with('$') || dest.starts_with('~') || dest.get(1..2) == Some(":");
            if !absolute {
                out.push(Finding::new(
                    "WB304",
                    i.line,
                    format!("{} to `{dest}` with no WORKDIR: the files land in the base image's working directory (`/` in most images)", i.keyword),
                ));
            }
        }
    }

    // Suppressions and a stable order: by line, then severity (errors first), then rule id.
    out.retain(|f| {
        !a.suppressions.get(&(f.line.saturating_sub(1))).is_some_and(|ids| ids.iter().any(|id| id == f.rule))
    });
    sort(&mut out);
    out
}

pub fn sort(f: &mut [Finding]) {
    f.sort_by(|a, b| a.line.cmp(&b.line).then(b.severity.cmp(&a.severity)).then(a.rule.cmp(b.rule)));
}

fn check_copy_from(a: &Analysis, here: usize, i: &Inst, from: &str, out: &mut Vec<Finding>) {
    if let Ok(n) = from.parse::<usize>() {
        if n >= here {
            let what = if n == here { "this stage itself" } else { "a stage further down" };
            out.push(Finding::new(
                "WB103",
                i.line,
                format!("COPY --from={n} refers to {what}; stages count from 0 and this is stage {here}, so only 0..{} can be copied from", here.saturating_sub(1)),
            ));
        } else {
            let name = a.stages[n].name.as_deref();
            let msg = format!("COPY --from={n} copies from stage {n} by position; inserting a stage above it silently changes what is copied");
            let f = Finding::new("WB105", i.line, msg);
            out.push(match name {
                Some(nm) => f.with_hint(format!("Write COPY --from={nm}: that stage is already named.")),
                None => f,
            });
        }
        return;
    }
    if a.stage_named(from, here).is_some() {
        return;
    }
    let lc = from.to_ascii_lowercase();
    if let Some(later) = a.stages[here..].iter().find(|s| s.name_lc.as_deref() == Some(lc.as_str())) {
        let what = if later.index == here { "this stage itself" } else { "a stage defined further down" };
        out.push(Finding::new(
            "WB103",
            i.line,
            format!("COPY --from={from} names {what} ({}); you can only copy from stages above", later.label()),
        ));
        return;
    }
    if looks_like_image(from) {
        return; // an external image used as a stage: allowed (WB301 checks its tag)
    }
    // A bare word that is no stage: Docker would try to pull an image of that name. Almost always a typo.
    let names: Vec<&str> = a.stages[..here].iter().filter_map(|s| s.name.as_deref()).take(1000).collect();
    let best = names
        .iter()
        .map(|n| (strsim::jaro_winkler(&lc, &n.to_ascii_lowercase()), *n))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|x, y| x.0.total_cmp(&y.0));
    let msg = format!(
        "COPY --from={from}: no stage above is named `{from}`, so Docker would try to pull an image called `{from}`"
    );
    let f = Finding::new("WB103", i.line, msg);
    out.push(match best {
        Some((_, n)) => f.with_hint(format!("Did you mean --from={n}?")),
        None if names.is_empty() => {
            f.with_hint("Name the build stage (FROM … AS build) and write COPY --from=build.".into())
        }
        None => f.with_hint(format!("Stages you can copy from: {}.", names.join(", "))),
    });
}

/// Official images people really do copy from by bare name; any other bare word is taken to be a mistyped stage.
const SERVICE_IMAGES: &[&str] =
    &["nginx", "httpd", "caddy", "traefik", "redis", "postgres", "mysql", "docker", "hello-world"];

/// `--from=nginx:1.27` or `--from=gcr.io/x` is an image; a bare word is meant to be a stage, unless it is a
/// well-known image name.
fn looks_like_image(s: &str) -> bool {
    s.contains([':', '/', '@']) || FULL_IMAGES.contains(&s) || SERVICE_IMAGES.contains(&s) || s == "scratch"
}

fn unpinned(r: &ImageRef, line: usize) -> Option<Finding> {
    if r.digest.is_some() {
        return None;
    }
    match r.tag.as_deref() {
        None => Some(Finding::new(
            "WB301",
            line,
            format!("`{}` has no tag, which means :latest: the build changes whenever it moves", r.full),
        )),
        Some("latest") => Some(Finding::new(
            "WB301",
            line,
            format!("`{}` follows :latest: the build changes whenever it moves", r.full),
        )),
        _ => None,
    }
}

fn is_root_user(u: &str) -> bool {
    let user = u.split(':').next().unwrap_or("").trim();
    user == "root" || user == "0"
}

/// Whether a `FROM <stage>` ancestor of `index` (not `index` itself) has an instruction of this keyword.
fn ancestors_have(a: &Analysis, index: usize, keyword: &str) -> bool {
    let mut s = &a.stages[index];
    while let Base::Stage(p) = s.base {
        s = &a.stages[p];
        if s.instructions.iter().any(|i| i.keyword == keyword) {
            return true;
        }
    }
    false
}

/// Whether an ancestor stage sets `ENV`/`ARG` containing `needle` (e.g. `CGO_ENABLED=0`).
fn stage_env_sets(a: &Analysis, index: usize, needle: &str) -> bool {
    let mut s = &a.stages[index];
    while let Base::Stage(p) = s.base {
        s = &a.stages[p];
        if s.instructions
            .iter()
            .any(|i| matches!(i.keyword, "ENV" | "ARG") && i.text.replace(' ', "=").contains(needle))
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests;
