//! `workbook compare A B …`: images side by side — size, layers, shells, user, packages — a size bar chart, and
//! what the largest image has that the smallest does not ("what multi-stage left behind").

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use anyhow::Result;
use futures_util::TryStreamExt;
use serde::Serialize;

use crate::check::tag_for;
use crate::engine::{self, short_error, Engine};
use crate::exercise;
use crate::exit::{self, UserError};
use crate::facts::{self, ImageFacts, Probe};
use crate::report::Style;
use crate::verdict::human_size;

/// Folders are summed to this depth (`/usr/lib/go-1.19`): deep enough to name the toolchain, shallow enough to
/// keep the tally small whatever the image size.
const DEPTH: usize = 3;

#[derive(Serialize)]
struct Compared {
    images: Vec<ImageFacts>,
    /// Biggest folders in the largest image that the smallest does not have.
    left_behind: Vec<(String, u64)>,
}

/// An exercise id means that exercise's image from the last `workbook check`; anything else is an image reference.
async fn resolve(eng: &Engine, arg: &str) -> Result<String> {
    if let Ok(ex) = exercise::find(arg) {
        let tag = tag_for(ex);
        if eng.docker.inspect_image(&tag).await.is_ok() {
            return Ok(tag);
        }
        return Err(UserError::bad_input(format!(
            "exercise {} has no image yet; run `workbook check {}` first (or name an image)",
            ex.id, ex.id
        )));
    }
    Ok(arg.to_string())
}

/// Bytes per folder (to `DEPTH`) in the image's final filesystem, read from a container export (whiteouts applied
/// by the engine). Streams; memory grows with the number of folders, not with the image.
async fn folder_sizes(eng: &Engine, image: &str) -> Result<HashMap<String, u64>> {
    facts::with_probe(eng, image, async |probe: &Probe<'_>| {
        let stream = eng.docker.export_container(&probe.id).map_err(|e| std::io::Error::other(short_error(&e)));
        let reader = tokio_util::io::StreamReader::new(stream);
        tokio::task::spawn_blocking(move || tally(&mut tokio_util::io::SyncIoBridge::new(reader)))
            .await
            .map_err(|e| UserError::engine(format!("reading {image} stopped: {e}")))?
            .map_err(|e| UserError::engine(format!("reading {image}: {e}")))
    })
    .await
}

fn tally(r: &mut impl Read) -> std::io::Result<HashMap<String, u64>> {
    let mut sizes: HashMap<String, u64> = HashMap::new();
    let mut a = tar::Archive::new(r);
    for e in a.entries()? {
        let e = e?;
        if !e.header().entry_type().is_file() {
            continue;
        }
        let path = e.path()?.to_string_lossy().to_string();
        let parts: Vec<&str> = path.trim_start_matches("./").split('/').filter(|p| !p.is_empty()).collect();
        if parts.len() < 2 {
            *sizes.entry("/".into()).or_default() += e.size();
            continue;
        }
        let dir = format!("/{}", parts[..(parts.len() - 1).min(DEPTH)].join("/"));
        *sizes.entry(dir).or_default() += e.size();
    }
    Ok(sizes)
}

pub fn run(args: &[String], json: bool) -> Result<i32> {
    if args.len() < 2 {
        return Err(UserError::bad_input(
            "compare needs at least two exercises or images, e.g. `workbook compare 01 03`",
        ));
    }
    let st = Style::detect();
    let (facts, left_behind) = engine::with_engine(async |eng| {
        let mut all = Vec::new();
        for a in args {
            let image = resolve(eng, a).await?;
            all.push(facts::gather(eng, &image, false).await?);
        }
        let big = all.iter().max_by_key(|f| f.size_bytes).unwrap().reference.clone();
        let small = all.iter().min_by_key(|f| f.size_bytes).unwrap().reference.clone();
        let mut left = Vec::new();
        if big != small {
            let b = folder_sizes(eng, &big).await?;
            let s = folder_sizes(eng, &small).await?;
            left = b.into_iter().filter(|(d, _)| !s.contains_key(d)).collect::<Vec<_>>();
            left.sort_by_key(|x| std::cmp::Reverse(x.1));
            left.truncate(8);
        }
        Ok((all, left))
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&Compared { images: facts, left_behind })?);
        return Ok(exit::OK);
    }
    let w = facts.iter().map(|f| f.reference.len()).max().unwrap_or(5).max(5);
    println!("{:<w$}  {:>10}  {:>6}  {:<8}  {:<12}  {:>8}", "image", "size", "layers", "shells", "user", "packages");
    for f in &facts {
        let shells = if f.shells.is_empty() { "none".to_string() } else { f.shells.len().to_string() };
        let user = f.user.clone().unwrap_or_else(|| "root".into());
        let pk = f.packages.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
        println!(
            "{:<w$}  {:>10}  {:>6}  {:<8}  {:<12}  {:>8}",
            f.reference,
            human_size(f.size_bytes),
            f.layers.len(),
            shells,
            user,
            pk
        );
    }
    println!();
    let max = facts.iter().map(|f| f.size_bytes).max().unwrap_or(1).max(1);
    for f in &facts {
        let n = ((f.size_bytes as f64 / max as f64) * 50.0).round() as usize;
        let bar = "█".repeat(n.max(1));
        let bar = if f.size_bytes == max { st.red(&bar) } else { st.green(&bar) };
        println!("{:<w$}  {bar} {}", f.reference, human_size(f.size_bytes));
    }
    if !left_behind.is_empty() {
        let big = facts.iter().max_by_key(|f| f.size_bytes).unwrap();
        let small = facts.iter().min_by_key(|f| f.size_bytes).unwrap();
        println!("\nIn {} but not in {} (biggest folders):", big.reference, small.reference);
        let mut sorted: BTreeMap<u64, Vec<&String>> = BTreeMap::new();
        for (d, s) in &left_behind {
            sorted.entry(*s).or_default().push(d);
        }
        for (s, ds) in sorted.iter().rev() {
            for d in ds {
                println!("  {:>10}  {d}", human_size(*s));
            }
        }
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_by_folder_to_a_fixed_depth() {
        let mut b = tar::Builder::new(Vec::new());
        for (p, n) in [("usr/lib/go/bin/go", 100u64), ("usr/lib/go/src/a/b/c.go", 50), ("app", 7), ("etc/passwd", 1)] {
            let mut h = tar::Header::new_gnu();
            h.set_size(n);
            h.set_cksum();
            b.append_data(&mut h, p, &vec![0u8; n as usize][..]).unwrap();
        }
        let t = b.into_inner().unwrap();
        let s = tally(&mut &t[..]).unwrap();
        assert_eq!(s["/usr/lib/go"], 150);
        assert_eq!(s["/"], 7);
        assert_eq!(s["/etc"], 1);
    }
}
