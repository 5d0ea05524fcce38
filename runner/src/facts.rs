//! Step 4 of the data path: what an image *is*, measured through the engine. This type is the `"image"` object of
//! `check --json` and `inspect --json`, so its field names are part of the JSON contract.

use anyhow::Result;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{ContainerArchiveInfoOptionsBuilder, DownloadFromContainerOptionsBuilder};
use futures_util::StreamExt;
use serde::Serialize;

use crate::engine::{self, short_error, Engine};
use crate::exit::UserError;
use crate::shell;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageFacts {
    #[serde(rename = "ref")]
    pub reference: String,
    pub id: String,
    /// Sum of the layer sizes the image history reports (what a pull transfers, uncompressed).
    pub size_bytes: u64,
    pub layers: Vec<Layer>,
    /// Paths of every shell found; empty means none.
    pub shells: Vec<String>,
    /// How shells were looked for: `stat` (fast path) or `deep` (every file of every layer).
    pub shell_scan: String,
    pub user: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub env: Vec<String>,
    pub labels: std::collections::BTreeMap<String, String>,
    /// OS packages recorded by dpkg/apk/rpm, when any database is present.
    pub packages: Option<usize>,
    pub package_managers: Vec<String>,
    /// Set when the image is (or is built on) a local stand-in for an upstream image.
    pub standin: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Layer {
    pub size_bytes: u64,
    pub created_by: String,
}

/// A container created from the image and never started: the archive API can stat and read its files even when
/// the image has no shell, no `ls`, nothing to run. Always removed (`remove`, or Ctrl-C via the registry).
pub struct Probe<'a> {
    pub engine: &'a Engine,
    pub id: String,
}

/// What a stat says about one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stat {
    Missing,
    File,
    Dir,
    Symlink(String),
}

/// Go's os.FileMode bits, as the engine reports them.
const MODE_DIR: u32 = 1 << 31;
const MODE_SYMLINK: u32 = 1 << 27;

impl<'a> Probe<'a> {
    pub async fn create(engine: &'a Engine, image: &str) -> Result<Probe<'a>> {
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            // Never run; but the engine refuses to create a container with no command at all.
            cmd: Some(vec!["/workbook-probe-never-runs".into()]),
            entrypoint: Some(vec!["/workbook-probe-never-runs".into()]),
            network_disabled: Some(true),
            labels: Some(engine::labels("probe", None)),
            host_config: Some(HostConfig { network_mode: Some("none".into()), ..Default::default() }),
            ..Default::default()
        };
        let r =
            engine.docker.create_container(None, body).await.map_err(|e| {
                UserError::engine(format!("cannot create a container from {image}: {}", short_error(&e)))
            })?;
        engine::register(&r.id);
        Ok(Probe { engine, id: r.id })
    }

    pub async fn remove(self) {
        engine::remove_container(&self.engine.docker, &self.id).await;
    }

    /// An answer from the engine about the path (404, "not a directory") means `Missing`; failing to get an answer
    /// is an error — never "no shell" because the engine went away mid-scan.
    pub async fn stat(&self, path: &str) -> Result<Stat> {
        let opts = ContainerArchiveInfoOptionsBuilder::default().path(path).build();
        match self.engine.docker.get_container_archive_info(&self.id, Some(opts)).await {
            Ok(s) if s.file_mode & MODE_SYMLINK != 0 => Ok(Stat::Symlink(s.link_target)),
            Ok(s) if s.file_mode & MODE_DIR != 0 => Ok(Stat::Dir),
            Ok(_) => Ok(Stat::File),
            Err(bollard::errors::Error::DockerResponseServerError { .. }) => Ok(Stat::Missing),
            Err(e) => Err(UserError::engine(format!(
                "the engine stopped answering while reading {path}: {}",
                short_error(&e)
            ))),
        }
    }

    /// Follows symlinks (at most 16 hops) to what a path finally is; a dangling or looping link is `Missing`.
    pub async fn resolve(&self, path: &str) -> Result<(String, Stat)> {
        let mut p = path.to_string();
        for _ in 0..16 {
            match self.stat(&p).await? {
                Stat::Symlink(t) => p = shell::join_link(&p, &t),
                other => return Ok((p, other)),
            }
        }
        Ok((p, Stat::Missing))
    }

    /// Reads a (small) file or folder through the archive API as a tar; `None` when it is not there.
    async fn read_tar(&self, path: &str, limit: usize) -> Option<Vec<u8>> {
        let opts = DownloadFromContainerOptionsBuilder::default().path(path).build();
        let mut s = self.engine.docker.download_from_container(&self.id, Some(opts));
        let mut buf = Vec::new();
        while let Some(chunk) = s.next().await {
            buf.extend_from_slice(&chunk.ok()?);
            if buf.len() > limit {
                return None;
            }
        }
        Some(buf)
    }

    /// Counts OS packages from whichever database is there: dpkg, distroless' dpkg status.d, apk.
    pub async fn packages(&self) -> Option<usize> {
        const LIMIT: usize = 64 << 20;
        if let Some(t) = self.read_tar("/var/lib/dpkg/status", LIMIT).await {
            return Some(count_in_tar(&t, |text| text.lines().filter(|l| l.starts_with("Package: ")).count()));
        }
        if let Some(t) = self.read_tar("/var/lib/dpkg/status.d", LIMIT).await {
            return Some(count_in_tar(&t, |text| text.lines().filter(|l| l.starts_with("Package: ")).count()));
        }
        if let Some(t) = self.read_tar("/lib/apk/db/installed", LIMIT).await {
            return Some(count_in_tar(&t, |text| text.lines().filter(|l| l.starts_with("P:")).count()));
        }
        None
    }

    pub async fn package_managers(&self) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for (name, paths) in [
            ("apt", &["/usr/bin/apt-get", "/usr/bin/apt"][..]),
            ("dpkg", &["/usr/bin/dpkg"][..]),
            ("apk", &["/sbin/apk", "/usr/bin/apk"][..]),
            ("dnf/yum", &["/usr/bin/dnf", "/usr/bin/yum", "/usr/bin/microdnf"][..]),
            ("rpm", &["/usr/bin/rpm"][..]),
        ] {
            for p in paths {
                if self.resolve(p).await?.1 == Stat::File {
                    found.push(name.to_string());
                    break;
                }
            }
        }
        Ok(found)
    }
}

fn count_in_tar(t: &[u8], count: impl Fn(&str) -> usize) -> usize {
    let mut a = tar::Archive::new(t);
    let Ok(entries) = a.entries() else { return 0 };
    let mut n = 0;
    for mut e in entries.flatten() {
        let mut s = String::new();
        if std::io::Read::read_to_string(&mut e, &mut s).is_ok() {
            n += count(&s);
        }
    }
    n
}

/// Everything `inspect` and `check` report about an image.
pub async fn gather(engine: &Engine, reference: &str, deep: bool) -> Result<ImageFacts> {
    let docker = &engine.docker;
    let inspect = docker.inspect_image(reference).await.map_err(|e| not_found(reference, &e))?;
    let history = docker.image_history(reference).await.unwrap_or_default();
    let mut layers: Vec<Layer> = history
        .iter()
        .rev()
        .map(|h| Layer { size_bytes: h.size.max(0) as u64, created_by: tidy_created_by(&h.created_by) })
        .collect();
    let from_history: u64 = layers.iter().map(|l| l.size_bytes).sum();
    // History sizes are the uncompressed layer sizes. Inspect's Size can count differently (containerd store);
    // we prefer the layers and fall back to it only when history says nothing.
    let size_bytes = if from_history > 0 { from_history } else { inspect.size.unwrap_or(0).max(0) as u64 };
    if layers.is_empty() {
        layers.push(Layer { size_bytes, created_by: "(no history)".into() });
    }
    let config = inspect.config.unwrap_or_default();
    let env = config.env.unwrap_or_default();
    let labels: std::collections::BTreeMap<String, String> = config.labels.unwrap_or_default().into_iter().collect();
    let mut facts = ImageFacts {
        reference: reference.to_string(),
        id: inspect.id.unwrap_or_default(),
        size_bytes,
        layers,
        shells: vec![],
        shell_scan: if deep { "deep".into() } else { "stat".into() },
        user: config.user.filter(|u| !u.is_empty()),
        entrypoint: config.entrypoint.filter(|e| !e.is_empty()),
        cmd: config.cmd,
        standin: labels.get(engine::LABEL_STANDIN).cloned(),
        env,
        labels,
        packages: None,
        package_managers: vec![],
    };
    let (shells, packages, managers) = with_probe(engine, reference, async |probe: &Probe<'_>| {
        let shells = if deep { vec![] } else { shell::stat_scan(probe, &facts.env).await? };
        Ok((shells, probe.packages().await, probe.package_managers().await?))
    })
    .await?;
    (facts.shells, facts.packages, facts.package_managers) = (shells, packages, managers);
    if deep {
        facts.shells = shell::deep_scan(engine, reference).await?;
    }
    facts.shells.sort();
    Ok(facts)
}

/// Only the shell scan: what `inspect --shells` answers, without the rest of the facts.
pub async fn shells(engine: &Engine, reference: &str, deep: bool) -> Result<Vec<String>> {
    let inspect = engine.docker.inspect_image(reference).await.map_err(|e| not_found(reference, &e))?;
    let mut found = if deep {
        shell::deep_scan(engine, reference).await?
    } else {
        let env = inspect.config.and_then(|c| c.env).unwrap_or_default();
        with_probe(engine, reference, async |probe: &Probe<'_>| shell::stat_scan(probe, &env).await).await?
    };
    found.sort();
    Ok(found)
}

fn not_found(reference: &str, e: &bollard::errors::Error) -> anyhow::Error {
    match e {
        bollard::errors::Error::DockerResponseServerError { status_code: 404, .. } => UserError::bad_input(format!(
            "no image `{reference}` in the engine; build it first, or check the name with `docker images`"
        )),
        _ => UserError::engine(format!("cannot inspect {reference}: {}", short_error(e))),
    }
}

/// `/bin/sh -c #(nop)  CMD ["/app"]` → `CMD ["/app"]`; `/bin/sh -c apt-get …` → `RUN apt-get …`.
fn tidy_created_by(s: &str) -> String {
    let s = s.trim();
    let s = if let Some(rest) = s.strip_prefix("/bin/sh -c #(nop)") {
        rest.trim().to_string()
    } else if let Some(rest) = s.strip_prefix("/bin/sh -c ") {
        format!("RUN {rest}")
    } else if let Some(rest) = s.strip_prefix("|") {
        // build args prefix: "|1 A=b /bin/sh -c …"
        rest.split_once("/bin/sh -c ").map(|(_, r)| format!("RUN {r}")).unwrap_or_else(|| s.to_string())
    } else {
        s.to_string()
    };
    s.chars().take(300).collect()
}

/// Paths that exist (after symlinks) among `paths`; the rest are missing.
pub async fn missing_files(engine: &Engine, image: &str, paths: &[String]) -> Result<Vec<String>> {
    if paths.is_empty() {
        return Ok(vec![]);
    }
    with_probe(engine, image, async |probe: &Probe<'_>| {
        let mut missing = Vec::new();
        for p in paths {
            if probe.resolve(p).await?.1 == Stat::Missing {
                missing.push(p.clone());
            }
        }
        Ok(missing)
    })
    .await
}

/// Creates a probe, runs `f` with it, and removes it whatever `f` returned.
pub async fn with_probe<T>(engine: &Engine, image: &str, f: impl AsyncFnOnce(&Probe<'_>) -> Result<T>) -> Result<T> {
    let probe = Probe::create(engine, image).await?;
    let r = f(&probe).await;
    probe.remove().await;
    r
}
