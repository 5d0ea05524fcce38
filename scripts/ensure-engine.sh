#!/usr/bin/env bash
# Make sure a Docker engine answers. Idempotent: does nothing when one already does.
# CI machines start with only the docker client (or nothing): install Debian's docker.io and start dockerd.
set -euo pipefail

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if answers; then
  echo "engine: $(docker version --format 'Docker {{.Server.Version}} (API {{.Server.APIVersion}})')"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "engine: installing docker.io from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "engine: starting dockerd (log: /tmp/dockerd.log)"
  nohup dockerd >/tmp/dockerd.log 2>&1 &
fi

for _ in $(seq 1 60); do
  if answers; then
    echo "engine: $(docker version --format 'Docker {{.Server.Version}} (API {{.Server.APIVersion}})')"
    exit 0
  fi
  sleep 1
done
echo "engine: dockerd did not answer within 60 s; last log lines:" >&2
tail -n 20 /tmp/dockerd.log >&2 || true
exit 1
