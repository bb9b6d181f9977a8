#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server: LEADGEN_TEST_PG_URL points at it.
#
#   scripts/with_postgres.sh COMMAND [ARGS...]
#
# The server lives in a temporary folder, listens on 127.0.0.1 on a free port (and a
# socket in that folder), has TLS on (a self-signed certificate) and is always stopped and
# removed when the command ends (trap). Roles: `postgres` (trust, for the tests' own set-up)
# and `leadgen_pw` / password `leadgen-test-pw` (scram, for the password tests).
#
# PostgreSQL is installed from the Debian package when missing (root only). When
# LEADGEN_TEST_PG_URL is already set, that server is used as it is. When PostgreSQL cannot be
# had on a developer machine, the command runs without it and the PostgreSQL half of the
# suite is skipped with a loud message; under CI (CI=true) that is an error.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

if [ -n "${LEADGEN_TEST_PG_URL:-}" ]; then
    exec "$@"
fi

find_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

give_up() {
    if [ "${CI:-}" = "true" ]; then
        echo "with_postgres: $1 (CI never skips the PostgreSQL half)" >&2
        exit 1
    fi
    echo "" >&2
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
    echo "!! $1" >&2
    echo "!! The PostgreSQL half of the test suite is SKIPPED on this machine." >&2
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
    echo "" >&2
    exec "$@"
}

BIN="$(find_bin || true)"
if [ -z "$BIN" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "with_postgres: installing PostgreSQL from the Debian package" >&2
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2 || true
    BIN="$(find_bin || true)"
fi
if [ -z "$BIN" ]; then
    give_up "PostgreSQL is not installed and cannot be installed here (apt-get install postgresql)." "$@"
fi

DIR="$(mktemp -d /tmp/leadgen-pg.XXXXXX)"
DATA="$DIR/data"
AS=()
if [ "$(id -u)" = "0" ]; then
    chown postgres "$DIR"
    chmod 700 "$DIR"
    AS=(su postgres -s /bin/bash -c)
fi
run_pg() {
    if [ "${#AS[@]}" -gt 0 ]; then
        # from / : the postgres user may not enter the caller's folder (a private mktemp -d)
        "${AS[@]}" "cd / && $(printf '%q ' "$@")"
    else
        "$@"
    fi
}

stop() {
    run_pg "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap stop EXIT INT TERM

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

if ! run_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --no-sync >"$DIR/initdb.log" 2>&1; then
    cat "$DIR/initdb.log" >&2
    trap - EXIT INT TERM
    stop
    give_up "initdb failed." "$@"
fi
cat >"$DATA/pg_hba.conf" <<'EOF'
local all postgres trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
EOF
SSL_OPTS=""
if command -v openssl >/dev/null 2>&1; then
    openssl req -new -x509 -days 2 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$DATA/server.key" -out "$DATA/server.crt" >/dev/null 2>&1 && {
        chmod 600 "$DATA/server.key"
        [ "${#AS[@]}" -gt 0 ] && chown postgres "$DATA/server.key" "$DATA/server.crt"
        SSL_OPTS="-c ssl=on"
    }
fi
OPTS="-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
OPTS="$OPTS -c full_page_writes=off -c max_connections=200 $SSL_OPTS"
if ! run_pg "$BIN/pg_ctl" -D "$DATA" -o "$OPTS" -l "$DIR/log" -w -t 60 start >/dev/null; then
    cat "$DIR/log" >&2 || true
    trap - EXIT INT TERM
    stop
    give_up "the PostgreSQL server did not start." "$@"
fi
run_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -q -c \
    "CREATE ROLE leadgen_pw LOGIN CREATEDB PASSWORD 'leadgen-test-pw'" >/dev/null

export LEADGEN_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
export LEADGEN_TEST_PG_BIN="$BIN"
echo "with_postgres: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
