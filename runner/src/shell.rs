//! Is there a shell left in the image? Two ways to answer, which must agree on every image the tests build.
//!
//! * `stat_scan` (fast, the default): stat every shell name in every `PATH` folder and the usual places through a
//!   never-started container, following symlinks. Cost is a fixed number of small requests, whatever the image size.
//! * `deep_scan` (`--deep`): stream the exported image once and look at every file of every layer, applying
//!   whiteouts in layer order, so a shell renamed, hidden in an odd folder, or deleted by a later layer is judged
//!   right. Memory holds only shell candidates and whiteouts, never file contents or a full file list.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use anyhow::Result;
use futures_util::{stream, StreamExt, TryStreamExt};

use crate::engine::{short_error, Engine};
use crate::exit::UserError;
use crate::facts::{Probe, Stat};

/// Names that give an interactive shell. busybox and toybox count: `busybox sh` is a shell.
pub const SHELL_NAMES: &[&str] = &[
    "sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "lksh", "pdksh", "oksh", "yash", "csh", "tcsh", "fish", "rbash",
    "busybox", "toybox",
];

/// Folders looked in besides the image's PATH: where distributions and distroless `:debug` put shells.
const USUAL_DIRS: &[&str] =
    &["/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/busybox", "/usr/libexec"];

/// Resolves a symlink target against the folder of the link, lexically.
pub fn join_link(link: &str, target: &str) -> String {
    let base =
        if target.starts_with('/') { String::new() } else { link.rsplit_once('/').map_or("", |(d, _)| d).to_string() };
    normalize(&format!("{base}/{target}"))
}

pub fn normalize(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The fast path. Returns the paths (as found, e.g. `/bin/sh`) that lead to an existing file.
pub async fn stat_scan(probe: &Probe<'_>, env: &[String]) -> Result<Vec<String>> {
    let path_var = env.iter().find_map(|e| e.strip_prefix("PATH=")).unwrap_or("");
    let mut dirs: Vec<String> = USUAL_DIRS.iter().map(|s| s.to_string()).collect();
    dirs.extend(path_var.split(':').filter(|d| d.starts_with('/')).map(normalize));
    // Resolve each folder once; `/bin` → `/usr/bin` on merged-/usr systems would otherwise report every shell twice.
    let resolved: Vec<(String, Stat)> = stream::iter(dirs.into_iter().map(|d| async move { probe.resolve(&d).await }))
        .buffered(16)
        .try_collect()
        .await?;
    // Report canonical paths (`/usr/bin/sh`, not `/bin/sh` through a merged-/usr link) so the fast and the deep
    // scan name the same file the same way.
    let mut seen = HashSet::new();
    let mut real_dirs = Vec::new();
    for (target, st) in resolved {
        if st == Stat::Dir && seen.insert(target.clone()) {
            real_dirs.push(target);
        }
    }
    let candidates: Vec<String> = real_dirs
        .iter()
        .flat_map(|d| SHELL_NAMES.iter().map(move |n| format!("{}/{n}", d.trim_end_matches('/'))))
        .collect();
    let found: Vec<Option<String>> = stream::iter(candidates.into_iter().map(|p| async move {
        Ok::<_, anyhow::Error>(match probe.resolve(&p).await?.1 {
            Stat::File => Some(p),
            _ => None,
        })
    }))
    .buffered(32)
    .try_collect()
    .await?;
    Ok(found.into_iter().flatten().collect())
}

/// Markers inside a binary that give it away as a shell whatever it is called.
const CONTENT_MARKERS: &[&[u8]] = &[b"BusyBox v", b"@(#)Bash version", b"toybox"];
/// Only files this small are read for markers (busybox is ~2 MB; bash ~1.3 MB); larger ones are skipped unread.
const MARKER_SCAN_LIMIT: u64 = 8 << 20;

/// What one layer says about shells: candidates it adds and what it deletes from the layers below.
#[derive(Default, Debug)]
struct LayerSummary {
    /// path → `None` for a file, `Some(target)` for a symlink.
    shells: BTreeMap<String, Option<String>>,
    /// Paths deleted from the layers below (`.wh.<name>`).
    whiteouts: Vec<String>,
    /// Folders whose lower-layer contents this layer hides (`.wh..wh..opq`).
    opaque_dirs: Vec<String>,
    /// Regular files a shell-named symlink might point at: known targets, and files in binary folders (layers stream
    /// in digest order, not layer order, so a link in a later layer may point at a file we have already passed).
    files: HashSet<String>,
}

/// overlay2 layer folders, bottom layer first, when the engine keeps them on this machine and we may read them.
async fn overlay_layers(engine: &Engine, reference: &str) -> Option<Vec<std::path::PathBuf>> {
    if std::env::var_os("WORKBOOK_DEEP_EXPORT").is_some() {
        return None; // force the portable path (tests use this to check both paths agree)
    }
    let gd = engine.docker.inspect_image(reference).await.ok()?.graph_driver?;
    if gd.name != "overlay2" {
        return None;
    }
    let data = gd.data;
    let mut layers: Vec<std::path::PathBuf> =
        data.get("LowerDir").map(|l| l.split(':').rev().map(std::path::PathBuf::from).collect()).unwrap_or_default();
    layers.push(std::path::PathBuf::from(data.get("UpperDir")?));
    layers.iter().all(|d| std::fs::read_dir(d).is_ok()).then_some(layers)
}

/// The deep path: every file of every layer, whiteouts applied in layer order — from the overlay2 folders when
/// they are here, else from the exported image.
pub async fn deep_scan(engine: &Engine, reference: &str) -> Result<Vec<String>> {
    if let Some(layers) = overlay_layers(engine, reference).await {
        let r = tokio::task::spawn_blocking(move || scan_overlay_dirs(&layers)).await;
        if let Ok(Ok(found)) = r {
            return Ok(found);
        }
        // a layer vanished mid-walk (image removed) or could not be read: fall back to the export
    }
    export_scan(engine, reference).await
}

async fn export_scan(engine: &Engine, reference: &str) -> Result<Vec<String>> {
    let stream = engine.docker.export_image(reference).map_err(|e| std::io::Error::other(short_error(&e)));
    let reader = tokio_util::io::StreamReader::new(stream);
    let reference = reference.to_string();
    let summaries = tokio::task::spawn_blocking(move || {
        let sync = tokio_util::io::SyncIoBridge::new(reader);
        scan_saved_image(sync)
    })
    .await
    .map_err(|e| UserError::engine(format!("the deep scan of {reference} stopped: {e}")))??;
    Ok(summaries)
}

/// Reads a `docker save` stream (Docker's layout or OCI's) and returns the shells in the final filesystem.
pub fn scan_saved_image(r: impl Read) -> Result<Vec<String>> {
    let mut outer = tar::Archive::new(r);
    let mut layers: HashMap<String, LayerSummary> = HashMap::new();
    let mut manifest: Option<Vec<String>> = None;
    let mut symlink_targets: HashSet<String> = HashSet::new();
    for entry in outer.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.to_string_lossy().to_string();
        if path == "manifest.json" {
            let mut s = String::new();
            entry.read_to_string(&mut s)?;
            manifest = parse_manifest(&s);
            continue;
        }
        if !entry.header().entry_type().is_file() || entry.size() < 512 {
            continue;
        }
        // Layer blobs are plain or gzipped tars; other blobs (configs, indexes) are JSON and are skipped.
        let mut head = [0u8; 512];
        entry.read_exact(&mut head)?;
        let chained = std::io::Cursor::new(head.to_vec()).chain(&mut entry);
        let summary = if head[0] == 0x1f && head[1] == 0x8b {
            scan_layer(flate2::read::GzDecoder::new(chained), &mut symlink_targets)
        } else if &head[257..262] == b"ustar" {
            scan_layer(chained, &mut symlink_targets)
        } else {
            continue;
        };
        layers.insert(path, summary?);
    }
    let order = manifest.ok_or_else(|| UserError::engine("the exported image has no manifest.json"))?;
    Ok(merge(order.iter().filter_map(|p| layers.remove(p))))
}

fn parse_manifest(s: &str) -> Option<Vec<String>> {
    let v: serde_json::Value = serde_json::from_str(s).ok()?;
    let layers = v.get(0)?.get("Layers")?.as_array()?;
    Some(layers.iter().filter_map(|l| l.as_str().map(str::to_string)).collect())
}

fn in_binary_dir(p: &str) -> bool {
    ["/bin/", "/sbin/", "/libexec/", "/busybox/"].iter().any(|d| p.contains(d))
}

fn is_shell_name(name: &str) -> bool {
    SHELL_NAMES.contains(&name)
}

impl LayerSummary {
    fn symlink(&mut self, path: String, name: &str, target: &str, symlink_targets: &mut HashSet<String>) {
        if is_shell_name(name) {
            let resolved = join_link(&path, target);
            symlink_targets.insert(resolved.clone());
            self.shells.insert(path, Some(resolved));
        }
    }

    /// A regular file. A shell is an executable ELF file; data files that merely share a name (bash-completion,
    /// lintian overrides) are not. Renamed shells are caught by markers inside the binary.
    fn file(&mut self, path: String, name: &str, mode: u32, size: u64, r: &mut impl Read) -> std::io::Result<()> {
        if mode & 0o111 != 0 && size > 4 {
            let mut magic = [0u8; 4];
            r.read_exact(&mut magic)?;
            if &magic == b"\x7fELF" {
                if is_shell_name(name) {
                    self.shells.insert(path.clone(), None);
                } else if size <= MARKER_SCAN_LIMIT {
                    let mut buf = Vec::with_capacity(size as usize);
                    r.read_to_end(&mut buf)?;
                    if CONTENT_MARKERS.iter().any(|m| memchr::memmem::find(&buf, m).is_some()) {
                        self.shells.insert(path.clone(), None);
                    }
                }
            }
        }
        // Remember files that shell-named symlinks point at, so a link to a renamed binary is not called dangling.
        self.files.insert(path);
        Ok(())
    }

    /// Keep only file paths a link could lead to: memory grows with the number of binaries, not with image size.
    fn finish(mut self, symlink_targets: &HashSet<String>) -> LayerSummary {
        let shells = &self.shells;
        self.files.retain(|p| symlink_targets.contains(p) || shells.contains_key(p) || in_binary_dir(p));
        self
    }
}

fn scan_layer(r: impl Read, symlink_targets: &mut HashSet<String>) -> Result<LayerSummary> {
    let mut a = tar::Archive::new(r);
    let mut s = LayerSummary::default();
    for e in a.entries()? {
        let mut e = e?;
        let raw = e.path()?.to_string_lossy().to_string();
        let path = normalize(&raw);
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
        let (dir, name) = (if dir.is_empty() { "/" } else { dir }.to_string(), name.to_string());
        if name == ".wh..wh..opq" {
            s.opaque_dirs.push(dir);
            continue;
        }
        if let Some(gone) = name.strip_prefix(".wh.") {
            s.whiteouts.push(normalize(&format!("{dir}/{gone}")));
            continue;
        }
        let et = e.header().entry_type();
        if et.is_symlink() {
            let target = e.link_name()?.map(|t| t.to_string_lossy().to_string()).unwrap_or_default();
            s.symlink(path, &name, &target, symlink_targets);
        } else if et.is_hard_link() {
            if is_shell_name(&name) {
                s.shells.insert(path, None);
            }
        } else if et.is_file() {
            let (mode, size) = (e.header().mode().unwrap_or(0), e.size());
            s.file(path, &name, mode, size, &mut e)?;
        }
    }
    Ok(s.finish(symlink_targets))
}

/// The deep scan's fast path: overlay2 keeps each layer as a folder on the engine's machine. When they are here and
/// readable, walking them costs a directory walk instead of the engine writing the whole image out (`docker save`).
/// Whiteouts are 0/0 character devices; opaque folders carry the `overlay.opaque` xattr.
pub fn scan_overlay_dirs(layers_bottom_up: &[std::path::PathBuf]) -> Result<Vec<String>> {
    let mut symlink_targets = HashSet::new();
    let mut summaries = Vec::new();
    for root in layers_bottom_up {
        let mut s = LayerSummary::default();
        walk_layer(root, root, &mut s, &mut symlink_targets)?;
        summaries.push(s.finish(&symlink_targets));
    }
    Ok(merge(summaries.into_iter()))
}

fn walk_layer(
    root: &std::path::Path,
    dir: &std::path::Path,
    s: &mut LayerSummary,
    targets: &mut HashSet<String>,
) -> std::io::Result<()> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        let rel = normalize(&p.strip_prefix(root).unwrap_or(&p).to_string_lossy());
        let name = e.file_name().to_string_lossy().to_string();
        let m = std::fs::symlink_metadata(&p)?;
        let ft = m.file_type();
        if ft.is_dir() {
            if is_opaque(&p) {
                s.opaque_dirs.push(rel);
            }
            walk_layer(root, &p, s, targets)?;
        } else if ft.is_char_device() && m.rdev() == 0 {
            s.whiteouts.push(rel);
        } else if ft.is_symlink() {
            let target = std::fs::read_link(&p)?.to_string_lossy().to_string();
            s.symlink(rel, &name, &target, targets);
        } else if ft.is_file() {
            let mut f = std::fs::File::open(&p)?;
            s.file(rel, &name, m.mode(), m.len(), &mut f)?;
        }
    }
    Ok(())
}

fn is_opaque(dir: &std::path::Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else { return false };
    ["trusted.overlay.opaque", "user.overlay.opaque"].iter().any(|attr| {
        let a = std::ffi::CString::new(*attr).unwrap();
        let mut v = [0u8; 2];
        // SAFETY: both strings are NUL-terminated and `v` is a valid buffer of the length passed.
        let n = unsafe { libc::lgetxattr(c.as_ptr(), a.as_ptr(), v.as_mut_ptr().cast(), v.len()) };
        n == 1 && v[0] == b'y'
    })
}

/// Applies layers bottom to top: whiteouts and opaque folders delete what lower layers had, then the layer's own
/// files are added. Symlinks count only if they lead to a file that survived.
fn merge(layers: impl Iterator<Item = LayerSummary>) -> Vec<String> {
    let mut shells: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut files: HashSet<String> = HashSet::new();
    let under = |p: &str, d: &str| p == d || p.starts_with(&format!("{}/", d.trim_end_matches('/')));
    for l in layers {
        for d in &l.opaque_dirs {
            shells.retain(|p, _| !(p != d && under(p, d)));
            files.retain(|p| !(p != d && under(p, d)));
        }
        for w in &l.whiteouts {
            shells.retain(|p, _| !under(p, w));
            files.retain(|p| !under(p, w));
        }
        files.extend(l.files);
        shells.extend(l.shells);
    }
    let mut out = Vec::new();
    for (path, target) in &shells {
        match target {
            None => out.push(path.clone()),
            Some(t) => {
                let mut t = t.clone();
                let mut ok = false;
                for _ in 0..16 {
                    match shells.get(&t) {
                        Some(Some(next)) => t = next.clone(),
                        Some(None) => {
                            ok = true;
                            break;
                        }
                        None => {
                            ok = files.contains(&t);
                            break;
                        }
                    }
                }
                if ok {
                    out.push(path.clone());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_resolution() {
        assert_eq!(join_link("/bin/sh", "dash"), "/bin/dash");
        assert_eq!(join_link("/bin/sh", "/usr/bin/bash"), "/usr/bin/bash");
        assert_eq!(join_link("/usr/bin/sh", "../../bin/busybox"), "/bin/busybox");
        assert_eq!(normalize("//a/./b/../c/"), "/a/c");
    }

    fn layer(files: &[&str], links: &[(&str, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for f in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(8);
            h.set_mode(0o755);
            h.set_cksum();
            b.append_data(&mut h, f.trim_start_matches('/'), &b"\x7fELFxxxx"[..]).unwrap();
        }
        for (l, t) in links {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, l.trim_start_matches('/'), t).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn saved(layers: &[Vec<u8>]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let names: Vec<String> = (0..layers.len()).map(|i| format!("l{i}/layer.tar")).collect();
        for (n, l) in names.iter().zip(layers) {
            let mut h = tar::Header::new_gnu();
            h.set_size(l.len() as u64);
            h.set_cksum();
            b.append_data(&mut h, n, &l[..]).unwrap();
        }
        let m = serde_json::json!([{ "Layers": names }]).to_string();
        let mut h = tar::Header::new_gnu();
        h.set_size(m.len() as u64);
        h.set_cksum();
        b.append_data(&mut h, "manifest.json", m.as_bytes()).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn whiteouts_opaque_dirs_and_dangling_links() {
        let img = saved(&[
            layer(&["/bin/bash", "/bin/dash", "/opt/x/zsh"], &[("/bin/sh", "dash")]),
            layer(&["/bin/.wh.dash", "/opt/x/.wh..wh..opq"], &[]),
        ]);
        // dash deleted → /bin/sh dangles; zsh hidden by the opaque folder; bash survives
        assert_eq!(scan_saved_image(&img[..]).unwrap(), vec!["/bin/bash".to_string()]);
    }

    #[test]
    fn link_across_layers_to_a_lower_layer_binary() {
        let img = saved(&[layer(&["/usr/bin/dash"], &[]), layer(&[], &[("/bin/sh", "/usr/bin/dash")])]);
        assert_eq!(scan_saved_image(&img[..]).unwrap(), vec!["/bin/sh".to_string(), "/usr/bin/dash".to_string()]);
    }

    #[test]
    fn link_to_a_renamed_binary_still_counts() {
        let img = saved(&[layer(&["/usr/lib/thing"], &[("/bin/sh", "/usr/lib/thing")])]);
        assert_eq!(scan_saved_image(&img[..]).unwrap(), vec!["/bin/sh".to_string()]);
    }
}
