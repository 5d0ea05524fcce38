//! Replays every input the fuzzer ever found interesting or crashing (fuzz/regressions/), plus a few written by
//! hand: parse + lint must return, never panic.

use std::path::Path;

#[test]
fn fuzz_regressions_do_not_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("fuzz/regressions exists").flatten() {
        let bytes = std::fs::read(e.path()).unwrap();
        let _ = workbook::rules::lint_bytes(&bytes);
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {}", dir.display());
}
