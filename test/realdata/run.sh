#!/usr/bin/env bash
# test/realdata/run.sh: the real-data suite.
#
# Runs every test/realdata/*.sql, each in a fresh database, against the
# throwaway cluster of test/check.sh, with psql variable "data" set to the
# shared data directory (MKTAI_SHARED_DATA).  Each file loads public data sets, trains with mktai's
# documented defaults and ends with one row per assertion: "ok - ..." or
# "not ok - ...", the assertions being the accuracy bars the issues name.
# The closing line is "realdata: N passed, M failed".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${MKTAI_SHARED_DATA:?run through test/check.sh, or set MKTAI_SHARED_DATA}"
db=${MKTAI_TEST_DB:-postgres}_realdata

passed=0
failed=0
# fresh_db: an empty database, so that no suite sees another's tables.
fresh_db() {
    psql -X -q -d postgres -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
}
for suite in "$here"/*.sql; do
    name=$(basename "$suite" .sql)
    echo "# $name"
    fresh_db
    if ! out=$(psql -X -q -At -v ON_ERROR_STOP=1 -v data="$MKTAI_SHARED_DATA" \
                    -d "$db" -f "$suite" 2>&1); then
        echo "$out" | tail -20
        echo "not ok - $name: the script failed"
        failed=$((failed + 1))
        continue
    fi
    while IFS= read -r line; do
        case "$line" in
            "ok - "*) echo "$line"; passed=$((passed + 1)) ;;
            "not ok - "*) echo "$line"; failed=$((failed + 1)) ;;
            *) echo "# $line" ;;
        esac
    done <<< "$out"
done
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
echo "realdata: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
