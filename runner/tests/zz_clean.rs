//! `workbook clean` removes everything the runner labelled. Named so cargo runs it after the other test binaries:
//! it also removes their cached images.

mod common;
use common::*;

#[test]
fn clean_removes_every_labelled_container_and_image() {
    let Some(_engine) = engine_or_skip("clean") else { return };
    // Something labelled of each kind: an image, and a stopped container from it.
    fixture("wbtest/clean-me", "FROM scratch\nLABEL org.workbook.managed=true\nCOPY Dockerfile /x\n");
    let o = docker(&["create", "--label", "org.workbook.managed=true", "wbtest/clean-me", "/x"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["clean"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("removed"), "{}", text(&o));
    let c = docker(&["ps", "-aq", "--filter", "label=org.workbook.managed=true"]);
    let i = docker(&["images", "-q", "--filter", "label=org.workbook.managed=true"]);
    assert!(String::from_utf8_lossy(&c.stdout).trim().is_empty(), "containers left");
    assert!(String::from_utf8_lossy(&i.stdout).trim().is_empty(), "images left");
    // the base images are not ours and stay
    assert!(docker(&["image", "inspect", "ubuntu:24.04"]).status.success());
}
