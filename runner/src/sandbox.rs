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

/// The engine's start errors wrap one useful clause in several layers of runtime text
/// ("400: failed to create shim task: OCI runtime create failed: …: exec: \"/app\": stat /app: no such file…").
/// Keep that clause, and say what it means for the Dockerfile.
pub fn explain_start_error(raw: &str) -> String {
    let core = match raw.find("exec: ") {
        Some(i) => raw[i..].trim_end_matches(": unknown").trim_end_matches(": OCI permission denied").to_string(),
        None => match raw.find("unable to find user") {
            Some(i) => raw[i..].trim_end_matches(": unknown").to_string(),
            None => return raw.to_string(),
        },
    };
    let meaning = if core.contains("executable file not found") {
        "the command is not in the image (there may be no shell: use exec form with the full path)"
    } else if core.contains("no such file or directory") {
        "the ENTRYPOINT or CMD names a file the image does not have"
    } else if core.contains("permission denied") {
        "the file is not executable by the image's user"
    } else if core.contains("unable to find user") {
        "USER names a user the image's /etc/passwd does not have: use a numeric id"
    } else {
        return core;
    };
    format!("{core} — {meaning}")
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
        // Explicit rlimits: bounded file descriptors for untrusted code, and Podman's defaults (nofile 1048576)
        // exceed the hard limit of some hosts, where runc then refuses to start anything.
        ulimits: Some(vec![ulimit("nofile", 1024), ulimit("nproc", 512)]),
        ..Default::default()
    }
}

fn ulimit(name: &str, n: i64) -> bollard::models::ResourcesUlimits {
    bollard::models::ResourcesUlimits { name: Some(name.into()), soft: Some(n), hard: Some(n) }
}

pub async fn run(engine: &Engine, image: &str, args: &[String], exercise: Option<&str>, l: &Limits) -> Result<Outcome> {
    run_entrypoint(engine, image, &[], args, exercise, l).await
}

/// `run` with `--entrypoint`: the interview demo's `--entrypoint sh`, to show the real error a shell-less image gives.
pub async fn run_entrypoint(
    engine: &Engine,
    image: &str,
    entrypoint: &[String],
    args: &[String],
    exercise: Option<&str>,
    l: &Limits,
) -> Result<Outcome> {
    let docker = &engine.docker;
    let id = match create_untrusted(engine, image, entrypoint, args, "run", exercise, l).await {
        Ok(id) => id,
        Err(why) => return Ok(Outcome::DidNotStart(why)),
    };
    let result = run_created(engine, &id, l).await;
    engine::remove_container(docker, &id).await;
    result
}

/// Every container that runs learner code is made here, so all of them get the same confinement and labels, and
/// are registered for removal on Ctrl-C. `Err` is the engine's refusal, said for the learner.
async fn create_untrusted(
    engine: &Engine,
    image: &str,
    entrypoint: &[String],
    args: &[String],
    kind: &str,
    exercise: Option<&str>,
    l: &Limits,
) -> std::result::Result<String, String> {
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        entrypoint: if entrypoint.is_empty() { None } else { Some(entrypoint.to_vec()) },
        cmd: if args.is_empty() { None } else { Some(args.to_vec()) },
        network_disabled: Some(true),
        labels: Some(engine::labels(kind, exercise)),
        host_config: Some(host_config(l)),
        ..Default::default()
    };
    match engine.docker.create_container(None, body).await {
        Ok(r) => {
            engine::register(&r.id);
            Ok(r.id)
        }
        Err(e) => Err(format!("the container could not be created: {}", short_error(&e))),
    }
}

async fn run_created(engine: &Engine, id: &str, l: &Limits) -> Result<Outcome> {
    let docker = &engine.docker;
    if let Err(e) = docker.start_container(id, None).await {
        return Ok(Outcome::DidNotStart(format!(
            "the container did not start: {}",
            explain_start_error(&short_error(&e))
        )));
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

/// Runs the app (e.g. `serve`) and the image's own HEALTHCHECK against it, the way the engine would, but with
/// exec from outside so the verdict does not wait for the health interval. `Ok` holds what the check printed.
pub async fn healthcheck(
    engine: &Engine,
    image: &str,
    args: &[String],
    exercise: Option<&str>,
    l: &Limits,
) -> Result<std::result::Result<String, String>> {
    let inspect = engine.docker.inspect_image(image).await?;
    let test = inspect.config.and_then(|c| c.healthcheck).and_then(|h| h.test).unwrap_or_default();
    let cmd: Vec<String> = match test.first().map(String::as_str) {
        None | Some("NONE") => return Ok(Err("the image has no HEALTHCHECK; add one in exec form".into())),
        Some("CMD-SHELL") => {
            vec!["/bin/sh".into(), "-c".into(), test.get(1).cloned().unwrap_or_default()]
        }
        Some("CMD") => test[1..].to_vec(),
        Some(_) => test.clone(),
    };
    let shell_form = test.first().map(String::as_str) == Some("CMD-SHELL");
    let docker = &engine.docker;
    let id = match create_untrusted(engine, image, &[], args, "healthcheck", exercise, l).await {
        Ok(id) => id,
        Err(why) => return Ok(Err(why)),
    };
    let result = async {
        if let Err(e) = docker.start_container(&id, None).await {
            return Ok(Err(format!("the app did not start: {}", short_error(&e))));
        }
        // The server needs a moment to listen; try a few times, as the engine's retries would.
        let mut last = String::new();
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(400)).await;
            match exec(engine, &id, &cmd).await {
                Ok((0, out)) => return Ok(Ok(out.trim().chars().take(120).collect())),
                Ok((code, out)) => last = format!("exit {code}: {}", out.trim().chars().take(200).collect::<String>()),
                Err(e) => {
                    last = e;
                    break;
                }
            }
        }
        let why = if shell_form {
            format!("the HEALTHCHECK uses the shell form (CMD-SHELL), but the image has no /bin/sh ({last}); use exec form: HEALTHCHECK CMD [\"/app\", \"healthcheck\"]")
        } else {
            format!("the HEALTHCHECK {} failed: {last}", serde_json::to_string(&cmd).unwrap_or_default())
        };
        Ok(Err(why))
    }
    .await;
    engine::remove_container(docker, &id).await;
    result
}

/// Runs a command in a running container; `Err` when it cannot even start (no such file).
async fn exec(engine: &Engine, id: &str, cmd: &[String]) -> std::result::Result<(i64, String), String> {
    use bollard::exec::{CreateExecOptions, StartExecResults};
    let docker = &engine.docker;
    let opts = CreateExecOptions::<String> {
        cmd: Some(cmd.to_vec()),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        ..Default::default()
    };
    let created = docker.create_exec(id, opts).await.map_err(|e| short_error(&e))?;
    let mut out = Vec::new();
    match docker.start_exec(&created.id, None).await.map_err(|e| short_error(&e))? {
        StartExecResults::Attached { mut output, .. } => {
            while let Some(Ok(chunk)) = output.next().await {
                if out.len() < 4096 {
                    out.extend_from_slice(&chunk.into_bytes());
                }
            }
        }
        StartExecResults::Detached => {}
    }
    let code = docker.inspect_exec(&created.id).await.map_err(|e| short_error(&e))?.exit_code.unwrap_or(-1);
    let text = String::from_utf8_lossy(&out).into_owned();
    // The engine reports "exec: no such file" as output with code 126/127 on Docker, as an error on Podman.
    if code == 126 || code == 127 {
        return Err(if text.trim().is_empty() {
            format!("cannot run {}", cmd.first().map(String::as_str).unwrap_or(""))
        } else {
            text.trim().to_string()
        });
    }
    Ok((code, text))
}

#[cfg(test)]
mod tests {
    use super::explain_start_error;

    #[test]
    fn start_errors_keep_the_engines_clause_and_say_what_it_means() {
        let raw = "400: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"/app\": stat /app: no such file or directory: unknown";
        assert_eq!(
            explain_start_error(raw),
            "exec: \"/app\": stat /app: no such file or directory — the ENTRYPOINT or CMD names a file the image does not have"
        );
        let raw = "400: …: exec: \"sh\": executable file not found in $PATH: unknown";
        assert!(explain_start_error(raw).contains("there may be no shell"));
        let raw = "500: unable to find user nonroot: no matching entries in passwd file";
        assert!(explain_start_error(raw).contains("use a numeric id"));
        assert_eq!(explain_start_error("409: something else"), "409: something else");
    }
}
