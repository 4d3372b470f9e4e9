#!/usr/bin/env bash
# The billing API as a contract: schemathesis (property-based, from the OpenAPI document the
# server serves at /api/v1/openapi.json) against a running kabinet with its demo data.
#   - every operation, valid and invalid requests (the coverage, fuzzing and stateful phases);
#   - every check but `positive_data_acceptance`: the API has rules JSON Schema cannot say
#     (a ledger entry's sign follows its kind, nothing in the future, fields given in pairs),
#     so some schema-valid requests are rightly refused with 422;
#   - the server's log must show no internal error afterwards.
# Needs python3; installs schemathesis (pinned) when missing. KABINET_BIN picks the binary
# (default target/debug/kabinet, built when missing); ST_EXAMPLES (default 60) and ST_SEED tune it.
# One worker: with two, CPython 3.11 can fail parsing in threads ("AST constructor recursion
# depth mismatch", a known interpreter bug), which schemathesis reports as an error.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${KABINET_BIN:-target/debug/kabinet}
ST_VERSION=4.32.5
if [ ! -x "$BIN" ]; then cargo build --quiet; fi
BIN=$(realpath "$BIN")
if ! schemathesis --version 2>/dev/null | grep -q "$ST_VERSION"; then
  echo "== installing schemathesis $ST_VERSION"
  python3 -m pip install --quiet "schemathesis==$ST_VERSION" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "schemathesis==$ST_VERSION"
  hash -r
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/kabinet-contract.XXXXXX")
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Thousands of unauthenticated probes from one address would meet the per-IP limit on failed
# authentications (429) that is tested elsewhere; here they must each get their 401.
printf '[limits]\napi_auth_failures_per_minute = 1000000\n' >"$W/kabinet.toml"
export KABINET_CONFIG=$W/kabinet.toml KABINET_LOG=warn
DB=$W/kabinet.db
"$BIN" --db "$DB" --listen "127.0.0.1:$PORT" >"$W/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 200); do
  if python3 -c 'import sys,urllib.request as u; u.urlopen(sys.argv[1], timeout=1)' \
    "http://127.0.0.1:$PORT/readyz" 2>/dev/null; then break; fi
  sleep 0.05
done
TOKEN=$("$BIN" --db "$DB" create-api-token schemathesis 2>/dev/null)

echo "== schemathesis $ST_VERSION against $("$BIN" --version) on 127.0.0.1:$PORT"
status=0
schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  -H "Authorization: Bearer $TOKEN" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-examples "${ST_EXAMPLES:-60}" --seed "${ST_SEED:-20261203}" \
  --generation-database none --workers 1 --no-color \
  --suppress-health-check all || status=$?

if grep -Eqi "panic|internal error" "$W/server.log"; then
  echo "server log shows an internal error:" >&2
  grep -Ei -m 20 "panic|internal error" "$W/server.log" >&2
  status=1
fi
exit $status
