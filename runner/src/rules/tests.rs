//! Every rule both ways: it fires on the file that breaks it and stays quiet on the fixed file.

use super::*;

fn ids(src: &str) -> Vec<&'static str> {
    lint_bytes(src.as_bytes()).1.iter().map(|f| f.rule).collect()
}

fn has(src: &str, id: &str) -> bool {
    ids(src).contains(&id)
}

fn lines_of(src: &str, id: &str) -> Vec<usize> {
    lint_bytes(src.as_bytes()).1.iter().filter(|f| f.rule == id).map(|f| f.line).collect()
}

/// A clean multi-stage file: the baseline that no rule should fire on.
const GOOD: &str = "\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /app .

FROM scratch
COPY --from=build /app /app
USER 65532:65532
ENTRYPOINT [\"/app\"]
";

#[test]
fn good_file_is_clean() {
    assert_eq!(ids(GOOD), Vec::<&str>::new());
}

#[test]
fn the_notes_dockerfile() {
    let notes = "FROM ubuntu AS build\nRUN apt-get update && apt-get install -y golang-go\nENV GO111MODULE=off\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nENTRYPOINT [\"/app\"]\n";
    let got = ids(notes);
    for id in ["WB101", "WB102", "WB204", "WB301", "WB302", "WB303", "WB304"] {
        assert!(got.contains(&id), "{id} missing from {got:?}");
    }
    assert!(!got.contains(&"WB001") && !got.contains(&"WB201"), "{got:?}");
}

#[test]
fn wb001_not_a_dockerfile() {
    for bad in [
        "",
        "\n\n# nothing\n",
        "RUN echo hi\n",
        "FORM ubuntu\n",
        "FROM a:1\nRUN <<EOF\nno end\n",
        "FROM Ubuntu:24.04\n",
        "FROM a\u{0}b\n",
    ] {
        assert_eq!(ids(bad).first(), Some(&"WB001"), "{bad:?}");
    }
    assert!(has("\u{0}\u{1}\u{2}binary", "WB001"));
    assert!(lint_bytes(&[b'F', 0xC3, 0x28]).1[0].rule == "WB001");
    // An ARG with no default in FROM gives an empty name.
    let f = lint_bytes(b"ARG BASE\nFROM ${BASE}\nCMD [\"x\"]\n").1;
    assert_eq!(f[0].rule, "WB001");
    assert!(f[0].message.contains("ARG"), "{}", f[0].message);
    assert!(!has(GOOD, "WB001"));
}

#[test]
fn wb002_exec_form_not_json() {
    assert_eq!(lines_of("FROM scratch\nCOPY a /a\nENTRYPOINT ['/app']\n", "WB002"), vec![3]);
    assert!(has("FROM debian:12\nCMD [\"/app\", --flag]\n", "WB002"));
    assert!(!has(GOOD, "WB002"));
    assert!(!has("FROM debian:12\nCMD echo [x]\n", "WB002"));
}

#[test]
fn wb101_single_stage() {
    assert!(has("FROM debian:12\nCMD [\"x\"]\n", "WB101"));
    assert!(!has(GOOD, "WB101"));
}

#[test]
fn wb102_full_final_base() {
    assert!(has("FROM golang:1.22 AS b\nRUN go build\nFROM debian:12\nCOPY --from=b /a /a\n", "WB102"));
    assert!(has("FROM python:3.12-slim\nCMD [\"x\"]\n", "WB102"));
    assert!(!has(GOOD, "WB102"));
    assert!(!has(
        "FROM golang:1.22 AS b\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=b /a /a\n",
        "WB102"
    ));
}

#[test]
fn wb103_bad_copy_from() {
    // typo, suggesting the closest name
    let f = lint_bytes(b"FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=biuld /app /app\n").1;
    let w = f.iter().find(|f| f.rule == "WB103").unwrap();
    assert_eq!(w.line, 3);
    assert!(w.hint.contains("--from=build"), "{}", w.hint);
    // forward index, own index, forward name, own name
    assert!(has("FROM golang:1.22 AS build\nCOPY --from=1 /a /a\nFROM scratch AS out\n", "WB103"));
    assert!(has("FROM golang:1.22\nFROM scratch\nCOPY --from=1 /a /a\n", "WB103"));
    assert!(has("FROM golang:1.22 AS a\nCOPY --from=b /x /x\nFROM scratch AS b\n", "WB103"));
    assert!(has("FROM golang:1.22 AS a\nFROM scratch AS b\nCOPY --from=b /x /x\n", "WB103"));
    // fine: by name (any case), by earlier index, from an external image
    assert!(!has("FROM golang:1.22 AS Build\nFROM scratch\nCOPY --from=BUILD /a /a\n", "WB103"));
    assert!(!has("FROM golang:1.22\nFROM scratch\nCOPY --from=0 /a /a\n", "WB103"));
    assert!(!has("FROM scratch\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\n", "WB103"));
}

#[test]
fn wb104_final_from_build_stage() {
    assert!(has("FROM golang:1.22 AS build\nRUN go build -o /app\nFROM build\nENTRYPOINT [\"/app\"]\n", "WB104"));
    assert!(!has("FROM scratch AS base\nCOPY a /a\nFROM base\nENTRYPOINT [\"/a\"]\n", "WB104"));
    assert!(!has(GOOD, "WB104"));
}

#[test]
fn wb105_numeric_from() {
    let f = lint_bytes(b"FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=0 /a /a\n").1;
    let w = f.iter().find(|f| f.rule == "WB105").unwrap();
    assert!(w.hint.contains("--from=build"), "{}", w.hint);
    assert!(!has(GOOD, "WB105"));
}

#[test]
fn wb201_shell_form_in_shell_less_final() {
    let src = "FROM golang:1.22 AS build\nRUN go build -o /app\nFROM scratch\nCOPY --from=build /app /app\nRUN chmod +x /app\nENTRYPOINT /app\n";
    assert_eq!(lines_of(src, "WB201"), vec![5, 6]);
    // distroless non-debug too, but not :debug, and not a full final base
    assert!(has("FROM gcr.io/distroless/static-debian12:nonroot\nCMD /app\n", "WB201"));
    assert!(!has("FROM gcr.io/distroless/static-debian12:debug\nCMD /app\n", "WB201"));
    assert!(!has("FROM debian:12\nCMD /app\n", "WB201"));
    // shell form in a *build* stage is fine
    assert!(!has(GOOD, "WB201"));
}

#[test]
fn wb202_named_user_in_scratch() {
    assert_eq!(lines_of("FROM scratch\nCOPY app /app\nUSER nonroot\nENTRYPOINT [\"/app\"]\n", "WB202"), vec![3]);
    assert!(!has("FROM debian:12 AS b\nFROM scratch\nCOPY --from=b /etc/passwd /etc/passwd\nUSER nobody\n", "WB202"));
    assert!(!has(GOOD, "WB202"));
    assert!(!has("FROM gcr.io/distroless/static-debian12\nUSER nonroot\n", "WB202"));
}

#[test]
fn wb203_cgo() {
    let src = "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n";
    assert_eq!(lines_of(src, "WB203"), vec![2]);
    assert!(!has("FROM golang:1.22 AS build\nENV CGO_ENABLED=0\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n", "WB203"));
    assert!(!has("FROM golang:1.22 AS build\nENV CGO_ENABLED 0\nFROM build AS b2\nRUN go build -o /app .\nFROM scratch\nCOPY --from=b2 /app /app\n", "WB203"));
    // a glibc final base is fine with cgo
    assert!(!has(
        "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM debian:12\nCOPY --from=build /app /app\n",
        "WB203"
    ));
    assert!(!has(GOOD, "WB203"));
}

#[test]
fn wb204_root() {
    assert!(has("FROM scratch\nCOPY a /a\nENTRYPOINT [\"/a\"]\n", "WB204"));
    assert_eq!(lines_of("FROM scratch\nCOPY a /a\nUSER 0\nENTRYPOINT [\"/a\"]\n", "WB204"), vec![3]);
    assert!(has("FROM debian:12\nUSER root:root\n", "WB204"));
    assert!(!has("FROM gcr.io/distroless/static-debian12:nonroot\nCOPY a /a\nENTRYPOINT [\"/a\"]\n", "WB204"));
    assert!(!has(GOOD, "WB204"));
}

#[test]
fn wb205_no_entrypoint() {
    assert!(has("FROM golang:1.22 AS b\nFROM scratch\nCOPY --from=b /a /a\n", "WB205"));
    assert!(!has(GOOD, "WB205"));
    assert!(!has("FROM scratch AS base\nCMD [\"/a\"]\nFROM base\n", "WB205"));
}

#[test]
fn wb206_debug_base() {
    assert!(has("FROM gcr.io/distroless/static-debian12:debug\nENTRYPOINT [\"/a\"]\n", "WB206"));
    assert!(has("FROM gcr.io/distroless/base-debian12:debug-nonroot\nENTRYPOINT [\"/a\"]\n", "WB206"));
    assert!(!has("FROM gcr.io/distroless/static-debian12:nonroot\nENTRYPOINT [\"/a\"]\n", "WB206"));
}

#[test]
fn wb301_unpinned_only_where_it_matters() {
    assert!(has("FROM ubuntu\nCMD [\"x\"]\n", "WB301"));
    assert!(has("FROM golang:latest AS b\nFROM scratch\nCOPY --from=b /a /a\n", "WB301"));
    assert!(has("FROM scratch\nCOPY --from=nginx /etc/nginx /etc/nginx\n", "WB301"));
    // an unused stage does not matter
    assert!(!has("FROM golang AS unused\nFROM golang:1.22 AS b\nFROM scratch\nCOPY --from=b /a /a\n", "WB301"));
    assert!(!has("FROM debian@sha256:0123456789abcdef\nCMD [\"x\"]\n", "WB301"));
    assert!(!has(GOOD, "WB301"));
}

#[test]
fn wb302_wb303_only_in_final_image_stages() {
    let build_only = "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y gcc\nFROM scratch\nCOPY --from=build /a /a\n";
    assert!(!has(build_only, "WB302") && !has(build_only, "WB303"));
    let fin = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n";
    assert_eq!(lines_of(fin, "WB302"), vec![2]);
    assert_eq!(lines_of(fin, "WB303"), vec![2]);
    let clean = "FROM debian:12\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n";
    assert!(!has(clean, "WB302") && !has(clean, "WB303"));
    // a later RUN cleaning up does not count: the lists are already in the earlier layer
    assert!(has("FROM debian:12\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n", "WB303"));
    // final FROM <stage> chain counts as the final image
    assert!(has("FROM debian:12 AS base\nRUN apt-get install -y x\nFROM base\n", "WB302"));
}

#[test]
fn wb304_relative_dest_without_workdir() {
    assert!(has("FROM debian:12\nCOPY . .\n", "WB304"));
    assert!(!has("FROM debian:12\nWORKDIR /src\nCOPY . .\n", "WB304"));
    assert!(!has("FROM debian:12\nCOPY . /src/\n", "WB304"));
    assert!(!has("FROM debian:12 AS base\nWORKDIR /src\nFROM base\nCOPY . .\n", "WB304"));
    assert!(!has(GOOD, "WB304"));
}

#[test]
fn lowercase_instructions() {
    let src =
        "from golang:1.22 as build\nrun go build -o /app\nfrom scratch\ncopy --from=build /app /app\nentrypoint /app\n";
    let got = ids(src);
    assert!(got.contains(&"WB201") && got.contains(&"WB203"), "{got:?}");
}

#[test]
fn continuation_lines_with_comments_inside() {
    let src = "FROM debian:12\nRUN apt-get update \\\n# we need curl\n  && apt-get install -y \\\n  # really\n  --no-install-recommends curl \\\n  && rm -rf /var/lib/apt/lists/*\nCMD [\"curl\"]\n";
    let got = ids(src);
    assert!(!got.contains(&"WB302") && !got.contains(&"WB303") && !got.contains(&"WB001"), "{got:?}");
}

#[test]
fn backtick_escape() {
    let src = "# escape=`\nFROM debian:12\nRUN apt-get update `\n  && apt-get install -y --no-install-recommends curl `\n  && rm -rf /var/lib/apt/lists/*\nCMD [\"curl\"]\n";
    let got = ids(src);
    assert!(!got.contains(&"WB302") && !got.contains(&"WB303") && !got.contains(&"WB001"), "{got:?}");
}

#[test]
fn arg_resolved_bases() {
    // The ARG default decides what the final base is.
    let src = "ARG BASE=gcr.io/distroless/static-debian12:nonroot\nFROM golang:1.22 AS b\nRUN CGO_ENABLED=0 go build -o /a\nFROM ${BASE}\nCOPY --from=b /a /a\nCMD /a\n";
    assert!(has(src, "WB201"));
    let json = lint_bytes(src.as_bytes()).0.unwrap();
    assert_eq!(json.stages[1].base_text, "gcr.io/distroless/static-debian12:nonroot");
    assert!(has("ARG V=latest\nFROM debian:$V\nCMD [\"x\"]\n", "WB301"));
}

#[test]
fn heredoc_text_is_not_an_instruction() {
    let src = "FROM debian:12\nCOPY <<EOF /etc/motd\nFROM scratch\nUSER root\nEOF\nUSER 1000\nCMD [\"x\"]\n";
    let (a, f) = lint_bytes(src.as_bytes());
    assert_eq!(a.unwrap().stages.len(), 1);
    assert!(!f.iter().any(|f| f.rule == "WB204"), "{f:?}");
    // a heredoc RUN body is what the apt rules read
    assert!(has("FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n", "WB302"));
}

#[test]
fn crlf_and_bom() {
    let src = "\u{feff}FROM golang:1.22 AS build\r\nRUN go build -o /app\r\nFROM scratch\r\nCOPY --from=build /app /app\r\nENTRYPOINT /app\r\n";
    assert_eq!(lines_of(src, "WB201"), vec![5]);
    assert_eq!(lines_of(src, "WB203"), vec![2]);
}

#[test]
fn platform_flag() {
    let src = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -o /app\nFROM --platform=linux/amd64 scratch\nCOPY --from=build /app /app\nUSER 1\nENTRYPOINT [\"/app\"]\n";
    assert_eq!(ids(src), Vec::<&str>::new());
}

#[test]
fn inline_suppression() {
    let src = "FROM debian:12\n# workbook ignore=WB302\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n";
    assert!(!has(src, "WB302"));
    // only the next line is covered
    let src2 = "FROM debian:12\n# workbook ignore=WB302\n\nRUN apt-get install -y curl\n";
    assert!(has(src2, "WB302"));
}

#[test]
fn catalogue_is_consistent() {
    let mut seen = std::collections::HashSet::new();
    for r in RULES {
        assert!(seen.insert(r.id), "duplicate {}", r.id);
        assert!(r.doc.contains(".md#"), "{} doc {}", r.id, r.doc);
        assert!(!r.hint.is_empty() && !r.summary.is_empty());
    }
}

#[test]
fn hostile_sizes_finish() {
    // 400k lines, 5000 stages, 100k continuation lines: linear work, no panic.
    let mut big = String::from("FROM debian:12\n");
    for i in 0..400_000 {
        big.push_str(&format!("ENV A{i}=1\n"));
    }
    assert!(lint_bytes(big.as_bytes()).0.is_some());
    let mut stages = String::new();
    for i in 0..5000usize {
        stages.push_str(&format!("FROM scratch AS s{i}\nCOPY --from=s{} /a /a\n", i.saturating_sub(1)));
    }
    let (a, _) = lint_bytes(stages.as_bytes());
    assert_eq!(a.unwrap().stages.len(), 5000);
    let mut cont = String::from("FROM debian:12\nRUN echo \\\n");
    for _ in 0..100_000 {
        cont.push_str("  a \\\n");
    }
    cont.push_str("  end\n");
    assert!(lint_bytes(cont.as_bytes()).0.is_some());
}
