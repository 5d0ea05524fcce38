#!/usr/bin/env bash
# The test command (README): start an engine if none answers, make the offline base images, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
bash scripts/offline-images.sh
command -v tmux >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; }
# The book's browser test uses Debian's Chromium (no browser download at test time).
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: installing Debian's chromium for the browser test"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
fi
# A short leak soak (the full one is `bash scripts/soak.sh 50`).
bash scripts/soak.sh 20
# The same runner against Podman's Docker-compatible API.
bash scripts/podman-check.sh
cargo test --workspace --all-targets
