#!/usr/bin/env bash
# Leak soak: N checks mixing passes, failed builds, run timeouts and Ctrl-C'd runs; afterwards no container and no
# dangling image labelled by workbook may remain. Usage: bash scripts/soak.sh [N=50] (CI runs a short one).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50}
wb=${WORKBOOK_BIN:-target/debug/workbook}
[ -x "$wb" ] || cargo build -q
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp exercises/solutions/03-multi-stage/Dockerfile "$tmp/pass"
printf 'FROM ubuntu:24.04 AS b\nRUN ["/bin/false"]\nFROM scratch\nCOPY --from=b /x /x\n' >"$tmp/buildfail"
printf 'FROM ubuntu:24.04\nLABEL soak=hang\nENTRYPOINT ["/bin/sleep", "300"]\n' >"$tmp/hang"
printf 'FROM ubuntu:24.04\nLABEL soak=interrupt\nENTRYPOINT ["/bin/sleep", "300"]\n' >"$tmp/interrupt"

count() { # containers, dangling images, labelled by the runner
  echo "$(docker ps -aq --filter label=org.workbook.managed=true | wc -l) $(docker images -q --filter dangling=true --filter label=org.workbook.managed=true | wc -l)"
}
before=$(count)
declare -A seen=()
for i in $(seq 1 "$n"); do
  kind=$(( i % 4 ))
  case $kind in
    0) WORKBOOK_RUN_TIMEOUT=2 "$wb" check 03 --file "$tmp/pass" --json >/dev/null 2>&1 || true; seen[pass]=1 ;;
    1) "$wb" check 03 --file "$tmp/buildfail" --json >/dev/null 2>&1 || true; seen[buildfail]=1 ;;
    2) WORKBOOK_RUN_TIMEOUT=1 "$wb" check 03 --file "$tmp/hang" --json >/dev/null 2>&1 || true; seen[timeout]=1 ;;
    3) WORKBOOK_RUN_TIMEOUT=120 "$wb" check 03 --file "$tmp/interrupt" --json >/dev/null 2>&1 & pid=$!
       for _ in $(seq 1 1200); do   # up to 2 min: a cold machine builds the baseline first
         [ -n "$(docker ps -q --filter label=org.workbook.kind=run)" ] && break; sleep 0.1
       done
       kill -INT "$pid"; rc=0; wait "$pid" || rc=$?
       [ "$rc" = 130 ] || { echo "soak: interrupted check exited $rc, not 130" >&2; exit 1; }
       seen[interrupt]=1 ;;
  esac
done
after=$(count)
echo "soak: $n checks (${!seen[*]}); labelled containers/dangling images before: $before, after: $after"
[ "$before" = "$after" ] || { echo "soak: LEAK" >&2; docker ps -a --filter label=org.workbook.managed=true >&2; exit 1; }
left=$(docker images -q --filter 'reference=workbook/03-multi-stage:file-*' | wc -l)
[ "$left" = 0 ] || { echo "soak: $left ephemeral --file images left" >&2; exit 1; }
echo "soak: no leaks"
