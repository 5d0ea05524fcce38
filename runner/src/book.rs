//! The book's side of the runner: the `workbook` mdBook preprocessor and `workbook book [--serve]`.
//!
//! The exercises are the single source: `{{#exercise 03}}` expands to the task, the starter Dockerfile and the checks
//! rendered from the very spec `workbook check` uses, and `{{#rules}}` to the lint rule catalogue. Directives are
//! found with pulldown-cmark, so one written inside a code block or inline code is left alone (the reference
//! chapter shows them that way).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::exercise::{self, Exercise, EXERCISES};
use crate::exit::{self, UserError};
use crate::rules::RULES;

pub struct Workbook;

impl Preprocessor for Workbook {
    fn name(&self) -> &str {
        "workbook"
    }

    fn run(&self, _ctx: &PreprocessorContext, mut book: Book) -> mdbook_preprocessor::errors::Result<Book> {
        let mut error = None;
        book.for_each_chapter_mut(|ch| match expand(&ch.content) {
            Ok(c) => ch.content = c,
            Err(e) => error = Some(anyhow::anyhow!("{}: {e}", ch.name)),
        });
        match error {
            Some(e) => Err(e),
            None => Ok(book),
        }
    }

    fn supports_renderer(&self, _renderer: &str) -> mdbook_preprocessor::errors::Result<bool> {
        Ok(true)
    }
}

/// A directive found in a chapter: its byte range (the whole paragraph it stands in) and its text.
fn directives(md: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut out = Vec::new();
    let mut para: Option<(usize, String)> = None;
    for (ev, range) in Parser::new(md).into_offset_iter() {
        match ev {
            Event::Start(Tag::Paragraph) => para = Some((range.start, String::new())),
            Event::Text(t) => {
                if let Some((_, text)) = &mut para {
                    text.push_str(&t);
                }
            }
            Event::Code(_) | Event::Html(_) | Event::InlineHtml(_) => {
                // inline code marks the paragraph as not a directive
                if let Some((_, text)) = &mut para {
                    text.push('\u{0}');
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some((start, text)) = para.take() {
                    let t = text.trim();
                    if t.starts_with("{{#") && t.ends_with("}}") && !t.contains('\u{0}') {
                        out.push((start..range.end, t.to_string()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Expands every workbook directive in a chapter; an unknown `{{#…}}` of ours is an error, not raw text.
pub fn expand(md: &str) -> Result<String> {
    let mut out = String::with_capacity(md.len());
    let mut last = 0;
    for (range, d) in directives(md) {
        let inner = d.trim_start_matches("{{#").trim_end_matches("}}").trim();
        let (name, arg) = inner.split_once(char::is_whitespace).map_or((inner, ""), |(n, a)| (n, a.trim()));
        let replacement = match name {
            "exercise" => {
                exercise_md(exercise::find(arg).map_err(|e| anyhow::anyhow!("{{{{#exercise {arg}}}}}: {e}"))?)
            }
            "rules" => rules_md(),
            "chapters_exercises" => overview_md(),
            // mdBook's own directives (include, title, …) are not ours: leave them for mdBook.
            _ => continue,
        };
        out.push_str(&md[last..range.start]);
        out.push_str(&replacement);
        last = range.end;
    }
    out.push_str(&md[last..]);
    Ok(out)
}

/// The README's body with its headings moved down to sit under the exercise heading.
fn demote(md: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (ev, range) in Parser::new(md).into_offset_iter() {
        if let Event::Start(Tag::Heading { level, .. }) = ev {
            out.push_str(&md[last..range.start]);
            let text = md[range.clone()].trim_start_matches('#').trim();
            if level == HeadingLevel::H1 {
                // the README's own title: the exercise heading replaces it
            } else {
                out.push_str(&format!("#### {text}\n"));
            }
            last = range.end;
        }
    }
    out.push_str(&md[last..]);
    out
}

fn exercise_md(ex: &Exercise) -> String {
    let readme = EXERCISES.get_file(format!("{}/README.md", ex.dir)).and_then(|f| f.contents_utf8()).unwrap_or("");
    let mut s = format!("### Exercise {}: {}\n\n", ex.id, ex.spec.title);
    s.push_str(demote(readme).trim());
    s.push_str(&format!(
        "\n\nThe starter, `exercises/{}/Dockerfile`:\n\n```dockerfile\n{}\n```\n\n",
        ex.dir,
        ex.starter.trim_end()
    ));
    s.push_str(&format!("What `workbook check {}` checks:\n\n| check | passes when |\n| --- | --- |\n", ex.id));
    for (id, what) in check_descriptions(ex) {
        s.push_str(&format!("| `{id}` | {what} |\n"));
    }
    s.push_str(&format!(
        "\nRun it from your workspace, and again after every change (or let `workbook watch {id}` do that):\n\n```sh\nworkbook check {id}\n```\n\n",
        id = ex.id
    ));
    s.push_str(&format!(
        "<details>\n<summary>Hints for exercise {} (also: <code>workbook hint {}</code>, one at a time)</summary>\n\n",
        ex.id, ex.id
    ));
    for (i, h) in ex.spec.hints.iter().enumerate() {
        s.push_str(&format!("{}. {h}\n", i + 1));
    }
    s.push_str("\n</details>\n");
    s
}

/// One line per check of the spec, in plain words; the order `check` reports them in.
pub fn check_descriptions(ex: &Exercise) -> Vec<(String, String)> {
    let c = &ex.spec.checks;
    let mut v: Vec<(String, String)> = Vec::new();
    if c.lint {
        v.push(("lint".into(), "the Dockerfile has no error findings (warnings and info do not fail it)".into()));
    }
    if let Some(n) = c.min_stages {
        v.push(("stages".into(), format!("it has at least {n} stages")));
    }
    if let Some(n) = c.max_stages {
        v.push(("stages".into(), format!("it has at most {n} stage{}", if n == 1 { "" } else { "s" })));
    }
    if !c.stage_names.is_empty() {
        let names: Vec<String> = c.stage_names.iter().map(|n| format!("`{n}`")).collect();
        v.push(("stage-names".into(), format!("it has stages named {}", names.join(", "))));
    }
    if let Some(b) = &c.final_base {
        let names: Vec<String> = b.iter().map(|n| format!("`{n}`")).collect();
        v.push(("final-base".into(), format!("the final image is based on {}", names.join(" or "))));
    }
    v.push(("build".into(), "the image builds".into()));
    if let Some(m) = c.max_size_mb {
        v.push(("size".into(), format!("the image is at most {m} MB")));
    }
    if let Some(f) = c.max_baseline_fraction {
        let b = ex.spec.baseline.as_deref().unwrap_or("01");
        v.push(("smaller".into(), format!("the image is at most {:.0}% of exercise {b}'s", f * 100.0)));
    }
    match c.shell {
        Some(true) => v.push(("shell".into(), "a shell is found in the image (it is a full OS image)".into())),
        Some(false) => {
            v.push(("no-shell".into(), "no shell is found anywhere on the image's PATH or the usual places".into()))
        }
        None => {}
    }
    if c.non_root == Some(true) {
        v.push(("non-root".into(), "the image runs as a user other than root".into()));
    }
    if !c.files.is_empty() {
        let f: Vec<String> = c.files.iter().map(|f| format!("`{f}`")).collect();
        v.push(("files".into(), format!("the image contains {}", f.join(", "))));
    }
    if c.healthcheck.is_some() {
        v.push(("healthcheck".into(), "the image's HEALTHCHECK passes while the app serves".into()));
    }
    for t in &c.targets {
        let shell = match t.shell {
            Some(true) => " and has a shell",
            Some(false) => " and has no shell",
            None => "",
        };
        v.push((format!("target-{}", t.target), format!("`--target {}` builds{shell}", t.target)));
    }
    if let Some(r) = &c.run {
        let args = if r.args.is_empty() { String::new() } else { format!(" with `{}`", r.args.join(" ")) };
        v.push(("runs".into(), format!("the container runs{args}, exits 0 and prints \"{}\"", r.output)));
    }
    v
}

fn rules_md() -> String {
    let mut s = String::from("| rule | severity | what it finds | what to do |\n| --- | --- | --- | --- |\n");
    for r in RULES {
        let doc = r.doc.replace(".md#", ".html#");
        s.push_str(&format!(
            "| [{}]({doc}) | {} | {} | {} |\n",
            r.id,
            r.severity.as_str(),
            r.summary.replace('|', "\\|"),
            r.hint.replace('|', "\\|")
        ));
    }
    s
}

fn overview_md() -> String {
    let mut s = String::from("| exercise | chapter | command |\n| --- | --- | --- |\n");
    for ex in exercise::all() {
        let page = ex.spec.chapter.replace(".md", ".html");
        s.push_str(&format!(
            "| {} {} | [{}]({page}) | `workbook check {}` |\n",
            ex.id, ex.spec.title, ex.spec.chapter, ex.id
        ));
    }
    s
}

/// `workbook mdbook-preprocessor [supports RENDERER]`: the protocol plain `mdbook` speaks to `book.toml`'s command.
pub fn preprocessor_main(supports: Option<&str>) -> Result<i32> {
    if supports.is_some() {
        return Ok(exit::OK); // every renderer: we only rewrite Markdown
    }
    let (ctx, book) = mdbook_preprocessor::parse_input(std::io::stdin()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let book = Workbook.run(&ctx, book).map_err(|e| anyhow::anyhow!("{e}"))?;
    serde_json::to_writer(std::io::stdout(), &book)?;
    Ok(exit::OK)
}

/// The repository root: where `book.toml` is (the current folder or above).
fn book_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    cwd.ancestors().find(|d| d.join("book.toml").is_file()).map(Path::to_path_buf).ok_or_else(|| {
        UserError::bad_input("no book.toml here or above; run `workbook book` inside the workbook repository")
    })
}

/// Builds the HTML in-process (no mdbook install needed); returns the output folder.
pub fn build(root: &Path) -> Result<PathBuf> {
    let mut md = mdbook_driver::MDBook::load(root).map_err(|e| UserError::bad_input(format!("book.toml: {e:#}")))?;
    // Same name as the book.toml entry, so this replaces the external command in place.
    md.with_preprocessor(Workbook);
    md.build().map_err(|e| UserError::bad_input(format!("the book did not build: {e:#}")))?;
    Ok(md.build_dir_for("html"))
}

pub fn run(serve: bool, open: bool, port: u16) -> Result<i32> {
    let root = book_root()?;
    let out = build(&root)?;
    let index = out.join("index.html");
    println!("built the book: {}", index.display());
    if !serve {
        if open {
            open_browser(&index.display().to_string());
        }
        return Ok(exit::OK);
    }
    let listener = TcpListener::bind(("127.0.0.1", port))
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}; choose another with --port"))
        .map_err(|e| UserError::bad_input(format!("{e:#}")))?;
    let url = format!("http://127.0.0.1:{}/", listener.local_addr()?.port());
    println!("serving {url} (rebuilds when book/ or exercises/ change; Ctrl-C stops)");
    if open {
        open_browser(&url);
    }
    let dir = out.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let _ = serve_file(stream, &dir);
            });
        }
    });
    // Rebuild on change: poll modification times (a book is a few dozen files; this costs nothing).
    let mut stamp = newest(&[root.join("book"), root.join("exercises")]);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = newest(&[root.join("book"), root.join("exercises")]);
        if now > stamp {
            stamp = now;
            match build(&root) {
                Ok(_) => println!("rebuilt"),
                Err(e) => eprintln!("workbook: {e}"),
            }
        }
    }
}

fn newest(dirs: &[PathBuf]) -> SystemTime {
    fn walk(p: &Path, best: &mut SystemTime) {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                let path = e.path();
                if let Ok(m) = e.metadata() {
                    if m.is_dir() {
                        walk(&path, best);
                    } else if let Ok(t) = m.modified() {
                        *best = (*best).max(t);
                    }
                }
            }
        }
    }
    let mut best = SystemTime::UNIX_EPOCH;
    for d in dirs {
        walk(d, &mut best);
    }
    best
}

/// A minimal static file server for the built book: GET only, paths kept inside the book folder.
fn serve_file(mut s: TcpStream, dir: &Path) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader};
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut line = String::new();
    BufReader::new(&s).read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let rel: PathBuf = path.split('/').filter(|c| !c.is_empty() && *c != "." && *c != "..").collect();
    let mut file = dir.join(rel);
    if file.is_dir() {
        file = file.join("index.html");
    }
    let (status, body, ctype) = match std::fs::read(&file) {
        Ok(b) => ("200 OK", b, content_type(&file)),
        Err(_) => ("404 Not Found", b"not found".to_vec(), "text/plain"),
    };
    write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    s.write_all(&body)
}

fn content_type(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "js" => "application/javascript",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "woff" | "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn open_browser(target: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    if std::process::Command::new(opener).arg(target).spawn().is_err() {
        eprintln!("workbook: could not start a browser; open {target} yourself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_outside_code_only() {
        let md = "# T\n\n{{#exercise 03}}\n\nText `{{#rules}}` inline.\n\n```\n{{#rules}}\n```\n\n{{#rules}}\n";
        let d = directives(md);
        assert_eq!(d.len(), 2, "{d:?}");
        let out = expand(md).unwrap();
        assert!(out.contains("### Exercise 03: Multi-stage"));
        assert!(out.contains("| [WB201](04-distroless.html#exec-form) | error |"));
        assert!(out.contains("```\n{{#rules}}\n```"), "code blocks untouched");
        assert!(out.contains("`{{#rules}}` inline"));
    }

    #[test]
    fn exercise_block_has_task_starter_checks_command_hints() {
        let out = expand("{{#exercise 4}}\n").unwrap();
        assert!(out.contains("#### Your task"));
        assert!(out.contains("```dockerfile\n# Exercise 04"));
        assert!(out.contains("| `healthcheck` |"));
        assert!(out.contains("workbook check 04"));
        assert!(out.contains("<details>"));
        assert!(expand("{{#exercise 99}}\n").is_err());
    }

    #[test]
    fn mdbook_directives_pass_through() {
        let md = "{{#include ../exercises/app/main.go:main}}\n";
        assert_eq!(expand(md).unwrap(), md);
    }
}
