# test/lib.sh: shell functions shared by test/demo.sh and test/check.sh.
# shellcheck shell=bash
#
# Sourced, never run.  It knows how to install the build dependencies, build
# and install the extension, and run a throwaway PostgreSQL 15 cluster that
# belongs to the calling script alone:
#
#   - its data directory, Unix socket and log live in one mktemp directory,
#     removed on exit; no system cluster is ever touched;
#   - listen_addresses = '' (no TCP at all), so the port only names the
#     socket file and cannot clash with another server;
#   - the server runs as an ordinary user: the caller when not root, else
#     the 'postgres' user that Debian's postgresql-common creates, through
#     runuser.  Clients (psql, pg_regress, prove) run as the caller and reach
#     the server over the socket with trust authentication, as superuser
#     'postgres'.
#
# MKTAI_PGBIN (PostgreSQL 15's bin directory) and MKTAI_PORT may be set by
# the caller, e.g. to test against a relocated copy of PostgreSQL whose
# library directory no other checkout installs into.
#
# What the test stages get in their environment once mktai_cluster_start has
# run (TAP tests in test/t/*.pl and test/realdata/run.sh rely on it):
#
#   PGHOST, PGPORT      the throwaway cluster's socket directory and port
#   PGUSER              postgres, a superuser; no password is needed
#   PGDATABASE          postgres
#   PATH                starts with MKTAI_PGBIN, so psql is version 15
#   MKTAI_ROOT          absolute path of the checkout
#   MKTAI_PGBIN         PostgreSQL 15 programs (psql, pg_dump, createdb, ...)
#   MKTAI_PGDATA        the cluster's data directory
#   MKTAI_PG_CTL        a command prefix running pg_ctl -D MKTAI_PGDATA as
#                       the server's user, e.g. "$MKTAI_PG_CTL -w restart"
#   MKTAI_SERVER_LOG    the server's log file
#   MKTAI_TEST_DB       an empty database made fresh for the stage, without
#                       the extension: tests CREATE EXTENSION mktai there.
#                       Tests may also create and drop databases of their own
#                       (name them after the test file to avoid clashes).
#   MKTAI_SCRATCH       an empty directory that both the tests and the server
#                       can read and write (dump files, COPY TO/FROM files)
#   MKTAI_SHARED_DATA   only when ../shared/data exists beside the checkout:
#                       that data, at a path the server user can read, so
#                       that server-side COPY FROM works
#
# TAP tests run as the caller, root in CI, with Test::More and IPC::Run at
# hand.  They talk to this cluster with psql (several sessions at once if
# they need them), not through PostgreSQL::Test::Cluster, whose initdb would
# refuse to run as root.
#
# test/realdata/run.sh reports its result with a closing line
# "realdata: N passed, M failed" (any "N passed, M failed" line is read);
# lacking one, its TAP lines are counted; lacking those, its exit status.

# Debian packages needed to build, install and test mktai.  This is the one
# list: demo.sh, check.sh and .ci/run all go through mktai_ensure_deps.
# (postgresql-server-dev-15 brings clang-14 and llvm-14-dev for PGXS.)
MKTAI_DEPS=(
    build-essential
    postgresql-15
    postgresql-server-dev-15
    libopenblas-dev
    libicu-dev
    pkg-config
    libipc-run-perl
)

MKTAI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MKTAI_PGBIN=${MKTAI_PGBIN:-/usr/lib/postgresql/15/bin}
# Debian's /usr/bin/pg_config follows the newest installed version; the
# extension is built against 15 explicitly.
PG_CONFIG=${PG_CONFIG:-$MKTAI_PGBIN/pg_config}
MKTAI_PORT=${MKTAI_PORT:-55432}
MKTAI_SERVER_USER=postgres      # only used when running as root
MKTAI_TMP=

# log MESSAGE...: a progress line on stdout.
log() {
    printf '==> %s\n' "$*"
}

# warn MESSAGE...: a warning on stderr.
warn() {
    printf 'warning: %s\n' "$*" >&2
}

# die MESSAGE...: an error on stderr, then exit 1 (the EXIT trap cleans up).
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# mktai_is_root: true when running as root.
mktai_is_root() {
    [ "$(id -u)" -eq 0 ]
}

# mktai_as_root CMD...: run a command as root, through sudo when needed.
mktai_as_root() {
    if mktai_is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root for '$*': run as root or install sudo"
    fi
}

# mktai_as_server CMD...: run a command as the cluster's owner, from /, so
# that an unreadable current directory does not bother it.
mktai_as_server() {
    if mktai_is_root; then
        (cd / && runuser -u "$MKTAI_SERVER_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

# mktai_missing_deps: print the packages of MKTAI_DEPS not installed.
mktai_missing_deps() {
    local pkg status
    for pkg in "${MKTAI_DEPS[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null ||
            true)
        [ "$status" = installed ] || printf '%s\n' "$pkg"
    done
}

# mktai_ensure_deps: install whatever of MKTAI_DEPS is missing with apt-get
# (via sudo when not root); do nothing when all is there.
mktai_ensure_deps() {
    command -v dpkg-query >/dev/null 2>&1 ||
        die "dpkg-query not found: these scripts expect Debian 12"
    local missing
    missing=$(mktai_missing_deps | tr '\n' ' ')
    missing=${missing% }
    if [ -z "$missing" ]; then
        log "build dependencies: all installed"
    else
        log "build dependencies: installing $missing"
        mktai_as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get update -q ||
            die "apt-get update failed"
        # word splitting of $missing is wanted: package names have no spaces
        # shellcheck disable=SC2086
        mktai_as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends $missing ||
            die "apt-get install failed for: $missing"
        missing=$(mktai_missing_deps | tr '\n' ' ')
        [ -z "$missing" ] || die "still missing after apt-get: $missing"
    fi
    [ -x "$PG_CONFIG" ] || die "pg_config not found at $PG_CONFIG"
    if mktai_is_root; then
        id -u "$MKTAI_SERVER_USER" >/dev/null 2>&1 ||
            die "user '$MKTAI_SERVER_USER' missing; postgresql-15 creates it"
    fi
}

# mktai_build LOGFILE: build the extension with make; output goes to
# LOGFILE, and its tail to stderr if the build fails.
mktai_build() {
    local logf=$1
    log "build: make (log in $logf)"
    if ! make -s -C "$MKTAI_ROOT" -j "$(nproc)" PG_CONFIG="$PG_CONFIG" \
            >"$logf" 2>&1; then
        tail -n 40 "$logf" >&2
        warn "make failed"
        return 1
    fi
}

# mktai_install LOGFILE: make install into the PostgreSQL 15 of PG_CONFIG,
# as root (via sudo) unless its directories are writable already.
mktai_install() {
    local logf=$1 libdir sharedir
    libdir=$("$PG_CONFIG" --pkglibdir)
    sharedir=$("$PG_CONFIG" --sharedir)/extension
    log "install: make install into $libdir"
    local -a asroot=()
    if mktai_is_root || { [ -w "$libdir" ] && [ -w "$sharedir" ]; }; then
        asroot=()
    elif command -v sudo >/dev/null 2>&1; then
        asroot=(sudo)
    else
        warn "need root to write into $libdir: run as root or install sudo"
        return 1
    fi
    if ! "${asroot[@]}" make -s -C "$MKTAI_ROOT" PG_CONFIG="$PG_CONFIG" install \
            >>"$logf" 2>&1; then
        tail -n 40 "$logf" >&2
        warn "make install failed"
        return 1
    fi
}

# mktai_tmp_init: make MKTAI_TMP, the directory holding everything of this
# run, and arrange for mktai_cleanup to run on exit, whatever happens.
mktai_tmp_init() {
    MKTAI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mktai.XXXXXX")
    trap 'mktai_on_exit' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    trap 'exit 141' PIPE
    # The server user must reach its data directory and socket inside.
    chmod 0755 "$MKTAI_TMP"
}

# mktai_on_exit: EXIT trap; cleans up and keeps the exit status.
mktai_on_exit() {
    local rc=$?
    # A closed stdout must not cut the clean-up short: writes fail instead.
    trap '' PIPE INT TERM HUP
    mktai_cleanup
    exit "$rc"
}

# mktai_cleanup: stop the throwaway cluster if it runs; remove MKTAI_TMP.
# Every step goes on when one fails, and even when stdout is gone.
mktai_cleanup() {
    [ -n "$MKTAI_TMP" ] && [ -d "$MKTAI_TMP" ] || return 0
    if [ -f "$MKTAI_TMP/data/postmaster.pid" ]; then
        log "stopping the throwaway cluster" 2>/dev/null || true
        mktai_as_server "$MKTAI_PGBIN/pg_ctl" -D "$MKTAI_TMP/data" \
            -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            warn "could not stop the cluster in $MKTAI_TMP/data" \
                2>/dev/null || true
    fi
    rm -rf "$MKTAI_TMP" || true
    MKTAI_TMP=
}

# mktai_cluster_start: initdb and start the throwaway cluster in MKTAI_TMP,
# then export the environment described at the top of this file.
mktai_cluster_start() {
    local data=$MKTAI_TMP/data sock=$MKTAI_TMP/sock logf=$MKTAI_TMP/server.log
    mkdir -p "$data" "$sock" "$MKTAI_TMP/scratch"
    chmod 0700 "$data"
    chmod 1777 "$MKTAI_TMP/scratch"
    if mktai_is_root; then
        chown "$MKTAI_SERVER_USER": "$data" "$sock"
        touch "$logf"
        chown "$MKTAI_SERVER_USER": "$logf"
    fi
    log "cluster: initdb in $data (server user $(mktai_server_user_name))"
    if ! mktai_as_server "$MKTAI_PGBIN/initdb" -D "$data" -U postgres \
            --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync \
            >"$MKTAI_TMP/initdb.log" 2>&1; then
        cat "$MKTAI_TMP/initdb.log" >&2
        warn "initdb failed"
        return 1
    fi
    cat >>"$data/postgresql.conf" <<EOF

# throwaway cluster of mktai's test/lib.sh
listen_addresses = ''
port = $MKTAI_PORT
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 40
logging_collector = off
log_min_messages = warning
lc_messages = 'C'
EOF
    log "cluster: starting on socket $sock, port $MKTAI_PORT (no TCP)"
    if ! mktai_as_server "$MKTAI_PGBIN/pg_ctl" -D "$data" -l "$logf" \
            -w -t 60 start >/dev/null; then
        tail -n 30 "$logf" >&2
        warn "the cluster did not start"
        return 1
    fi
    unset PGSERVICE PGSERVICEFILE PGHOSTADDR PGPASSWORD PGPASSFILE \
        PGOPTIONS PGSSLMODE PGTARGETSESSIONATTRS PGCONNECT_TIMEOUT
    export PGHOST=$sock PGPORT=$MKTAI_PORT PGUSER=postgres
    export PGDATABASE=postgres
    export PATH=$MKTAI_PGBIN:$PATH
    export MKTAI_ROOT MKTAI_PGBIN MKTAI_PGDATA=$data
    export MKTAI_SERVER_LOG=$logf MKTAI_SCRATCH=$MKTAI_TMP/scratch
    if mktai_is_root; then
        export MKTAI_PG_CTL="runuser -u $MKTAI_SERVER_USER -- $MKTAI_PGBIN/pg_ctl -D $data -l $logf"
    else
        export MKTAI_PG_CTL="$MKTAI_PGBIN/pg_ctl -D $data -l $logf"
    fi
    mktai_check_server_can_read "$MKTAI_ROOT/test" "the checkout"
}

# mktai_server_user_name: the user the cluster runs as.
mktai_server_user_name() {
    if mktai_is_root; then
        printf '%s' "$MKTAI_SERVER_USER"
    else
        id -un
    fi
}

# mktai_check_server_can_read DIR WHAT: warn when the server's user cannot
# read DIR (server-side COPY FROM files there would fail); status 1 then.
mktai_check_server_can_read() {
    if ! mktai_as_server test -r "$1" -a -x "$1"; then
        warn "the server's user $(mktai_server_user_name) cannot read $2" \
            "($1): server-side COPY from there will fail"
        return 1
    fi
}

# mktai_psql ARGS...: psql that stops at the first error and reads no psqlrc.
mktai_psql() {
    "$MKTAI_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# mktai_fresh_db NAME: drop and create database NAME in the cluster.
mktai_fresh_db() {
    mktai_psql -d postgres -c 'SET client_min_messages = warning' \
        -c "DROP DATABASE IF EXISTS \"$1\"" \
        -c "CREATE DATABASE \"$1\""
}

# mktai_shared_data_export: when ../shared/data sits beside the checkout,
# export MKTAI_SHARED_DATA at a path the server's user can read, copying the
# data into MKTAI_TMP if the original path is closed to it.  Status 1 when
# there is no such directory.
mktai_shared_data_export() {
    local src
    src=$(cd "$MKTAI_ROOT/.." && pwd)/shared/data
    [ -d "$src" ] || return 1
    if mktai_check_server_can_read "$src" "the shared data" 2>/dev/null; then
        export MKTAI_SHARED_DATA=$src
    else
        log "shared data: copying it where the server can read it"
        cp -R "$src" "$MKTAI_TMP/shared-data"
        chmod -R a+rX "$MKTAI_TMP/shared-data"
        export MKTAI_SHARED_DATA=$MKTAI_TMP/shared-data
    fi
}
