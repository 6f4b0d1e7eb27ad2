#!/usr/bin/env bash
# A throw-away Virtuoso 7 (Debian package) on 127.0.0.1 for integration tests and local trials.
#
#   scripts/virtuoso.sh start   install if `virtuoso-t` is missing, start a new instance, wait until it
#                               answers and allow anonymous SPARQL Update; prints shell assignments:
#                               VT_PID=... VT_DIR=... VT_HTTP_PORT=... VT_SQL_PORT=... VT_ENDPOINT=...
#   scripts/virtuoso.sh stop    stop the instance of $VT_DIR (or the one given by $VT_PID) by its PID
#   scripts/virtuoso.sh install only install the package (when missing)
#
# Environment: VT_DIR (default: a new temp folder), VT_HTTP_PORT / VT_SQL_PORT (default: free ports),
# VT_START_TIMEOUT (seconds, default 60).
# Exit codes: 0 ok; 77 Virtuoso is missing and cannot be installed here (not root, no package
# archive) — callers may skip on 77; anything else is a real failure.
# Why a private ini: the packaged defaults truncate results at 10,000 rows with HTTP 200
# (ResultSetMaxRows) and return partial "anytime" answers; see docs/server.md.
set -euo pipefail

log() { echo "virtuoso.sh: $*" >&2; }

probe() {  # one ASK over HTTP; curl when present, else python3's urllib
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null -G "$1" --data-urlencode 'query=ASK {}' 2>/dev/null
    else
        python3 -c 'import sys,urllib.request,urllib.parse; urllib.request.urlopen(sys.argv[1]+"?"+urllib.parse.urlencode({"query":"ASK {}"}),timeout=2).read()' "$1" 2>/dev/null
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

install_if_missing() {
    if command -v virtuoso-t >/dev/null 2>&1 && command -v isql-vt >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        log "virtuoso-t is missing and installing it needs root"; return 77
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        log "virtuoso-t is missing and there is no apt-get here"; return 77
    fi
    log "installing virtuoso-opensource from the Debian archive"
    printf '%s\n' \
        "virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba" \
        "virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba" \
        | debconf-set-selections 2>/dev/null || true
    if ! apt-get update -qq >/dev/null 2>&1; then
        log "apt-get update failed: the package archive is not reachable"; return 77
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            virtuoso-opensource >/dev/null 2>&1; then
        log "apt-get install virtuoso-opensource failed"; return 77
    fi
    command -v virtuoso-t >/dev/null 2>&1 || { log "virtuoso-t still missing after install"; return 77; }
}

write_ini() {
    local dir=$1 http=$2 sql=$3
    mkdir -p "$dir/vsp"
    cat >"$dir/virtuoso.ini" <<EOF
[Database]
DatabaseFile = $dir/virtuoso.db
ErrorLogFile = $dir/virtuoso.log
LockFile = $dir/virtuoso.lck
TransactionFile = $dir/virtuoso.trx
xa_persistent_file = $dir/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = $dir/virtuoso-temp.db
TransactionFile = $dir/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:$sql
DisableUnixSocket = 1
DirsAllowed = ., $dir
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
MaxSortedTopRows = 1000000
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:$http
ServerRoot = $dir/vsp
Charset = UTF-8
ServerThreads = 10
MaxClientConnections = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
DefaultQuery = ASK {}
EOF
}

start() {
    local rc=0
    install_if_missing || rc=$?
    [ "$rc" = 0 ] || exit "$rc"
    local dir=${VT_DIR:-$(mktemp -d /tmp/kgtool-virtuoso.XXXXXX)}
    local http=${VT_HTTP_PORT:-$(free_port)} sql=${VT_SQL_PORT:-$(free_port)}
    local limit=${VT_START_TIMEOUT:-60}
    write_ini "$dir" "$http" "$sql"
    (cd "$dir" && exec virtuoso-t +foreground +configfile "$dir/virtuoso.ini" \
        >"$dir/stdout.log" 2>&1) &
    local pid=$!
    echo "$pid" >"$dir/pid"
    local url="http://127.0.0.1:$http/sparql"
    local t0=$SECONDS
    until probe "$url"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "virtuoso-t exited during start-up; its log:"; tail -20 "$dir/virtuoso.log" >&2 || true
            exit 1
        fi
        if [ $((SECONDS - t0)) -ge "$limit" ]; then
            log "not ready after ${limit}s"; kill -TERM "$pid" 2>/dev/null || true; exit 1
        fi
        sleep 0.2
    done
    # isql-vt exits 0 even when the SQL fails: check what it says. The SQL port answers a moment
    # after HTTP, hence the retries.
    local out="" i
    for i in $(seq 1 50); do
        out=$(isql-vt "127.0.0.1:$sql" dba dba 'EXEC=GRANT SPARQL_UPDATE TO "SPARQL";' 2>&1 || true)
        if grep -q -e 'Done' -e 'already have role' <<<"$out"; then break; fi
        out=""
        sleep 0.2
    done
    if [ -z "$out" ]; then
        log "GRANT SPARQL_UPDATE failed"; kill -TERM "$pid" 2>/dev/null || true; exit 1
    fi
    echo "VT_PID=$pid"
    echo "VT_DIR=$dir"
    echo "VT_HTTP_PORT=$http"
    echo "VT_SQL_PORT=$sql"
    echo "VT_ENDPOINT=$url"
    log "ready in $((SECONDS - t0))s at $url (pid $pid)"
}

stop() {
    local pid=${VT_PID:-}
    if [ -z "$pid" ] && [ -n "${VT_DIR:-}" ] && [ -f "$VT_DIR/pid" ]; then pid=$(cat "$VT_DIR/pid"); fi
    [ -n "$pid" ] || { log "stop: set VT_PID or VT_DIR"; exit 2; }
    kill -TERM "$pid" 2>/dev/null || { log "no process $pid"; return 0; }
    local i
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || { log "stopped $pid"; return 0; }
        sleep 0.1
    done
    log "pid $pid ignored SIGTERM for 10 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    install) install_if_missing ;;
    *) echo "usage: $0 start|stop|install" >&2; exit 2 ;;
esac
