#!/usr/bin/env bash
# The local stack of `make run`, all offline: the Auth0 emulator with its demo tenant, the
# embedded SQLite database migrated and synced from it, the worker (emails to the console)
# and the API. Ctrl-C stops everything.
#
# Settings come from dev.env; the process environment overrides them (e.g. DB_URL). Ports:
# HOST/PORT for the API (127.0.0.1:8000), EMULATOR_PORT (5001). Logs: LOG_DIR (instance/).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
EMULATOR_PORT=${EMULATOR_PORT:-5001}
LOG_DIR=${LOG_DIR:-instance}
export AUTH0_DOMAIN="http://127.0.0.1:${EMULATOR_PORT}"
export RECAPTCHA_VERIFY_URL="${AUTH0_DOMAIN}/recaptcha/api/siteverify"
mkdir -p "$LOG_DIR"

aai() { "$BIN/flask" --app wsgi --env-file dev.env "$@"; }

children=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap stop_all EXIT INT TERM

echo "Starting the Auth0 emulator on ${AUTH0_DOMAIN} (log: ${LOG_DIR}/emulator.log)"
"$BIN/python" -m auth0_emulator --host 127.0.0.1 --port "$EMULATOR_PORT" >"$LOG_DIR/emulator.log" 2>&1 &
children+=($!)
"$BIN/python" - "$AUTH0_DOMAIN" <<'EOF'
import sys, time, urllib.request
deadline = time.monotonic() + 30
while True:
    try:
        urllib.request.urlopen(f"{sys.argv[1]}/.well-known/openid-configuration", timeout=2)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("The Auth0 emulator did not start; see its log.")
        time.sleep(0.2)
EOF

echo "Migrating the database..."
aai db upgrade 2>"$LOG_DIR/migrate.log"
echo "Syncing the demo tenant from the emulator..."
aai sync-auth0

echo "Starting the worker (log: ${LOG_DIR}/worker.log)"
aai worker >"$LOG_DIR/worker.log" 2>&1 &
children+=($!)

cat <<EOF

aai is starting on http://${HOST}:${PORT}  (API docs: http://${HOST}:${PORT}/docs)
Get an access token for a demo user, then call the API with it:

  TOKEN=\$($BIN/python -m auth0_emulator token --base ${AUTH0_DOMAIN} --user biocommons.admin@example.org)
  curl -H "Authorization: Bearer \$TOKEN" http://${HOST}:${PORT}/me/profile

Demo users: biocommons.admin, galaxy.admin, tsi.admin, approved.user, pending.user,
unverified.user (all @example.org; passwords in auth0_emulator/README.md). Ctrl-C stops all.

EOF
aai run --host "$HOST" --port "$PORT" &
children+=($!)
wait "${children[-1]}"
