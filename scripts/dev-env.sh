# Sourced by the development scripts: the settings of `make run` for any `flask` command of the
# checkout. dev.env holds the development values; the process environment overrides them (e.g.
# DB_URL), and the emulator's address follows EMULATOR_PORT (5001).
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=.venv/bin
EMULATOR_PORT=${EMULATOR_PORT:-5001}
export AUTH0_DOMAIN="http://127.0.0.1:${EMULATOR_PORT}"
export RECAPTCHA_VERIFY_URL="${AUTH0_DOMAIN}/recaptcha/api/siteverify"

if [[ ! -x "$BIN/flask" ]]; then
  echo "No .venv in $(pwd): run \`make run\` (or \`make .venv/.installed-from-lock\`) first." >&2
  exit 1
fi

FLASK=("$BIN/flask" --app wsgi --env-file dev.env)
aai() { "${FLASK[@]}" "$@"; }
