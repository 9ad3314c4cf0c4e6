#!/usr/bin/env bash
# The test command (CI's too): the checkout's own .venv with requirements-dev.txt, Debian's chromium and
# redis-server, then pytest with any arguments given, e.g. `bash scripts/test.sh -m "not browser"`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh

make_venv
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)  # the browser tests drive this one
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

install_requirements requirements-dev.txt

status=0
"$VENV/bin/python" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests (exit 5): check the arguments ($*); a run of zero tests is a failure." >&2
fi
exit "$status"
