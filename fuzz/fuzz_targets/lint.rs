//! Parse + lint any bytes: must never panic, whatever the input (the lint path a learner's file takes).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (analysis, findings) = workbook::rules::lint_bytes(data);
    // Every finding names a rule from the catalogue and a real line.
    for f in &findings {
        assert!(workbook::rules::RULES.iter().any(|r| r.id == f.rule));
        assert!(f.line >= 1);
    }
    if let Some(a) = analysis {
        assert!(!a.stages.is_empty());
        assert_eq!(a.feeds_final.len(), a.stages.len());
    }
});
