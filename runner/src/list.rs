//! `workbook list`: the exercises in order, with the learner's progress.

use anyhow::Result;
use serde::Serialize;

use crate::exercise;
use crate::exit;

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    slug: &'a str,
    title: &'a str,
    status: &'static str,
}

pub fn run(json: bool) -> Result<i32> {
    let rows: Vec<Row> = exercise::all()
        .iter()
        .map(|e| Row { id: &e.id, slug: &e.slug, title: &e.spec.title, status: "pending" })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for r in &rows {
            println!("  {}  {:<14} {:<8} {}", r.id, r.slug, r.status, r.title);
        }
    }
    Ok(exit::OK)
}
