//! `workbook`: the runner of the workbook. The data path reads left to right, one module per step:
//! Dockerfile → `dockerfile` (parse) → `rules` (findings) → `build` (image) → `facts` + `shell` (image facts) →
//! `sandbox` (run) → `verdict` (verdicts) → `report`. `check` strings them together for one exercise.
//!
//! A library as well as a binary so that the fuzz target and benchmarks can call parse + lint directly.

pub mod book;
pub mod build;
pub mod check;
pub mod cli;
pub mod compare;
pub mod context;
pub mod dockerfile;
pub mod doctor;
pub mod engine;
pub mod exercise;
pub mod exit;
pub mod facts;
pub mod grade;
pub mod inspect;
pub mod interview;
pub mod learn;
pub mod lint;
pub mod list;
pub mod report;
pub mod rules;
pub mod sandbox;
pub mod shell;
pub mod state;
pub mod verdict;
pub mod verify;
pub mod watch;
