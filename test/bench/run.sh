#!/usr/bin/env bash
# test/bench/run.sh: mktai against its peers, side by side in one run.
#
#     make bench          (or: bash test/bench/run.sh)
#
# Installs the peers (Debian's python3-torch and python3-sklearn), builds
# and installs mktai, starts a throwaway cluster and reports, as ratios:
#   - training time of the same MLP (same layers, epochs, batch size, rows)
#     in mktai.train() and in PyTorch, both on one thread;
#   - scoring throughput of mktai.predict() over a million rows against a
#     plain SELECT of a trivial expression over the same rows;
#   - the backend's peak private memory while scoring;
#   - segmentation: k-means in mktai.train() against scikit-learn's KMeans,
#     and the autoencoder against a PyTorch one of the same shape, on the
#     same encoded rows, all on one thread (test/bench/peers_segment.py).
# Numbers vary with the machine; the benchmark asserts nothing.
set -euo pipefail

# shellcheck source=test/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROWS=${BENCH_ROWS:-100000}
SCORE_ROWS=${BENCH_SCORE_ROWS:-1000000}
EPOCHS=${BENCH_EPOCHS:-5}
BATCH=${BENCH_BATCH:-64}
SEG_K=${BENCH_SEG_K:-5}                 # segments, both methods
SEG_RESTARTS=${BENCH_SEG_RESTARTS:-10}  # k-means++ seedings (k-means method)
SEG_EPOCHS=${BENCH_SEG_EPOCHS:-20}      # autoencoder epochs, no early stop
SEG_REPEAT=${BENCH_SEG_REPEAT:-3}       # segmentation timings: best of this
PYTHON=/usr/bin/python3

mktai_ensure_deps
peers=()
"$PYTHON" -c 'import torch' 2>/dev/null || peers+=(python3-torch)
"$PYTHON" -c 'import sklearn, threadpoolctl' 2>/dev/null || peers+=(python3-sklearn)
if [ ${#peers[@]} -gt 0 ]; then
    log "installing the peers: ${peers[*]}"
    mktai_as_root apt-get install -y -q "${peers[@]}" >/dev/null
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

# Segmentation, on the same customers: every column but customer_id and
# churned.  Both methods take numeric_transform "none" so that the matrix
# mktai.encode() exports from the k-means model is exactly the input of the
# autoencoder as well; the peers read that matrix and time their fit alone,
# mktai is timed over its whole mktai.train() call.  Each side keeps the
# best of SEG_REPEAT runs.
seg_exclude='["customer_id", "churned"]'
seg_features=$(q -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
                       FROM pg_attribute
                      WHERE attrelid = 'customers'::regclass AND attnum > 0
                        AND NOT attisdropped
                        AND attname NOT IN ('customer_id', 'churned')")

# seg_train NAME OPTIONS: trains segmentation NAME on customers, on one BLAS
# thread; prints "seconds inertia features loop", loop being the training
# loop's seconds from the last epoch NOTICE (0.1 s resolution; 0 when there
# is none, as for k-means).
seg_train() {
    local notices="$MKTAI_SCRATCH/seg_notices" start out s loop
    start=$(seconds)
    if ! out=$(q -F ' ' -c "SET mktai.blas_threads = 1" \
                 -c "SELECT metrics->>'inertia', metrics->>'features'
                       FROM mktai.train('$1', 'segmentation', 'customers', NULL, '$2')" \
                 2>"$notices"); then
        cat "$notices" >&2
        return 1
    fi
    s=$(awk -v a="$start" -v b="$(seconds)" 'BEGIN { printf "%.3f", b - a }')
    loop=$(sed -n 's/^NOTICE: *epoch .*(\([0-9.]*\) s)$/\1/p' "$notices" | tail -1)
    echo "$s $out ${loop:-0}"
}

# best_of N CMD...: runs CMD N times; prints the output line whose first
# field (seconds) is the smallest.
best_of() {
    local n=$1
    shift
    for _ in $(seq "$n"); do
        "$@"
    done | sort -g -k1,1 | head -1
}

# k-means: mktai against scikit-learn's KMeans with the same k, seedings
# (k-means++) and iteration cap, on the points mktai clusters.  Their stops
# differ: mktai ends a run when no label changes or the inertia improves by
# 1e-6 or less relatively; scikit-learn when no label changes or the centres
# move by less than tol (1e-4 by default, scaled by the data's variance), so
# it runs once with its default and once with tol 0, to convergence.
km_opts="{\"method\": \"kmeans\", \"k\": $SEG_K, \"restarts\": $SEG_RESTARTS,
          \"exclude\": $seg_exclude, \"numeric_transform\": \"none\"}"
line=$(best_of "$SEG_REPEAT" seg_train seg_kmeans "$km_opts")
read -r km_s km_inertia seg_width _ <<<"$line"
encoded="$MKTAI_SCRATCH/segment_encoded.csv"
raw="$MKTAI_SCRATCH/segment_raw.csv"
q -c "COPY (SELECT array_to_string(mktai.encode('seg_kmeans', c), ',')
              FROM customers c) TO STDOUT" > "$encoded"
q -c "COPY (SELECT $seg_features FROM customers) TO STDOUT WITH (FORMAT csv, HEADER)" > "$raw"

echo
printf '%-44s %10s %10s %8s   %s\n' "k-means on $ROWS rows x $seg_width encoded" \
    mktai sklearn ratio "inertia mktai / sklearn"
for tol in 1e-4 0; do
    line=$("$PYTHON" "$MKTAI_ROOT/test/bench/peers_segment.py" \
        kmeans "$encoded" "$SEG_K" "$SEG_RESTARTS" "$tol" "$SEG_REPEAT")
    read -r sk_s sk_inertia sk_iter <<<"$line"
    printf '%-44s %9ss %9ss %7sx   %.1f / %.1f\n' \
        "k $SEG_K, $SEG_RESTARTS restarts, sklearn tol $tol ($sk_iter it.)" \
        "$km_s" "$sk_s" "$(ratio "$km_s" "$sk_s")" "$km_inertia" "$sk_inertia"
done
echo "(mktai: the whole mktai.train() call, reading, encoding, profiling and"
echo " the silhouette included; scikit-learn: KMeans.fit() alone, lloyd,"
echo " k-means++, max_iter 300, on the matrix mktai.encode() exports. 'it.':"
echo " Lloyd iterations of sklearn's kept run. Ratio < 1: mktai faster.)"

# The autoencoder: the default shape (hidden [], a linear encoder into
# "latent" 2 and a linear decoder back), AdamW with mktai's defaults, a fixed
# number of epochs on all rows (validation_fraction 0, patience 0).  Its
# mktai.train() call also clusters the codes with k-means: one restart, to
# keep that small.  PyTorch runs it twice: with mktai's loss (squared error,
# binary cross-entropy on NULL indicators, softmax cross-entropy per one-hot
# group) and with the summed squared error over all slots, the simplest
# stand-in.  Both report the loss mktai minimises, averaged over all rows
# once trained: mktai.reconstruction_error() and its PyTorch twin.
ae_opts="{\"method\": \"autoencoder\", \"k\": $SEG_K, \"restarts\": 1, \"latent\": 2,
          \"hidden\": [], \"epochs\": $SEG_EPOCHS, \"batch_size\": $BATCH,
          \"patience\": 0, \"validation_fraction\": 0,
          \"exclude\": $seg_exclude, \"numeric_transform\": \"none\"}"
line=$(best_of "$SEG_REPEAT" seg_train seg_ae "$ae_opts")
read -r ae_s _ _ ae_loop <<<"$line"
ae_loss=$(q -c "SELECT avg(mktai.reconstruction_error('seg_ae', c)) FROM customers c")

echo
printf '%-44s %10s %10s %8s   %s\n' \
    "autoencoder $seg_width-2-$seg_width, $SEG_EPOCHS epochs, batch $BATCH" \
    mktai PyTorch ratio "loss mktai / PyTorch"
for loss in mktai mse; do
    line=$("$PYTHON" "$MKTAI_ROOT/test/bench/peers_segment.py" \
        autoencoder "$encoded" "$raw" 2 "$SEG_EPOCHS" "$BATCH" "$loss" "$SEG_REPEAT")
    read -r pt_s pt_loss <<<"$line"
    case $loss in
        mktai) label="PyTorch with mktai's loss" ;;
        mse) label="PyTorch, squared error on all slots" ;;
    esac
    printf '%-44s %9ss %9ss %7sx   %.4f / %.4f\n' "$label" \
        "$ae_s" "$pt_s" "$(ratio "$ae_s" "$pt_s")" "$ae_loss" "$pt_loss"
done
printf '%-44s %9ss\n' "mktai's training loop alone (epoch NOTICE)" "$ae_loop"
echo "(mktai: the whole mktai.train() call, which also encodes the rows,"
echo " clusters the codes (k $SEG_K, 1 restart) and profiles the segments;"
echo " PyTorch: the training loop alone, on the matrix mktai.encode() exports."
echo " Loss: mktai's reconstruction loss per row, after training, over all"
echo " rows. Ratio < 1: mktai faster.)"
