//! `workbook list`: the exercises in order, with the learner's progress and what to do next.

use anyhow::Result;
use serde::Serialize;

use crate::exercise::{self, Workspace};
use crate::exit;
use crate::report::Style;
use crate::state::State;
use crate::verdict::human_size;

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    slug: &'a str,
    title: &'a str,
    status: &'static str,
    size_bytes: Option<u64>,
}

pub fn run(json: bool) -> Result<i32> {
    let state = Workspace::find().ok().map(|ws| State::load(&ws)).unwrap_or_default();
    let rows: Vec<Row> = exercise::all()
        .iter()
        .map(|e| Row {
            id: &e.id,
            slug: &e.slug,
            title: &e.spec.title,
            status: state.status(&e.id),
            size_bytes: state.results.get(&e.id).and_then(|r| r.size_bytes),
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(exit::OK);
    }
    let st = Style::detect();
    let next = rows.iter().position(|r| r.status != "done");
    let w = rows.iter().map(|r| r.slug.len()).max().unwrap_or(10);
    for (i, r) in rows.iter().enumerate() {
        let mark = if Some(i) == next { "→" } else { " " };
        let status = match r.status {
            "done" => st.green("done   "),
            "failing" => st.red("failing"),
            _ => st.dim("pending"),
        };
        let size = r.size_bytes.map(human_size).unwrap_or_default();
        println!("{mark} {}  {:<w$}  {status}  {:<9} {}", r.id, r.slug, size, r.title);
    }
    match next {
        Some(i) => println!("\nNext: workbook check {}", rows[i].id),
        None => println!("\nAll done: every exercise passes."),
    }
    Ok(exit::OK)
}
