//! `workbook interview`: practice answering out loud (well, in writing), then compare with the model answer.
//!
//! The questions live once, in the book's interview chapter; this module reads that Markdown with pulldown-cmark.
//! Scoring is deliberately simple and shown to the learner: a key point counts as covered when the answer uses the
//! significant words of its bold phrase (or words starting the same way). It is a rough guide, not a grade.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use crate::check::{self, Subject};
use crate::engine::{self, Engine};
use crate::exercise::{self, Workspace};
use crate::exit::{self, UserError};
use crate::report::Style;
use crate::sandbox;
use crate::verdict::human_size;

/// The chapter, compiled in: the runner and the book cannot disagree, and it works after `cargo install`.
const CHAPTER: &str = include_str!("../../book/interview.md");

#[derive(Debug, Clone, Serialize)]
pub struct KeyPoint {
    /// The bold phrase: what the point is about.
    pub point: String,
    /// The explanation after it.
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: String,
    pub question: String,
    pub answer: String,
    pub key_points: Vec<KeyPoint>,
}

/// Reads the chapter: `## question`, a paragraph starting **Answer.**, then a list after **Key points**, each
/// item starting with a **bold phrase**.
pub fn parse(md: &str) -> Vec<Question> {
    #[derive(PartialEq)]
    enum In {
        None,
        Heading,
        Para,
        Item,
    }
    let mut qs: Vec<Question> = Vec::new();
    let mut at = In::None;
    let mut text = String::new();
    let mut strong = String::new();
    let mut in_strong = false;
    let mut in_points = false;
    for ev in Parser::new(md) {
        match ev {
            Event::Start(Tag::Heading { level: HeadingLevel::H2, .. }) => {
                at = In::Heading;
                text.clear();
                in_points = false;
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                let q = text.trim().to_string();
                qs.push(Question { id: slug(&q), question: q, answer: String::new(), key_points: vec![] });
                at = In::None;
            }
            Event::Start(Tag::Paragraph) if at == In::None => {
                at = In::Para;
                text.clear();
            }
            Event::End(TagEnd::Paragraph) if at == In::Para => {
                at = In::None;
                let t = text.trim();
                if let Some(q) = qs.last_mut() {
                    if let Some(a) = t.strip_prefix("Answer.") {
                        q.answer = a.trim().to_string();
                    } else if t == "Key points" {
                        in_points = true;
                    }
                }
            }
            Event::Start(Tag::Item) if in_points => {
                at = In::Item;
                text.clear();
                strong.clear();
            }
            Event::End(TagEnd::Item) if at == In::Item => {
                at = In::None;
                let detail = text.trim().trim_start_matches(strong.trim()).trim_start_matches([':', ' ']).to_string();
                if let Some(q) = qs.last_mut() {
                    q.key_points.push(KeyPoint { point: strong.trim().to_string(), detail });
                }
            }
            Event::Start(Tag::Strong) => in_strong = true,
            Event::End(TagEnd::Strong) => in_strong = false,
            Event::Text(t) | Event::Code(t) if at != In::None => {
                text.push_str(&t);
                if in_strong && at == In::Item && strong.is_empty() {
                    strong.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    qs.retain(|q| !q.answer.is_empty() && !q.key_points.is_empty());
    qs
}

fn slug(s: &str) -> String {
    let words: Vec<String> = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .take(6)
        .collect();
    words.join("-")
}

pub fn questions() -> Vec<Question> {
    parse(CHAPTER)
}

const STOP: &[&str] = &[
    "the", "and", "with", "from", "into", "that", "this", "what", "only", "still", "your", "have", "does", "just",
    "than", "them", "then", "when", "there", "their", "they", "image", "images",
];

/// Significant words of a phrase with their stems (first 6 letters), so "vulnerabilities" matches "vulnerable".
fn stems(s: &str) -> Vec<(String, String)> {
    s.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .map(|w| w.to_ascii_lowercase())
        .filter(|w| (w.len() >= 3 || w.chars().any(|c| c.is_ascii_digit())) && !STOP.contains(&w.as_str()))
        .map(|w| (w.chars().take(6).collect(), w))
        .collect()
}

/// Which key points an answer covers, with the learner's words that matched: explainable on purpose.
pub fn score(q: &Question, answer: &str) -> Vec<(bool, Vec<String>)> {
    let said = stems(answer);
    q.key_points
        .iter()
        .map(|k| {
            let want = stems(&k.point);
            let hit: Vec<String> = want
                .iter()
                .filter_map(|(stem, _)| said.iter().find(|(s, _)| s == stem).map(|(_, word)| word.clone()))
                .collect();
            let covered = !want.is_empty() && hit.len() * 2 >= want.len();
            (covered, hit)
        })
        .collect()
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Progress {
    /// Question id → the last score (0..=1).
    scores: BTreeMap<String, f64>,
}

fn progress_path() -> Option<PathBuf> {
    Workspace::find().ok().map(|ws| ws.root.join(".workbook-interview.json"))
}

fn load_progress() -> Progress {
    progress_path()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn save_progress(p: &Progress) {
    if let (Some(path), Ok(t)) = (progress_path(), serde_json::to_string_pretty(p)) {
        let _ = std::fs::write(path, t);
    }
}

/// `--answers FILE`: answers and predictions for a non-interactive run (tests, rehearsal scripts).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    #[serde(default)]
    pub predictions: Option<Predictions>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predictions {
    /// How big the single-stage image is, in MB.
    pub single_stage_mb: f64,
    /// Whether `docker run --entrypoint sh` works on the multi-stage image.
    pub shell_in_multi_stage: bool,
}

pub struct Options {
    pub print: bool,
    pub json: bool,
    pub answers: Option<PathBuf>,
    pub no_demo: bool,
    pub count: Option<usize>,
}

pub fn run(o: &Options) -> Result<i32> {
    let qs = questions();
    if o.print {
        if o.json {
            println!("{}", serde_json::to_string_pretty(&qs)?);
        } else {
            for (i, q) in qs.iter().enumerate() {
                println!("{}. {}\n\n{}\n", i + 1, q.question, wrap(&q.answer, 100));
                for k in &q.key_points {
                    println!("   - {}: {}", k.point, k.detail);
                }
                println!();
            }
        }
        return Ok(exit::OK);
    }
    let st = Style::detect();
    let scripted = match &o.answers {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| UserError::bad_input(format!("{}: cannot read it ({e})", p.display())))?;
            Some(serde_json::from_str::<Answers>(&text).map_err(|e| {
                UserError::bad_input(format!(
                    "{}: not a valid answers file ({e}); expected {{\"answers\": {{\"<question id>\": \"…\"}}, \"predictions\": {{\"single_stage_mb\": 1000, \"shell_in_multi_stage\": false}}}}",
                    p.display()
                ))
            })?)
        }
        None => {
            if !std::io::stdin().is_terminal() {
                return Err(UserError::bad_input(
                    "interview is interactive; pipe nothing in, or use --answers FILE (or --print for a cheat sheet)",
                ));
            }
            None
        }
    };
    let mut progress = load_progress();
    // Weak questions first (lowest last score), then the never-asked ones, in book order.
    let mut order: Vec<&Question> = qs.iter().collect();
    order.sort_by(|a, b| {
        let sa = progress.scores.get(&a.id).copied().unwrap_or(0.5);
        let sb = progress.scores.get(&b.id).copied().unwrap_or(0.5);
        sa.total_cmp(&sb)
    });
    if let Some(a) = &scripted {
        order.retain(|q| a.answers.contains_key(&q.id));
        for id in a.answers.keys() {
            if !qs.iter().any(|q| &q.id == id) {
                let ids: Vec<&str> = qs.iter().map(|q| q.id.as_str()).collect();
                return Err(UserError::bad_input(format!("no question `{id}`; the ids are: {}", ids.join(", "))));
            }
        }
    }
    if let Some(n) = o.count {
        order.truncate(n);
    }
    let mut total = 0.0;
    for (i, q) in order.iter().enumerate() {
        println!("\n{} {}", st.bold(&format!("Question {} of {}:", i + 1, order.len())), q.question);
        let answer = match &scripted {
            Some(a) => {
                let t = a.answers.get(&q.id).cloned().unwrap_or_default();
                println!("> {}", wrap(&t, 100));
                t
            }
            None => read_answer()?,
        };
        let marks = score(q, &answer);
        let covered = marks.iter().filter(|(c, _)| *c).count();
        let frac = covered as f64 / q.key_points.len() as f64;
        total += frac;
        progress.scores.insert(q.id.clone(), frac);
        println!("\n{}\n{}\n", st.bold("Model answer"), wrap(&q.answer, 100));
        println!("{} ({covered} of {} covered)", st.bold("Key points"), q.key_points.len());
        for (k, (c, hit)) in q.key_points.iter().zip(&marks) {
            let mark = if *c { st.green("✓") } else { st.red("✗") };
            let why = if *c { format!(" (you said: {})", hit.join(", ")) } else { String::new() };
            println!("  {mark} {}: {}{}", k.point, k.detail, st.dim(&why));
        }
    }
    save_progress(&progress);
    let n = order.len().max(1);
    println!(
        "\n{} {:.0}% of key points covered over {} question(s). The matching looks for the key words only: a rough guide, not a grade.",
        st.bold("Score:"),
        total * 100.0 / n as f64,
        order.len()
    );
    if !o.no_demo {
        let predictions = match &scripted {
            Some(a) => a.predictions.clone(),
            None => Some(ask_predictions()?),
        };
        if let Some(p) = predictions {
            demo(&p, st)?;
        }
    }
    Ok(exit::OK)
}

fn read_answer() -> Result<String> {
    println!("Your answer (finish with an empty line):");
    let mut lines = Vec::new();
    let stdin = std::io::stdin();
    loop {
        print!("> ");
        std::io::stdout().flush()?;
        let mut l = String::new();
        if stdin.lock().read_line(&mut l)? == 0 || l.trim().is_empty() {
            break;
        }
        lines.push(l.trim_end().to_string());
    }
    Ok(lines.join(" "))
}

fn ask(prompt: &str) -> Result<String> {
    print!("{prompt} ");
    std::io::stdout().flush()?;
    let mut l = String::new();
    std::io::stdin().lock().read_line(&mut l)?;
    Ok(l.trim().to_string())
}

fn ask_predictions() -> Result<Predictions> {
    println!("\nLive demo: predict, then see. Two questions about the images from exercises 01 and 03.");
    let single_stage_mb = loop {
        let a = ask("How big is the notes' single-stage image, in MB?")?;
        match a.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == ' ').parse::<f64>() {
            Ok(v) if v > 0.0 => break v,
            _ => println!("a number of megabytes, please (e.g. 300)"),
        }
    };
    let shell_in_multi_stage = loop {
        let a = ask("Will `docker run --entrypoint sh` start a shell in the multi-stage image? [y/n]")?;
        match a.to_ascii_lowercase().as_str() {
            "y" | "yes" => break true,
            "n" | "no" => break false,
            _ => println!("y or n, please"),
        }
    };
    Ok(Predictions { single_stage_mb, shell_in_multi_stage })
}

/// Builds (or reuses from cache) the two reference images, shows them side by side, and tries a shell in each.
fn demo(p: &Predictions, st: Style) -> Result<()> {
    let single = exercise::find("01")?;
    let multi = exercise::find("03")?;
    engine::with_engine(async |eng: &Engine| {
        let mut rows = Vec::new();
        for ex in [single, multi] {
            let ctx = check::embedded_context(&ex.spec.context)?;
            let tag = format!("{}:demo", check::tag_for(ex));
            // Removed below once the shell has been tried; registered so Ctrl-C removes it too.
            engine::register_image(&tag);
            let subject = Subject {
                ex,
                bytes: ex.solution.as_bytes().to_vec(),
                context: ctx.path(),
                tag: tag.clone(),
                ephemeral: false,
            };
            let (outcome, _) = check::evaluate(eng, &subject, check::static_part(ex, &subject.bytes), false).await?;
            let size = outcome.image.as_ref().map(|i| i.size_bytes).unwrap_or(0);
            let shell = try_shell(eng, &tag).await?;
            engine::remove_image(&eng.docker, &tag).await;
            rows.push((ex, size, shell));
        }
        println!("\n{}", st.bold("What the engine says"));
        for (ex, size, shell) in &rows {
            let s = match shell {
                Ok(out) => format!("shell works: {out}"),
                Err(e) => format!("no shell: {e}"),
            };
            println!("  {} {:<40} {:>10}  {s}", ex.id, ex.spec.title, human_size(*size));
        }
        let real_mb = rows[0].1 as f64 / 1e6;
        let size_ok = p.single_stage_mb >= real_mb / 2.0 && p.single_stage_mb <= real_mb * 2.0;
        let shell_real = rows[1].2.is_ok();
        let shell_ok = p.shell_in_multi_stage == shell_real;
        println!("\n{}", st.bold("Your predictions"));
        let mark = |ok: bool| if ok { st.green("✓") } else { st.red("✗") };
        println!(
            "  {} single-stage size: you said {:.0} MB, it is {:.0} MB (within 2x counts)",
            mark(size_ok),
            p.single_stage_mb,
            real_mb
        );
        println!(
            "  {} shell in the multi-stage image: you said {}, it is {}",
            mark(shell_ok),
            if p.shell_in_multi_stage { "yes" } else { "no" },
            if shell_real { "yes" } else { "no" }
        );
        println!("  {} of 2 predictions right", size_ok as u8 + shell_ok as u8);
        Ok(())
    })
}

/// `docker run --entrypoint sh IMAGE -c 'echo …'`, sandboxed: `Ok` with its output, or the engine's real error.
async fn try_shell(eng: &Engine, image: &str) -> Result<std::result::Result<String, String>> {
    let out = sandbox::run_entrypoint(
        eng,
        image,
        &["sh".into()],
        &["-c".into(), "echo hello from sh".into()],
        None,
        &sandbox::Limits::default(),
    )
    .await?;
    Ok(match out {
        sandbox::Outcome::Exited { code: 0, output, .. } => Ok(output.trim().to_string()),
        sandbox::Outcome::Exited { code, output, .. } => Err(format!("exit {code}: {}", output.trim())),
        sandbox::Outcome::TimedOut { .. } => Err("timed out".into()),
        sandbox::Outcome::DidNotStart(why) => Err(why),
    })
}

fn wrap(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for w in s.split_whitespace() {
        if line + w.len() + 1 > width && line > 0 {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(w);
        line += w.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chapter_has_the_questions_the_issue_asks_for() {
        let qs = questions();
        assert!(qs.len() >= 12, "{}", qs.len());
        assert_eq!(qs[0].question, "What are the issues you have faced with Docker containers?");
        assert!(qs[1].question.starts_with("Why not just use a minimal Ubuntu image"));
        for q in &qs {
            assert!(q.answer.len() > 100, "{}", q.question);
            assert!(q.key_points.len() >= 3, "{}", q.question);
            for k in &q.key_points {
                assert!(!k.point.is_empty() && !k.detail.is_empty(), "{}: {k:?}", q.question);
            }
        }
        let ids: std::collections::HashSet<&str> = qs.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids.len(), qs.len(), "ids are unique");
    }

    #[test]
    fn scoring_is_explainable_and_can_fail() {
        let q = &questions()[0];
        let good = "Our images were huge, over a gigabyte in size, because the build tools and toolchain shipped; scanners found vulnerabilities. We used a multi-stage build and a distroless final image.";
        let marks = score(q, good);
        assert!(marks.iter().all(|(c, _)| *c), "{marks:?}");
        let bad = "I like turtles.";
        assert!(score(q, bad).iter().all(|(c, _)| !*c));
        // the model answer itself covers its own key points
        for q in questions() {
            let m = score(&q, &q.answer);
            let n = m.iter().filter(|(c, _)| *c).count();
            assert!(n * 2 >= m.len(), "{}: the model answer covers only {n} of {}", q.question, m.len());
        }
    }
}
