//! Running the learner's image: it is untrusted code, so it gets no network, no capabilities, no privilege
//! escalation, a read-only root, memory and process limits, a deadline, and bounded output. The container is
//! removed on every path out: success, non-zero exit, timeout, engine error and Ctrl-C.

use std::time::Duration;

use anyhow::Result;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{LogsOptionsBuilder, WaitContainerOptionsBuilder};
use futures_util::StreamExt;

use crate::engine::{self, short_error, Engine};

pub struct Limits {
    pub timeout: Duration,
    pub memory_bytes: i64,
    pub pids: i64,
    /// Output kept for the report; the rest is read past and dropped.
    pub max_output: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { timeout: Duration::from_secs(10), memory_bytes: 256 << 20, pids: 64, max_output: 64 << 10 }
    }
}

impl Limits {
    /// `WORKBOOK_RUN_TIMEOUT` (seconds) shortens or lengthens the deadline; tests use it to exercise timeouts.
    pub fn from_env() -> Limits {
        let mut l = Limits::default();
        if let Some(s) = std::env::var("WORKBOOK_RUN_TIMEOUT").ok().and_then(|v| v.parse::<u64>().ok()) {
            l.timeout = Duration::from_secs(s.clamp(1, 3600));
        }
        l
    }
}

#[derive(Debug)]
pub enum Outcome {
    /// Exit code and the first `max_output` bytes of stdout+stderr.
    Exited {
        code: i64,
        output: String,
        truncated: bool,
    },
    TimedOut {
        output: String,
    },
    /// The engine would not start it (no such entrypoint, bad USER, …): the learner's to fix.
    DidNotStart(String),
}

pub fn host_config(l: &Limits) -> HostConfig {
    let mut tmpfs = std::collections::HashMap::new();
    tmpfs.insert("/tmp".to_string(), "rw,noexec,nosuid,size=16m".to_string());
    HostConfig {
        network_mode: Some("none".into()),
        cap_drop: Some(vec!["ALL".into()]),
        security_opt: Some(vec!["no-new-privileges".into()]),
        readonly_rootfs: Some(true),
        memory: Some(l.memory_bytes),
        memory_swap: Some(l.memory_bytes),
        pids_limit: Some(l.pids),
        tmpfs: Some(tmpfs),
        ..Default::default()
    }
}

pub async fn run(engine: &Engine, image: &str, args: &[String], exercise: Option<&str>, l: &Limits) -> Result<Outcome> {
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        cmd: if args.is_empty() { None } else { Some(args.to_vec()) },
        network_disabled: Some(true),
        labels: Some(engine::labels("run", exercise)),
        host_config: Some(host_config(l)),
        ..Default::default()
    };
    let docker = &engine.docker;
    let id = match docker.create_container(None, body).await {
        Ok(r) => r.id,
        Err(e) => return Ok(Outcome::DidNotStart(format!("the container could not be created: {}", short_error(&e)))),
    };
    engine::register(&id);
    let result = run_created(engine, &id, l).await;
    engine::remove_container(docker, &id).await;
    result
}

async fn run_created(engine: &Engine, id: &str, l: &Limits) -> Result<Outcome> {
    let docker = &engine.docker;
    if let Err(e) = docker.start_container(id, None).await {
        return Ok(Outcome::DidNotStart(format!("the container did not start: {}", short_error(&e))));
    }
    let wait = async {
        let mut s =
            docker.wait_container(id, Some(WaitContainerOptionsBuilder::default().condition("not-running").build()));
        match s.next().await {
            Some(Ok(r)) => r.status_code,
            // bollard reports a non-zero exit as an error carrying the code.
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
            _ => -1,
        }
    };
    let code = tokio::time::timeout(l.timeout, wait).await;
    let (output, truncated) = read_logs(engine, id, l.max_output).await;
    Ok(match code {
        Ok(code) => Outcome::Exited { code, output, truncated },
        Err(_) => Outcome::TimedOut { output },
    })
}

/// Reads at most `max` bytes of the container's output; a container that printed 100 MB costs us `max`.
async fn read_logs(engine: &Engine, id: &str, max: usize) -> (String, bool) {
    let opts = LogsOptionsBuilder::default().stdout(true).stderr(true).follow(false).build();
    let mut s = engine.docker.logs(id, Some(opts));
    let mut buf = Vec::new();
    let mut truncated = false;
    while let Some(item) = s.next().await {
        let Ok(chunk) = item else { break };
        let bytes = chunk.into_bytes();
        let room = max.saturating_sub(buf.len());
        if bytes.len() > room {
            buf.extend_from_slice(&bytes[..room]);
            truncated = true;
            break;
        }
        buf.extend_from_slice(&bytes);
    }
    (String::from_utf8_lossy(&buf).into_owned(), truncated)
}

impl Outcome {
    /// For the `runs` verdict: exit code and output, or why it did not run.
    pub fn for_verdict(&self, timeout: Duration) -> std::result::Result<(i64, String), String> {
        match self {
            Outcome::Exited { code, output, truncated: false } => Ok((*code, output.clone())),
            Outcome::Exited { code, output, truncated: true } => {
                Ok((*code, format!("{output}\n(output cut at {} kB)", output.len() / 1024)))
            }
            Outcome::TimedOut { output } => {
                let last = output.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("(nothing)");
                let last: String = last.chars().take(120).collect();
                Err(format!(
                    "still running after {} s (last output: {last}); the app should print its greeting and exit",
                    timeout.as_secs()
                ))
            }
            Outcome::DidNotStart(why) => Err(why.clone()),
        }
    }
}
