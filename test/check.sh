#!/usr/bin/env bash
# test/check.sh: the whole test suite, from a fresh Debian 12 machine.
#
#     bash test/check.sh
#
# Installs missing build dependencies, builds and installs mktai, starts a
# throwaway PostgreSQL 15 cluster (see test/lib.sh) and runs, in order:
#
#   unit       make unittest: the C tests of the numeric core
#   regress    make installcheck: the pg_regress suite, against the cluster
#   tap        prove -v test/t/*.pl, when there are any
#   realdata   test/realdata/run.sh, when ../shared/data sits beside the
#              checkout
#
# A failing stage does not stop the later ones.  The last line is
# "check: N passed, M failed", N and M counting single tests over all
# stages (plus one failure for a setup step that failed); the exit status is
# 0 only when nothing failed and something passed.
set -euo pipefail

# shellcheck source=test/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STAGE_NAMES=()
STAGE_RESULTS=()
TOTAL_PASSED=0
TOTAL_FAILED=0

# record NAME PASSED FAILED NOTE: add a stage's counts to the summary.
record() {
    local name=$1 passed=$2 failed=$3 note=${4:-}
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    STAGE_NAMES+=("$name")
    STAGE_RESULTS+=("$passed passed, $failed failed${note:+ ($note)}")
}

# record_setup NAME STATUS: a setup step counts as one check.
record_setup() {
    if [ "$2" -eq 0 ]; then
        STAGE_NAMES+=("$1")
        STAGE_RESULTS+=("ok")
    else
        record "$1" 0 1 "setup step failed"
    fi
}

# skip NAME WHY: a stage that did not run.
skip() {
    STAGE_NAMES+=("$1")
    STAGE_RESULTS+=("skipped: $2")
}

# count_results MODE LOGFILE STATUS: print "PASSED FAILED NOTE" for a stage's
# output.  MODE says how to read it:
#   summary  the last "N passed, M failed" line (one word and a colon may
#            precede it), else top-level TAP lines
#   tap      prove -v output: top-level TAP lines; planned tests that never
#            ran count as failed ("Failed X/Y subtests")
#   regress  pg_regress: one "... ok" or "... FAILED" line per test (also
#            the TAP lines that later pg_regress versions print)
# A non-zero STATUS with no failure counted adds one failure; a zero STATUS
# with nothing counted is one pass.
count_results() {
    awk -v mode="$1" -v rc="$3" '
        function tap_line() {
            if ($0 ~ /^ok ([0-9]|- )/) { tap_ok++; return 1 }
            if ($0 ~ /^not ok ([0-9]|- )/) {
                if ($0 ~ /# *TODO/) tap_ok++; else tap_not++
                return 1
            }
            return 0
        }
        mode == "summary" &&
        match($0, /^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed/) {
            s = substr($0, RSTART, RLENGTH)
            sub(/^[A-Za-z_-]+: /, "", s)
            split(s, w, /[ ,]+/)
            sum_ok = w[1]; sum_not = w[3]; have_sum = 1
            next
        }
        # A file in the "Test Summary Report" of prove counts its failures,
        # plus planned tests that never ran, and at least one failure if
        # it exited non-zero or broke the protocol.
        function report_end() {
            if (!in_report) return
            f = rep_failed + rep_missing
            if (f == 0 && (rep_wstat != 0 || rep_parse)) f = 1
            report_not += f
            in_report = 0
        }
        mode == "tap" && /^[^ ].*\(Wstat: [0-9]+.*Failed: [0-9]+\)$/ {
            report_end()
            in_report = 1; rep_parse = 0; rep_missing = 0
            match($0, /Wstat: [0-9]+/)
            rep_wstat = substr($0, RSTART + 7, RLENGTH - 7) + 0
            match($0, /Failed: [0-9]+\)$/)
            rep_failed = substr($0, RSTART + 8, RLENGTH - 9) + 0
            next
        }
        mode == "tap" && in_report && /^  / {
            if ($0 ~ /Parse errors:/) rep_parse = 1
            if (match($0, /planned [0-9]+ tests? but ran [0-9]+/)) {
                split(substr($0, RSTART, RLENGTH), w, " ")
                rep_missing = w[2] - w[6]
            }
            next
        }
        mode == "tap" && in_report { report_end() }
        mode == "regress" && / \.\.\. ok/ { reg_ok++; next }
        mode == "regress" && / \.\.\. failed \(ignored\)/ { reg_ok++; next }
        mode == "regress" && / \.\.\. FAILED/ { reg_not++; next }
        { tap_line() }
        END {
            note = ""
            if (have_sum) { ok = sum_ok; not = sum_not }
            else if (mode == "regress" && reg_ok + reg_not > 0) {
                ok = reg_ok; not = reg_not
            } else {
                report_end()
                ok = tap_ok; not = tap_not
                if (report_not > not) not = report_not
            }
            if (rc != 0 && not == 0) {
                not = 1; note = "exit status " rc
            } else if (rc == 0 && ok + not == 0) {
                ok = 1; note = "nothing counted; exit status 0"
            }
            printf "%d %d %s\n", ok, not, note
        }' "$2"
}

# run_stage NAME MODE CMD...: run CMD with its output shown and kept in
# MKTAI_TMP/NAME.log, then record its counts; returns CMD's status.
run_stage() {
    local name=$1 mode=$2 logf=$MKTAI_TMP/$1.log rc passed failed note
    shift 2
    log "stage $name: $*"
    local start=$SECONDS
    set +e
    (cd "$MKTAI_ROOT" && "$@") </dev/null 2>&1 | tee "$logf"
    rc=${PIPESTATUS[0]}
    set -e
    read -r passed failed note < <(count_results "$mode" "$logf" "$rc")
    record "$name" "$passed" "$failed" \
        "${note:+$note, }$((SECONDS - start)) s"
    return "$rc"
}

# show_regression_diffs: print what pg_regress found different.
show_regression_diffs() {
    local diffs=$MKTAI_ROOT/regression.diffs
    [ -s "$diffs" ] || return 0
    log "regression.diffs (first 400 lines of $(wc -l <"$diffs")):"
    head -n 400 "$diffs"
}

# summary: print each stage's result and the closing line; exit with 0 only
# if nothing failed and something passed.
summary() {
    local i
    echo
    log "summary"
    for i in "${!STAGE_NAMES[@]}"; do
        printf '    %-10s %s\n' "${STAGE_NAMES[$i]}" "${STAGE_RESULTS[$i]}"
    done
    log "total time: $SECONDS s"
    echo "check: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
    [ "$TOTAL_FAILED" -eq 0 ] && [ "$TOTAL_PASSED" -gt 0 ]
}

main() {
    local rc built=0 cluster=0
    mktai_tmp_init
    log "mktai check in $MKTAI_ROOT (temporary files in $MKTAI_TMP)"

    rc=0; (mktai_ensure_deps) || rc=$?
    record_setup deps "$rc"
    if [ "$rc" -ne 0 ]; then
        summary
        return 1
    fi

    rc=0
    mktai_build "$MKTAI_TMP/build.log" &&
        mktai_install "$MKTAI_TMP/build.log" || rc=$?
    record_setup build "$rc"
    [ "$rc" -eq 0 ] && built=1

    run_stage unit summary make unittest PG_CONFIG="$PG_CONFIG" || true

    if [ "$built" -eq 1 ]; then
        rc=0; mktai_cluster_start || rc=$?
        record_setup cluster "$rc"
        [ "$rc" -eq 0 ] && cluster=1
    fi

    if [ "$cluster" -eq 1 ]; then
        rc=0
        run_stage regress regress \
            make installcheck PG_CONFIG="$PG_CONFIG" || rc=$?
        [ "$rc" -eq 0 ] || show_regression_diffs
    else
        skip regress "no cluster (build or start failed)"
    fi

    local -a tap_files=("$MKTAI_ROOT"/test/t/*.pl)
    if [ ! -e "${tap_files[0]}" ]; then
        skip tap "no test/t/*.pl"
    elif [ "$cluster" -eq 0 ]; then
        skip tap "no cluster (build or start failed)"
    else
        export MKTAI_TEST_DB=mktai_tap
        mktai_fresh_db "$MKTAI_TEST_DB" || warn "could not create $MKTAI_TEST_DB"
        run_stage tap tap prove -v "${tap_files[@]#"$MKTAI_ROOT"/}" || true
    fi

    if [ ! -d "$MKTAI_ROOT/../shared/data" ]; then
        skip realdata "no ../shared/data beside the checkout"
    elif [ ! -f "$MKTAI_ROOT/test/realdata/run.sh" ]; then
        skip realdata "no test/realdata/run.sh"
    elif [ "$cluster" -eq 0 ]; then
        skip realdata "no cluster (build or start failed)"
    else
        mktai_shared_data_export
        export MKTAI_TEST_DB=mktai_realdata
        mktai_fresh_db "$MKTAI_TEST_DB" || warn "could not create $MKTAI_TEST_DB"
        run_stage realdata summary bash test/realdata/run.sh || true
    fi

    # Stop the cluster now, so that the closing line is the last one.
    mktai_cleanup
    summary
}

# Sourcing this file (to test its functions) runs nothing.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
