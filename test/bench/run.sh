#!/usr/bin/env bash
# test/bench/run.sh: mktai against its peers, side by side in one run.
#
#     make bench          (or: bash test/bench/run.sh)
#
# Installs the peers (Debian's python3-torch), builds and installs mktai,
# starts a throwaway cluster and reports, as ratios:
#   - training time of the same MLP (same layers, epochs, batch size, rows)
#     in mktai.train() and in PyTorch, both on one thread;
#   - scoring throughput of mktai.predict() over a million rows against a
#     plain SELECT of a trivial expression over the same rows;
#   - the backend's peak private memory while scoring.
# Numbers vary with the machine; the benchmark asserts nothing.
set -euo pipefail

# shellcheck source=test/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROWS=${BENCH_ROWS:-100000}
SCORE_ROWS=${BENCH_SCORE_ROWS:-1000000}
EPOCHS=${BENCH_EPOCHS:-5}
BATCH=${BENCH_BATCH:-64}
PYTHON=/usr/bin/python3

mktai_ensure_deps
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    log "installing the peer: python3-torch"
    mktai_as_root apt-get install -y -q python3-torch >/dev/null
fi
mktai_tmp_init
mktai_build "$MKTAI_TMP/build.log"
mktai_install "$MKTAI_TMP/build.log"
mktai_cluster_start
db=mktai_bench
mktai_fresh_db "$db"
export PGDATABASE=$db

q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
seconds() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

log "data: $ROWS generated customers for training, $SCORE_ROWS rows for scoring"
q -c "CREATE EXTENSION mktai"
q -v n="$ROWS" -f "$MKTAI_ROOT/test/data/customers.sql"
q -c "CREATE TABLE score_rows AS SELECT c.* FROM customers c,
        generate_series(1, ceil($SCORE_ROWS / $ROWS::float8)::int) LIMIT $SCORE_ROWS"
q -c "VACUUM ANALYZE score_rows"
csv="$MKTAI_SCRATCH/customers.csv"
q -c "COPY (SELECT tenure_months, plan, contract, monthly_charges, total_charges,
              support_calls, data_usage_gb, paperless_billing, payment_method,
              region, churned FROM customers) TO STDOUT WITH (FORMAT csv, HEADER)" > "$csv"

echo
printf '%-34s %12s %12s %8s\n' "training ($ROWS rows, $EPOCHS epochs)" mktai PyTorch ratio
for hidden in "32" "256,128"; do
    opts="{\"exclude\": [\"customer_id\"], \"hidden\": [$hidden], \"epochs\": $EPOCHS,
           \"batch_size\": $BATCH, \"patience\": 0, \"validation_fraction\": 0,
           \"refit\": false, \"deploy\": false}"
    start=$(seconds)
    width=$(q -c "SET client_min_messages = warning" \
              -c "SELECT metrics->'features' FROM mktai.train('bench_$hidden', 'classification',
                   'customers', 'churned', '$opts')")
    mktai_s=$(awk -v a="$start" -v b="$(seconds)" 'BEGIN { printf "%.3f", b - a }')
    torch_s=$("$PYTHON" "$MKTAI_ROOT/test/bench/torch_mlp.py" "$csv" churned \
                "$width" "$hidden" "$EPOCHS" "$BATCH")
    printf '%-34s %11ss %11ss %7sx\n' "MLP $width-[$hidden]-1, batch $BATCH" \
        "$mktai_s" "$torch_s" "$(ratio "$mktai_s" "$torch_s")"
done
echo "(mktai: the whole mktai.train() call, reading and encoding the table"
echo " included; PyTorch: the training loop alone. Ratio < 1: mktai faster.)"

q -c "SET client_min_messages = warning" \
  -c "SELECT 1 FROM mktai.train('bench', 'classification', 'customers', 'churned',
        '{\"exclude\": [\"customer_id\"], \"epochs\": 3}')" >/dev/null

# time_query SQL: the best of three runs, in seconds, from a warm session.
time_query() {
    psql -X -q -At -c "$1" >/dev/null
    for _ in 1 2 3; do
        local start=$(seconds)
        psql -X -q -At -c "$1" >/dev/null
        awk -v a="$start" -v b="$(seconds)" 'BEGIN { printf "%.3f\n", b - a }'
    done | sort -n | head -1
}
plain=$(time_query "SELECT sum(t.monthly_charges * 0.01 + t.tenure_months) FROM score_rows t")
scored=$(time_query "SELECT sum(mktai.predict('bench', t)) FROM score_rows t")
echo
printf '%-34s %12s %14s\n' "scoring $SCORE_ROWS rows" seconds "rows/second"
printf '%-34s %11ss %14.0f\n' "plain SELECT of an expression" "$plain" \
    "$(awk -v n="$SCORE_ROWS" -v s="$plain" 'BEGIN { print n / s }')"
printf '%-34s %11ss %14.0f\n' "mktai.predict(model, row)" "$scored" \
    "$(awk -v n="$SCORE_ROWS" -v s="$scored" 'BEGIN { print n / s }')"
echo "overhead: $(ratio "$scored" "$plain")x the plain SELECT (aim: under 3x)"

# Peak private memory of one backend while it scores every row.
pid_file="$MKTAI_SCRATCH/bench.pid"
psql -X -q -At -c "SELECT pg_backend_pid()" \
     -c "SELECT sum(mktai.predict('bench', t)) FROM score_rows t" > "$pid_file" &
client=$!
peak=0
while kill -0 "$client" 2>/dev/null; do
    pid=$(head -1 "$pid_file" 2>/dev/null || true)
    if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
        kb=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
        [ "${kb:-0}" -gt "$peak" ] && peak=$kb
    fi
    sleep 0.05
done
wait "$client"
echo "peak private memory of the scoring backend: $peak kB"
