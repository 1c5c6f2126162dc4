#!/usr/bin/env bash
# Any `flask` command of aai with the development settings of `make run` (dev.env, the
# emulator on EMULATOR_PORT), from any directory: `scripts/dev-flask.sh sync-auth0 --dry-run`.
set -euo pipefail
source "$(dirname "$0")/dev-env.sh"
exec "${FLASK[@]}" "$@"
