//! Step 3 of the data path starts here: reaching a Docker (or Podman) engine, and owning what we create in it.
//!
//! Everything the runner creates carries the label `org.workbook.managed=true`, so `workbook clean` (and the tests
//! that count leaks) can find it. Containers are also registered here while they exist, so Ctrl-C can remove them
//! before the process exits.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Result;
use bollard::query_parameters::RemoveContainerOptionsBuilder;
use bollard::{Docker, API_DEFAULT_VERSION};

use crate::exit::UserError;

pub const LABEL: &str = "org.workbook.managed";
pub const LABEL_KIND: &str = "org.workbook.kind";
pub const LABEL_EXERCISE: &str = "org.workbook.exercise";
/// Set on the offline stand-in images (scripts/offline-images.sh); inherited by images built on them.
pub const LABEL_STANDIN: &str = "org.workbook.standin";

/// Builds of the notes' image take minutes (apt, the Go toolchain); bollard's default of 120 s would cut them off.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3600);
/// How long one socket may take to answer a ping before we call it dead.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

pub struct Engine {
    pub docker: Docker,
    /// Where we connected, for messages (`unix:///var/run/docker.sock`).
    pub endpoint: String,
    pub version: String,
    pub api_version: String,
    /// `Docker Engine` or `Podman Engine`, from the version components.
    pub product: String,
}

pub fn labels(kind: &str, exercise: Option<&str>) -> HashMap<String, String> {
    let mut m = HashMap::new();
    m.insert(LABEL.to_string(), "true".to_string());
    m.insert(LABEL_KIND.to_string(), kind.to_string());
    if let Some(e) = exercise {
        m.insert(LABEL_EXERCISE.to_string(), e.to_string());
    }
    m
}

/// Sockets to try when `DOCKER_HOST` is unset, in order: the usual Docker socket, Docker Desktop's per-user socket,
/// rootless Podman, then rootful Podman.
fn candidates() -> Vec<String> {
    let mut v = vec!["unix:///var/run/docker.sock".to_string()];
    if let Some(home) = std::env::var_os("HOME") {
        v.push(format!("unix://{}", PathBuf::from(home).join(".docker/run/docker.sock").display()));
    }
    if let Some(x) = std::env::var_os("XDG_RUNTIME_DIR") {
        v.push(format!("unix://{}", PathBuf::from(&x).join("podman/podman.sock").display()));
        v.push(format!("unix://{}", PathBuf::from(x).join("docker.sock").display()));
    }
    v.push("unix:///run/podman/podman.sock".to_string());
    v
}

/// Connects, pings and negotiates the API version. Fails within a few seconds per endpoint with one message that
/// says what was tried and how to fix it (exit code 3).
pub async fn connect() -> Result<Engine> {
    let (endpoints, from_env) = match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.trim().is_empty() => (vec![h.trim().to_string()], true),
        _ => (candidates(), false),
    };
    let mut tried = Vec::new();
    for ep in &endpoints {
        if let Some(path) = ep.strip_prefix("unix://") {
            if !from_env && !std::path::Path::new(path).exists() {
                tried.push(format!("{ep} (no such socket)"));
                continue;
            }
        }
        match try_endpoint(ep).await {
            Ok(engine) => return Ok(engine),
            Err(why) => tried.push(format!("{ep} ({why})")),
        }
    }
    let fix = if from_env {
        "check DOCKER_HOST, or unset it to use the local engine"
    } else {
        "start Docker (`sudo systemctl start docker`, or `bash scripts/ensure-engine.sh`) or Podman (`systemctl --user start podman.socket`), or set DOCKER_HOST"
    };
    Err(UserError::engine(format!("no Docker engine answered; tried {}. To fix: {fix}", tried.join(", "))))
}

async fn try_endpoint(ep: &str) -> std::result::Result<Engine, String> {
    let docker = if let Some(path) = ep.strip_prefix("unix://") {
        Docker::connect_with_unix(path, REQUEST_TIMEOUT.as_secs(), API_DEFAULT_VERSION)
    } else {
        Docker::connect_with_host(ep).map(|d| d.with_timeout(REQUEST_TIMEOUT))
    }
    .map_err(|e| short_error(&e))?;
    let docker = tokio::time::timeout(PING_TIMEOUT, docker.negotiate_version())
        .await
        .map_err(|_| format!("no answer within {} s", PING_TIMEOUT.as_secs()))?
        .map_err(|e| short_error(&e))?;
    let v = tokio::time::timeout(PING_TIMEOUT, docker.version())
        .await
        .map_err(|_| "no answer to /version".to_string())?
        .map_err(|e| short_error(&e))?;
    let product = v
        .components
        .as_ref()
        .and_then(|c| c.first())
        .map(|c| c.name.clone())
        .filter(|n| n != "Engine") // Docker calls its component just "Engine"
        .unwrap_or_else(|| "Docker Engine".to_string());
    Ok(Engine {
        docker,
        endpoint: ep.to_string(),
        version: v.version.unwrap_or_default(),
        api_version: v.api_version.unwrap_or_default(),
        product,
    })
}

/// bollard's errors can be long and nested; one clause is enough in a one-line message.
pub fn short_error(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    match e {
        E::DockerResponseServerError { status_code, message } => format!("{status_code}: {}", message.trim()),
        E::SocketNotFoundError(p) => format!("no socket at {p}"),
        E::RequestTimeoutError => "timed out".to_string(),
        other => {
            let s = other.to_string();
            let s = s.lines().next().unwrap_or("").to_string();
            if s.contains("Connection refused") || s.contains("connection refused") {
                "connection refused".into()
            } else {
                s.chars().take(160).collect()
            }
        }
    }
}

/// Containers that exist right now and must not outlive the process.
static LIVE: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn register(id: &str) {
    LIVE.lock().unwrap_or_else(|p| p.into_inner()).push(id.to_string());
}

pub async fn remove_container(docker: &Docker, id: &str) {
    let opts = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
    // A container may already be gone (auto-removed, or removed by a concurrent clean): nothing to report then.
    let _ = docker.remove_container(id, Some(opts)).await;
    LIVE.lock().unwrap_or_else(|p| p.into_inner()).retain(|c| c != id);
}

/// Images that only live for one command (a `check --file` build): removed at its end, or on Ctrl-C.
static EPHEMERAL_IMAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn register_image(tag: &str) {
    EPHEMERAL_IMAGES.lock().unwrap_or_else(|p| p.into_inner()).push(tag.to_string());
}

/// Removes an ephemeral image but keeps its parent layers: they are the build cache for the next check.
pub async fn remove_image(docker: &Docker, tag: &str) {
    let opts = bollard::query_parameters::RemoveImageOptionsBuilder::default().force(true).noprune(true).build();
    let _ = docker.remove_image(tag, Some(opts), None).await;
    EPHEMERAL_IMAGES.lock().unwrap_or_else(|p| p.into_inner()).retain(|t| t != tag);
}

/// Removes every registered container and ephemeral image; called on Ctrl-C before exiting with code 130.
pub async fn remove_all_live(docker: &Docker) {
    let ids: Vec<String> = LIVE.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for id in ids {
        remove_container(docker, &id).await;
    }
    let tags: Vec<String> = EPHEMERAL_IMAGES.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for t in tags {
        remove_image(docker, &t).await;
    }
}

/// Runs `f` against a connected engine on a fresh runtime, removing our containers if Ctrl-C arrives first.
pub fn with_engine<T>(f: impl AsyncFnOnce(&Engine) -> Result<T>) -> Result<T> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| UserError::bad_input(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let engine = connect().await?;
        tokio::select! {
            r = f(&engine) => r,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("\nworkbook: interrupted; removing the containers this run created…");
                remove_all_live(&engine.docker).await;
                Err(UserError::interrupted())
            }
        }
    })
}
