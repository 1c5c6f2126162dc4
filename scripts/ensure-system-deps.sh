#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing (PostgreSQL server
# binaries for the throwaway test cluster). Does nothing when they are already there.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL server binaries are missing; install the 'postgresql' package (needs root)." >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
