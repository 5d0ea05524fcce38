//! Exit codes are part of the contract (graders and CI scripts branch on them), so they live in one place.

use std::fmt;

/// All checks passed / no error findings.
pub const OK: i32 = 0;
/// Checks failed, or error findings.
pub const FAILED: i32 = 1;
/// Bad input: unknown exercise id, unreadable file, bad usage.
pub const BAD_INPUT: i32 = 2;
/// No Docker engine answered.
pub const ENGINE: i32 = 3;
/// Interrupted (Ctrl-C); everything the runner created was removed first.
pub const INTERRUPTED: i32 = 130;

/// An error the user can act on: a one-line message and the exit code it maps to.
#[derive(Debug)]
pub struct UserError {
    pub code: i32,
    pub message: String,
}

impl UserError {
    pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(UserError { code: BAD_INPUT, message: message.into() })
    }
    pub fn engine(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(UserError { code: ENGINE, message: message.into() })
    }
    pub fn interrupted() -> anyhow::Error {
        anyhow::Error::new(UserError { code: INTERRUPTED, message: "interrupted; cleaned up".into() })
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// The `--help` text that documents the codes.
pub const HELP: &str = "\
Exit codes:
  0    passed (check) / no error findings (lint)
  1    checks failed / error findings
  2    bad input: unknown exercise, unreadable file, usage error
  3    no Docker engine answered
  130  interrupted (Ctrl-C); everything the runner created was removed";
