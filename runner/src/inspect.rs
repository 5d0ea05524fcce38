//! `workbook inspect IMAGE` and `workbook clean`: the image facts for any local image, and tidying up after us.

use std::collections::HashMap;

use anyhow::Result;
use bollard::query_parameters::{ListContainersOptionsBuilder, ListImagesOptionsBuilder, RemoveImageOptionsBuilder};

use crate::engine::{self, Engine};
use crate::exit;
use crate::facts;
use crate::report::{self, Style};

pub fn run(image: &str, deep: bool, shells_only: bool, json: bool) -> Result<i32> {
    if image.trim().is_empty() || image.contains(char::is_control) {
        return Err(exit::UserError::bad_input("name an image, e.g. `workbook inspect workbook/03-multi-stage`"));
    }
    if shells_only {
        // The shell question alone, for scripts and CI gates: paths on stdout, exit 1 when any shell is found.
        let shells = engine::with_engine(async |eng| facts::shells(eng, image, deep).await)?;
        if json {
            println!("{}", serde_json::to_string(&shells)?);
        } else {
            for s in &shells {
                println!("{s}");
            }
        }
        return Ok(if shells.is_empty() { exit::OK } else { exit::FAILED });
    }
    let f = engine::with_engine(async |eng| facts::gather(eng, image, deep).await)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&f)?);
    } else {
        let st = Style::detect();
        let mut out = String::new();
        report::image_block(&mut out, &f, None, st);
        out.push_str("  history\n");
        for l in &f.layers {
            let cb: String = l.created_by.chars().take(90).collect();
            out.push_str(&format!("    {:>10}  {cb}\n", crate::verdict::human_size(l.size_bytes)));
        }
        print!("{out}");
    }
    Ok(exit::OK)
}

/// What `clean` found and removed.
pub struct Cleaned {
    pub containers: usize,
    pub images: usize,
}

pub async fn clean_all(eng: &Engine) -> Result<Cleaned> {
    let mut filters = HashMap::new();
    filters.insert("label", vec![format!("{}=true", engine::LABEL)]);
    let cs = eng
        .docker
        .list_containers(Some(ListContainersOptionsBuilder::default().all(true).filters(&filters).build()))
        .await?;
    for c in &cs {
        if let Some(id) = &c.id {
            engine::remove_container(&eng.docker, id).await;
        }
    }
    let imgs =
        eng.docker.list_images(Some(ListImagesOptionsBuilder::default().all(false).filters(&filters).build())).await?;
    let mut n = 0;
    for i in &imgs {
        let opts = RemoveImageOptionsBuilder::default().force(true).build();
        if eng.docker.remove_image(&i.id, Some(opts), None).await.is_ok() {
            n += 1;
        }
    }
    Ok(Cleaned { containers: cs.len(), images: n })
}

pub fn clean() -> Result<i32> {
    let c = engine::with_engine(async |eng| clean_all(eng).await)?;
    println!("removed {} container(s) and {} image(s) made by workbook", c.containers, c.images);
    Ok(exit::OK)
}
