//! `workbook doctor`: is this machine ready? Engine, API, builder, disk use, and every base image the exercises
//! name — present (and whether it is a local stand-in), pullable, or missing.

use std::collections::BTreeSet;

use anyhow::Result;

use crate::dockerfile::Base;
use crate::engine::{self, Engine};
use crate::exercise;
use crate::exit;
use crate::report::Style;
use crate::rules;
use crate::verdict::human_size;

/// Every external image the exercises' starters and solutions build on or copy from.
pub fn needed_images() -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for ex in exercise::all() {
        for text in [ex.starter, ex.solution] {
            let Some(a) = rules::lint_bytes(text.as_bytes()).0 else { continue };
            for s in &a.stages {
                if let Base::Image(r) = &s.base {
                    set.insert(r.full.clone());
                }
                for i in &s.instructions {
                    for from in crate::dockerfile::copy_sources(i) {
                        if crate::dockerfile::resolve_from(&a, &from, s.index).is_none() && from.contains(':') {
                            set.insert(from);
                        }
                    }
                }
            }
        }
    }
    set
}

pub fn run() -> Result<i32> {
    let st = Style::detect();
    engine::with_engine(async |eng: &Engine| {
        println!("engine    {} {} at {}", eng.product, eng.version, eng.endpoint);
        println!("api       {} (negotiated)", eng.api_version);
        println!("builder   classic (API version=1): works on Docker 20.10+, Docker with BuildKit, and Podman");
        // `df` changed shape across API versions; the image list did not.
        if let Ok(images) = eng.docker.list_images(None::<bollard::query_parameters::ListImagesOptions>).await {
            let total: i64 = images.iter().map(|i| i.size).sum();
            let ours: i64 = images.iter().filter(|i| i.labels.contains_key(engine::LABEL)).map(|i| i.size).sum();
            println!(
                "disk      images use {} ({} of it made by workbook; `workbook clean` removes those)",
                human_size(total.max(0) as u64),
                human_size(ours.max(0) as u64)
            );
        }
        println!("base images the exercises use:");
        let mut missing = 0;
        for img in needed_images() {
            let line = match eng.docker.inspect_image(&img).await {
                Ok(i) => {
                    let standin = i.config.and_then(|c| c.labels).and_then(|l| l.get(engine::LABEL_STANDIN).cloned());
                    match standin {
                        Some(_) => format!("{}  (local stand-in)", st.green("present")),
                        None => st.green("present"),
                    }
                }
                Err(_) => {
                    missing += 1;
                    let pull = tokio::time::timeout(
                        std::time::Duration::from_secs(5),
                        eng.docker.inspect_registry_image(&img, None),
                    )
                    .await;
                    match pull {
                        Ok(Ok(_)) => st.yellow("missing, pullable (the first check pulls it)"),
                        _ => st.red("missing, registry unreachable: run `bash scripts/offline-images.sh`"),
                    }
                }
            };
            println!("  {img:<45} {line}");
        }
        Ok(if missing == 0 { exit::OK } else { exit::FAILED })
    })
}
