#!/usr/bin/env bash
# Podman compatibility: the runner against Podman's Docker-compatible API, for real. Installs Debian's podman, starts
# its API service on a private socket, loads the base images exercise 06 needs, and checks the reference solution
# (must pass) and the starter (must fail), then that nothing labelled is left. Exercise 06 keeps it quick: no Go
# toolchain to install, no baseline image to build.
set -euo pipefail
cd "$(dirname "$0")/.."
wb=${WORKBOOK_BIN:-target/debug/workbook}
[ -x "$wb" ] || cargo build -q
command -v podman >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman >/dev/null; }
sock=/tmp/workbook-podman.sock
rm -f "$sock"
podman system service -t 0 "unix://$sock" >/tmp/workbook-podman.log 2>&1 &
svc=$!
trap 'kill $svc 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.2; done
# The base images come from the Docker engine's store (they are built offline there).
for img in ubuntu:24.04 gcr.io/distroless/python3-debian12:nonroot; do
  podman image exists "$img" 2>/dev/null || podman image exists "localhost/$img" 2>/dev/null ||
    DOCKER_HOST= docker save "$img" | podman load -q >/dev/null
done
export DOCKER_HOST="unix://$sock"
# doctor exits 1 here: Podman's store holds only the images exercise 06 needs. Its first lines name the engine.
"$wb" doctor >/tmp/workbook-podman-doctor.txt || true
head -n 2 /tmp/workbook-podman-doctor.txt
grep -q "Podman" /tmp/workbook-podman-doctor.txt
sol=$(mktemp); grep -v ANCHOR exercises/solutions/06-runtime/Dockerfile >"$sol"
"$wb" check 06 --file "$sol" --json >/tmp/workbook-podman-pass.json || { echo "podman: the solution did not pass"; cat /tmp/workbook-podman-pass.json; exit 1; }
rc=0; "$wb" check 06 --file exercises/06-runtime/Dockerfile --json >/tmp/workbook-podman-fail.json || rc=$?
[ "$rc" = 1 ] || { echo "podman: the starter should fail with exit 1, got $rc"; cat /tmp/workbook-podman-fail.json; exit 1; }
grep -q '"no-shell"' /tmp/workbook-podman-fail.json
left=$(podman ps -aq --filter label=org.workbook.managed=true | wc -l)
[ "$left" = 0 ] || { echo "podman: $left containers left behind"; exit 1; }
echo "podman: check 06 passes on the solution and fails on the starter; nothing left behind"
