#!/usr/bin/env bash
# ADL's LRS conformance suite against a fresh Librarena: bench/conformance.sh [SUITE_DIR] [VERSION]
#
# SUITE_DIR is a checkout of adlnet/lrs-conformance-test-suite with `npm install` done (its code
# is never committed here); VERSION is 1.0.3 (default) or 2.0.0. Extra suite options can be
# passed in SUITE_ARGS, e.g. SUITE_ARGS='-g Voided -b'. Prints "N passed, N failed".
set -euo pipefail

SUITE_DIR=${1:-/tmp/lrs-suite}
VERSION=${2:-1.0.3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
BIN="$HERE/.venv/bin"
INSTANCE=$(mktemp -d /tmp/librarena-conformance.XXXXXX)
export LIBRARENA_INSTANCE_PATH="$INSTANCE"
export LIBRARENA_DATABASE_URL="sqlite:///$INSTANCE/lrs.sqlite3"
export LIBRARENA_BASE_URL="http://127.0.0.1"
PORT=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"$BIN/librarena" db upgrade >/dev/null
CREDS=$("$BIN/librarena" lrs add-client conformance --scope all)
KEY=$(awk '/^key:/ {print $2}' <<<"$CREDS")
SECRET=$(awk '/^secret:/ {print $2}' <<<"$CREDS")

(cd "$HERE" && exec "$BIN/gunicorn" --bind "127.0.0.1:$PORT" --workers 2 \
    --error-logfile "$INSTANCE/gunicorn.log" wsgi:app) &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$INSTANCE"
}
trap cleanup EXIT
for _ in $(seq 50); do
    curl -fs "http://127.0.0.1:$PORT/xapi/about" >/dev/null && break
    sleep 0.2
done

cd "$SUITE_DIR"
# shellcheck disable=SC2086 # SUITE_ARGS is split on purpose
OUT=$(timeout 1800 node bin/console_runner.js -e "http://127.0.0.1:$PORT/xapi" -a -u "$KEY" \
    -p "$SECRET" -x "$VERSION" -z ${SUITE_ARGS:-} 2>&1 | tee "$INSTANCE/suite.log" || true)
cp "$INSTANCE/suite.log" "${CONFORMANCE_LOG:-/tmp/conformance-$VERSION.log}"
SUMMARY=$(grep -o '{"total":[0-9]*,"passed":[0-9]*,"failed":[0-9]*' <<<"$OUT" | tail -1)
if [ -z "$SUMMARY" ]; then
    echo "the suite did not finish; see ${CONFORMANCE_LOG:-/tmp/conformance-$VERSION.log}" >&2
    exit 1
fi
PASSED=$(sed -E 's/.*"passed":([0-9]+).*/\1/' <<<"$SUMMARY")
FAILED=$(sed -E 's/.*"failed":([0-9]+).*/\1/' <<<"$SUMMARY")
echo "$PASSED passed, $FAILED failed"
