#!/usr/bin/env bash
# Starts the local cloud in the background (for the CI workflow's `uses: ./` job) and adds its
# environment to $GITHUB_ENV (or prints it when run by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${GITHUB_ENV:-/dev/stdout}"
ready="$(mktemp)"
nohup node_modules/.bin/node emulator/cli.ts --write-env "$ready" >/tmp/local-cloud.log 2>&1 &
for _ in $(seq 1 60); do
  if grep -q LOCAL_CLOUD_SSH_HOST "$ready" 2>/dev/null; then
    cat "$ready" >>"$target"
    exit 0
  fi
  sleep 1
done
echo "local cloud did not start; log:" >&2
cat /tmp/local-cloud.log >&2
exit 1
