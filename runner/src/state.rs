//! The learner's progress: which hints they have seen and how each exercise's last check went. One small JSON file
//! at the workspace root, safe to delete (it only forgets progress). A corrupt file is set aside, never trusted.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::exercise::Workspace;

pub const FILE: &str = ".workbook-state.json";

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub hints: BTreeMap<String, usize>,
    #[serde(default)]
    pub results: BTreeMap<String, Result>,
    #[serde(skip)]
    path: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Result {
    pub passed: bool,
    pub size_bytes: Option<u64>,
}

impl State {
    pub fn load(ws: &Workspace) -> State {
        let path = ws.root.join(FILE);
        let mut s = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<State>(&bytes) {
                Ok(s) => s,
                Err(_) => {
                    let aside = ws.root.join(format!("{FILE}.corrupt"));
                    let _ = std::fs::rename(&path, &aside);
                    eprintln!("workbook: {FILE} was not valid JSON; moved it to {} and started fresh", aside.display());
                    State::default()
                }
            },
            Err(_) => State::default(),
        };
        s.path = Some(path);
        s
    }

    /// Best effort: failing to save progress must never fail a check.
    pub fn save(&self) {
        if let (Some(p), Ok(text)) = (&self.path, serde_json::to_string_pretty(self)) {
            let tmp = p.with_extension("json.tmp");
            if std::fs::write(&tmp, text).is_ok() {
                let _ = std::fs::rename(&tmp, p);
            }
        }
    }

    pub fn status(&self, id: &str) -> &'static str {
        match self.results.get(id) {
            Some(r) if r.passed => "done",
            Some(_) => "failing",
            None => "pending",
        }
    }
}
