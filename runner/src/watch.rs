//! `workbook watch [ID]`: re-check on every save, rustlings-style. Keys: n next, h hint, l list, q quit.
//! It never moves on by itself: passing an exercise says so and waits for `n`, so a learner can read the report.

use std::io::{IsTerminal, Write};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Result;
use notify::{RecursiveMode, Watcher};

use crate::check;
use crate::exercise::{self, Exercise, Workspace};
use crate::exit::{self, UserError};
use crate::state::State;

enum Msg {
    Changed,
    Key(char),
}

/// Raw mode lets single keys through without Enter; it is switched off while reports print, so their lines
/// end where they should.
struct Raw(bool);

impl Raw {
    fn on(&mut self) {
        if !self.0 && crossterm::terminal::enable_raw_mode().is_ok() {
            self.0 = true;
        }
    }
    fn off(&mut self) {
        if self.0 {
            let _ = crossterm::terminal::disable_raw_mode();
            self.0 = false;
        }
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        self.off();
    }
}

fn first_unfinished(ws: &Workspace) -> &'static Exercise {
    let st = State::load(ws);
    exercise::all().iter().find(|e| st.status(&e.id) != "done").unwrap_or(&exercise::all()[0])
}

pub fn run(id: Option<&str>) -> Result<i32> {
    let ws = Workspace::find()?;
    let mut ex = match id {
        Some(id) => exercise::find(id)?,
        None => first_unfinished(&ws),
    };
    let (tx, rx) = mpsc::channel::<Msg>();
    let ftx = tx.clone();
    let mut watcher = notify::recommended_watcher(move |r: notify::Result<notify::Event>| {
        if let Ok(ev) = r {
            if ev.kind.is_modify() || ev.kind.is_create() || ev.kind.is_remove() {
                let _ = ftx.send(Msg::Changed);
            }
        }
    })
    .map_err(|e| UserError::bad_input(format!("cannot watch files: {e}")))?;
    let watch = |w: &mut notify::RecommendedWatcher, ex: &Exercise| -> Result<()> {
        for p in [ws.root.join("exercises").join(&ex.dir), ex.context_in(&ws)] {
            w.watch(&p, RecursiveMode::Recursive)
                .map_err(|e| UserError::bad_input(format!("cannot watch {}: {e}", p.display())))?;
        }
        Ok(())
    };
    watch(&mut watcher, ex)?;

    let interactive = std::io::stdin().is_terminal();
    let ktx = tx.clone();
    std::thread::spawn(move || keys(ktx, interactive));

    let mut raw = Raw(false);
    recheck(ex, &mut raw, interactive);
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Changed => {
                // Editors save in bursts (write, rename, chmod): wait for quiet, then check once.
                while rx.recv_timeout(Duration::from_millis(300)).is_ok_and(|m| matches!(m, Msg::Changed)) {}
                recheck(ex, &mut raw, interactive);
            }
            Msg::Key('q') => break,
            Msg::Key('h') => {
                raw.off();
                let _ = crate::learn::hint_with(&ex.id, "press h again");
                prompt(ex, &mut raw, interactive);
            }
            Msg::Key('l') => {
                raw.off();
                let _ = crate::list::run(false);
                prompt(ex, &mut raw, interactive);
            }
            Msg::Key('n') => {
                let all = exercise::all();
                let i = all.iter().position(|e| e.id == ex.id).unwrap_or(0);
                if i + 1 < all.len() {
                    let _ = watcher.unwatch(&ws.root.join("exercises").join(&ex.dir));
                    ex = &all[i + 1];
                    watch(&mut watcher, ex)?;
                    recheck(ex, &mut raw, interactive);
                } else {
                    raw.off();
                    println!("That was the last exercise.");
                    prompt(ex, &mut raw, interactive);
                }
            }
            Msg::Key(_) => {}
        }
    }
    raw.off();
    println!("bye");
    Ok(exit::OK)
}

fn recheck(ex: &Exercise, raw: &mut Raw, interactive: bool) {
    raw.off();
    if interactive {
        // Clear the screen so each report starts at the top, as rustlings does.
        print!("\x1b[2J\x1b[H");
    }
    println!("watching exercises/{} (saving re-checks it)\n", ex.dir);
    let opts = check::Options { id: ex.id.clone(), file: None, static_only: false, deep: false, json: false };
    match check::run(&opts) {
        Ok(exit::OK) => println!("\nExercise {} passes. Press n for the next one when you are ready.", ex.id),
        Ok(_) => {}
        Err(e) => match e.downcast_ref::<UserError>() {
            Some(u) => println!("workbook: {}", u.message),
            None => println!("workbook: {e:#}"),
        },
    }
    prompt(ex, raw, interactive);
}

fn prompt(ex: &Exercise, raw: &mut Raw, interactive: bool) {
    println!("\n[{}] n: next   h: hint   l: list   q: quit", ex.id);
    let _ = std::io::stdout().flush();
    if interactive {
        raw.on();
    }
}

/// Single keys from a terminal; whole lines (first letter) when stdin is a pipe, so scripts can drive it too.
fn keys(tx: mpsc::Sender<Msg>, interactive: bool) {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    if interactive {
        loop {
            match event::read() {
                Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => {
                    let c = match k.code {
                        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => 'q',
                        KeyCode::Char(c) => c,
                        KeyCode::Esc => 'q',
                        _ => continue,
                    };
                    if tx.send(Msg::Key(c)).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    } else {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
            if let Some(c) = line.trim().chars().next() {
                if tx.send(Msg::Key(c)).is_err() {
                    return;
                }
            }
            line.clear();
        }
        let _ = tx.send(Msg::Key('q'));
    }
}
