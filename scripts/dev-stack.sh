#!/usr/bin/env bash
# The local stack of `make run`, all offline: the Auth0 emulator with its demo tenant, the
# embedded SQLite database migrated and synced from it, the worker (emails to the console)
# and the API. Ctrl-C (or SIGTERM) stops everything.
#
# Settings come from dev.env; the process environment overrides them (e.g. DB_URL). Ports:
# HOST/PORT for the API (127.0.0.1:8000), EMULATOR_PORT (5001). Logs and the running stack's
# pid file: LOG_DIR (instance/). A second stack on a busy port or the same LOG_DIR is refused
# before it touches anything.
set -euo pipefail
source "$(dirname "$0")/dev-env.sh"

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
LOG_DIR=${LOG_DIR:-instance}
PIDFILE="$LOG_DIR/dev-stack.pid"

port_is_busy() {  # can nothing bind host $1, port $2 (as the servers will, address reuse on)?
  ! "$BIN/python" - "$1" "$2" <<'PY'
import socket, sys
with socket.socket() as probe:
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    probe.bind((sys.argv[1], int(sys.argv[2])))
PY
}

running_stack() {  # "pid N, <pid file>" of the stack whose pid file is in LOG_DIR, if alive
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null && echo "pid $pid, $PIDFILE"
}

refuse_if_busy() {
  local stack entry what host port holder="another program"
  stack=$(running_stack) || stack=""
  [[ -n $stack ]] && holder="the running stack ($stack)"
  for entry in "API $HOST $PORT" "emulator 127.0.0.1 $EMULATOR_PORT"; do
    read -r what host port <<<"$entry"
    if port_is_busy "$host" "$port" 2>/dev/null; then
      echo "make run: port $port ($what) is busy, held by $holder; nothing was started (stop it, or choose PORT/EMULATOR_PORT)." >&2
      exit 1
    fi
  done
  if [[ -n $stack ]]; then
    echo "make run: a stack is already running ($stack); nothing was started (stop it first, or choose LOG_DIR)." >&2
    exit 1
  fi
}

refuse_if_busy
mkdir -p "$LOG_DIR"
rm -f "$PIDFILE"  # a stale one: its stack is gone (refuse_if_busy checked)
if ! (set -o noclobber; echo $$ >"$PIDFILE") 2>/dev/null; then
  echo "make run: another stack started at the same moment ($PIDFILE); nothing was started." >&2
  exit 1
fi

children=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$PIDFILE"
  echo "Stopped."
}
trap stop_all EXIT INT TERM

wait_for() {  # until URL $1 answers; else exit naming $2
  "$BIN/python" - "$1" "$2" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"{sys.argv[2]} did not start; see its log.")
        time.sleep(0.2)
PY
}

echo "Starting the Auth0 emulator on ${AUTH0_DOMAIN} (log: ${LOG_DIR}/emulator.log)"
"$BIN/python" -m auth0_emulator --host 127.0.0.1 --port "$EMULATOR_PORT" >"$LOG_DIR/emulator.log" 2>&1 &
children+=($!)
wait_for "${AUTH0_DOMAIN}/.well-known/openid-configuration" "The Auth0 emulator"

echo "Migrating the database..."
aai db upgrade 2>"$LOG_DIR/migrate.log"
echo "Syncing the demo tenant from the emulator..."
aai sync-auth0

echo "Starting the worker (log: ${LOG_DIR}/worker.log)"
# Started directly, not through the `aai` function (a subshell): stop_all signals the servers.
"${FLASK[@]}" worker >"$LOG_DIR/worker.log" 2>&1 &
children+=($!)

"${FLASK[@]}" run --host "$HOST" --port "$PORT" &
children+=($!)
wait_for "http://${HOST}:${PORT}/health" "The API"
"$BIN/python" scripts/demo_data.py "http://${HOST}:${PORT}" "$AUTH0_DOMAIN"

cat <<EOF

aai is running on http://${HOST}:${PORT}  (API docs: http://${HOST}:${PORT}/docs)
Get an access token for a demo user, then call the API with it:

  TOKEN=\$(make -s token DEMO_USER=biocommons.admin@example.org)
  curl -H "Authorization: Bearer \$TOKEN" http://${HOST}:${PORT}/admin/users/counts

Demo users: biocommons.admin, galaxy.admin, tsi.admin, approved.user, pending.user,
unverified.user (all @example.org; passwords and what each can try in
auth0_emulator/README.md). \`make help\` lists the other commands. Ctrl-C stops all.

EOF
wait "${children[-1]}"
