#!/usr/bin/env bash
# Start a private Chroma server and a private PostgreSQL cluster on free loopback ports, run
# the given command with MAATWERK_TEST_CHROMA_URL / MAATWERK_TEST_DATABASE_URL exported, and
# stop both (and delete their temporary data) on exit, whatever the command's outcome.
#
#   .ci/services.sh make test-server
#   .ci/services.sh .venv/bin/python -m evals.load --users 1,10,50
#
# Installs what is missing: Debian's `postgresql` (apt-get) and psycopg in the project venv
# (the `postgres` extra). Also exports MAATWERK_TEST_PGDATA, MAATWERK_TEST_PGBIN and
# MAATWERK_TEST_PGUSER so that fault tests can stop and restart this same cluster with pg_ctl.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
if [ "$#" -eq 0 ]; then
    echo "gebruik: $0 COMMANDO [ARG...]" >&2
    exit 2
fi

log() { echo "services: $*" >&2; }

free_port() {
    "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---- install what is missing ---------------------------------------------------------------

PG_CTL=$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PG_CTL" ]; then
    log "PostgreSQL ontbreekt; installeren met apt-get"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    PG_CTL=$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)
fi
PGBIN=$(dirname "$PG_CTL")
if ! "$BIN/python" -c 'import psycopg' 2>/dev/null; then
    log "psycopg ontbreekt; installeren in $BIN"
    "$BIN/pip" install --quiet 'psycopg[binary]>=3.1'
fi

# ---- start -----------------------------------------------------------------------------------

WORK=$(mktemp -d /tmp/maatwerk-services.XXXXXX)
chmod 755 "$WORK"
CHROMA_PID=""
PGDATA="$WORK/pg"
PG_STARTED=""

# initdb refuses to run as root: then the cluster belongs to the postgres user.
PGUSER_OS=""
if [ "$(id -u)" -eq 0 ]; then
    PGUSER_OS=postgres
    id "$PGUSER_OS" >/dev/null 2>&1 || useradd --system --no-create-home "$PGUSER_OS"
fi
as_pg() { if [ -n "$PGUSER_OS" ]; then runuser -u "$PGUSER_OS" -- "$@"; else "$@"; fi; }

cleanup() {
    status=$?
    set +e
    if [ -n "$PG_STARTED" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1
    fi
    if [ -n "$CHROMA_PID" ] && kill -0 "$CHROMA_PID" 2>/dev/null; then
        kill "$CHROMA_PID"
        for _ in $(seq 1 50); do kill -0 "$CHROMA_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$CHROMA_PID" 2>/dev/null
    fi
    if [ "$status" -ne 0 ] && [ -f "$WORK/chroma.log" ]; then
        log "laatste regels van de Chroma-log:"; tail -5 "$WORK/chroma.log" >&2
        [ -f "$WORK/pg.log" ] && { log "laatste regels van de PostgreSQL-log:"; tail -5 "$WORK/pg.log" >&2; }
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CHROMA_PORT=$(free_port)
"$BIN/chroma" run --path "$WORK/chroma" --host 127.0.0.1 --port "$CHROMA_PORT" >"$WORK/chroma.log" 2>&1 &
CHROMA_PID=$!

PG_PORT=$(free_port)
mkdir -p "$PGDATA" "$WORK/pgsock"
[ -n "$PGUSER_OS" ] && chown "$PGUSER_OS" "$PGDATA" "$WORK/pgsock"
as_pg "$PGBIN/initdb" -D "$PGDATA" -U maatwerk --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
# In the config file, not on the command line, so that a plain `pg_ctl start` (fault tests)
# comes back on the same port.
cat >>"$PGDATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK/pgsock'
max_connections = 200
fsync = on
EOF
touch "$WORK/pg.log"; [ -n "$PGUSER_OS" ] && chown "$PGUSER_OS" "$WORK/pg.log"
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg.log" -w -t 60 start >/dev/null
PG_STARTED=1
"$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U maatwerk maatwerk

# ---- wait for readiness ----------------------------------------------------------------------

for i in $(seq 1 150); do
    if "$BIN/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$CHROMA_PORT/api/v2/heartbeat', timeout=1)" 2>/dev/null; then
        break
    fi
    kill -0 "$CHROMA_PID" 2>/dev/null || { log "Chroma-server is gestopt"; exit 1; }
    [ "$i" -eq 150 ] && { log "Chroma-server niet klaar binnen 30 s"; exit 1; }
    sleep 0.2
done
"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 30

export MAATWERK_TEST_CHROMA_URL="http://127.0.0.1:$CHROMA_PORT"
export MAATWERK_TEST_DATABASE_URL="postgresql+psycopg://maatwerk@127.0.0.1:$PG_PORT/maatwerk"
export MAATWERK_TEST_PGDATA="$PGDATA" MAATWERK_TEST_PGBIN="$PGBIN" MAATWERK_TEST_PGUSER="$PGUSER_OS"
log "Chroma op $MAATWERK_TEST_CHROMA_URL, PostgreSQL op 127.0.0.1:$PG_PORT"

# Not exec: the trap must still stop the services afterwards.
"$@"
