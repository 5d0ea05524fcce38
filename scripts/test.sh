#!/usr/bin/env bash
# The test command (README): start an engine if none answers, make the offline base images, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
bash scripts/offline-images.sh
cargo test --workspace --all-targets
