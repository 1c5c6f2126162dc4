#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing: PostgreSQL server
# binaries (the throwaway test cluster), redis-server (the shared rate-limit storage) and
# Chromium with its WebDriver (dashboard browser tests); with the argument `bench`, also wrk (the
# HTTP benchmark). Does nothing when everything is already there.
set -euo pipefail

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ "${1:-}" = "bench" ]; then
  command -v wrk >/dev/null || missing+=(wrk)
fi

[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages (install them as root): ${missing[*]}" >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
