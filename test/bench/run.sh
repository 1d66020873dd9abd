#!/usr/bin/env bash
# test/bench/run.sh: mktai against its peers, side by side in one run.
#
#     make bench          (or: bash test/bench/run.sh)
#
# Installs the peers the sections need (Debian's python3-torch,
# python3-sklearn and fasttext), builds and installs mktai, starts a
# throwaway cluster and reports, as ratios:
#   - training time of the same MLP (same layers, epochs, batch size, rows)
#     in mktai.train() and in PyTorch, both on one thread;
#   - scoring throughput of mktai.predict() over a million rows against a
#     plain SELECT of a trivial expression over the same rows;
#   - the backend's peak private memory while scoring;
#   - segmentation: k-means in mktai.train() against scikit-learn's KMeans,
#     and the autoencoder against a PyTorch one of the same shape, on the
#     same encoded rows, all on one thread (test/bench/peers_segment.py);
#   - sequences: LSTM and GRU sequence classification in mktai.train()
#     against torch.nn.LSTM / torch.nn.GRU of the same shape on the same
#     standardised histories, one thread each: training time, scoring
#     throughput of the ordered aggregate mktai.predict_sequence() against
#     batched PyTorch inference, and the scoring backend's peak memory for
#     a quarter of the groups and for all of them
#     (test/bench/torch_sequence.py);
#   - text: the text classifier against fastText (Debian's fasttext) on the
#     Chinese review sets and SST-2 of ../shared/data, one thread each:
#     training and scoring throughput (documents per second), the
#     20,000 Chinese reviews per second scoring aim, and test accuracy,
#     including the 10 topics of online_shopping_10_cats
#     (test/bench/text.sh).
# Numbers vary with the machine; the benchmark asserts nothing.
#
# BENCH_ONLY runs some of the sections, named with commas between them
# (tabular, segmentation, sequences, text; all by default), e.g.
#
#     BENCH_ONLY=sequences bash test/bench/run.sh
#
# The other BENCH_* variables below set the sizes.
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
SEQ_ENTITIES=${BENCH_SEQ_ENTITIES:-20000}  # histories (entities) ...
SEQ_STEPS=${BENCH_SEQ_STEPS:-12}          # ... of this many events each
SEQ_EPOCHS=${BENCH_SEQ_EPOCHS:-$EPOCHS}   # sequence training, no early stop
SEQ_HIDDEN=${BENCH_SEQ_HIDDEN:-32}        # LSTM/GRU units (one layer)
SEQ_SMALL=${BENCH_SEQ_SMALL:-$((SEQ_ENTITIES / 4))}  # groups, small memory run
PYTHON=/usr/bin/python3

SECTIONS=(tabular segmentation sequences text)
ONLY=${BENCH_ONLY:-$(IFS=,; echo "${SECTIONS[*]}")}

# wanted SECTION: true when BENCH_ONLY selects SECTION.
wanted() {
    [[ ",$ONLY," == *",$1,"* ]]
}

for section in ${ONLY//,/ }; do
    [[ " ${SECTIONS[*]} " == *" $section "* ]] ||
        die "BENCH_ONLY: no section '$section' (sections: ${SECTIONS[*]})"
done

mktai_ensure_deps
peers=()
if wanted tabular || wanted segmentation || wanted sequences; then
    "$PYTHON" -c 'import torch' 2>/dev/null || peers+=(python3-torch)
fi
if wanted segmentation; then
    "$PYTHON" -c 'import sklearn, threadpoolctl' 2>/dev/null || peers+=(python3-sklearn)
fi
if wanted text; then
    # shellcheck source=test/bench/text.sh
    source "$MKTAI_ROOT/test/bench/text.sh"
    text_check_data
    [ -x "$FASTTEXT" ] || peers+=(fasttext)
fi
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

q -c "CREATE EXTENSION mktai"

# time_query SQL: the best of three runs, in seconds, from a warm session.
time_query() {
    psql -X -q -At -c "$1" >/dev/null
    for _ in 1 2 3; do
        local start
        start=$(seconds)
        psql -X -q -At -c "$1" >/dev/null
        awk -v a="$start" -v b="$(seconds)" 'BEGIN { printf "%.3f\n", b - a }'
    done | sort -n | head -1
}

# peak_rss SQL [RUNS]: the peak private memory (RssAnon, kB) of a fresh
# backend while it runs SQL, sampled every 10 ms; the highest of RUNS runs
# (1 by default), so that a short query's peak is less likely to be missed;
# "n/a" when no sample was taken.
peak_rss() {
    local pid_file="$MKTAI_SCRATCH/peak_rss.pid" client pid key kb peak=0
    for _ in $(seq "${2:-1}"); do
        : > "$pid_file"
        psql -X -q -At -c "SELECT pg_backend_pid()" -c "$1" > "$pid_file" &
        client=$!
        while kill -0 "$client" 2>/dev/null; do
            pid=
            read -r pid 2>/dev/null < "$pid_file" || true
            if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
                while read -r key kb _; do
                    if [ "$key" = RssAnon: ] && [ "$kb" -gt "$peak" ]; then
                        peak=$kb
                    fi
                done 2>/dev/null < "/proc/$pid/status" || true
            fi
            sleep 0.01
        done
        wait "$client"
    done
    if [ "$peak" -gt 0 ]; then echo "$peak"; else echo "n/a"; fi
}

# customers_data: the generated customers (tabular and segmentation), more
# rows for scoring, and the CSV the PyTorch MLP reads.
customers_data() {
    log "data: $ROWS generated customers for training, $SCORE_ROWS rows for scoring"
    q -v n="$ROWS" -f "$MKTAI_ROOT/test/data/customers.sql"
    q -c "CREATE TABLE score_rows AS SELECT c.* FROM customers c,
            generate_series(1, ceil($SCORE_ROWS / $ROWS::float8)::int) LIMIT $SCORE_ROWS"
    q -c "VACUUM ANALYZE score_rows"
    csv="$MKTAI_SCRATCH/customers.csv"
    q -c "COPY (SELECT tenure_months, plan, contract, monthly_charges, total_charges,
                  support_calls, data_usage_gb, paperless_billing, payment_method,
                  region, churned FROM customers) TO STDOUT WITH (FORMAT csv, HEADER)" > "$csv"
}

bench_tabular() {
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

    plain=$(time_query "SELECT sum(t.monthly_charges * 0.01 + t.tenure_months) FROM score_rows t")
    scored=$(time_query "SELECT sum(mktai.predict('bench', t)) FROM score_rows t")
    echo
    printf '%-34s %12s %14s\n' "scoring $SCORE_ROWS rows" seconds "rows/second"
    printf '%-34s %11ss %14.0f\n' "plain SELECT of an expression" "$plain" \
        "$(awk -v n="$SCORE_ROWS" -v s="$plain" 'BEGIN { print n / s }')"
    printf '%-34s %11ss %14.0f\n' "mktai.predict(model, row)" "$scored" \
        "$(awk -v n="$SCORE_ROWS" -v s="$scored" 'BEGIN { print n / s }')"
    echo "overhead: $(ratio "$scored" "$plain")x the plain SELECT (aim: under 3x)"

    echo "peak private memory of the scoring backend:" \
         "$(peak_rss "SELECT sum(mktai.predict('bench', t)) FROM score_rows t") kB"
}

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

bench_segmentation() {
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
}

# Sequences: a seeded table of SEQ_ENTITIES histories of SEQ_STEPS monthly
# events, four numeric features per event and one label per entity that
# depends on the trend of the history: each entity has a slope in [-1, 1]
# that tilts its usage and sessions over the months (and raises its support
# tickets late when negative); it churned when the slope plus an
# entity-level noise is below 0.  Spend is a trendless distraction.  The
# table is keyed by (entity, step), as an events table usually is, so the
# GROUP BY entity plans read it in key order through that index, with no
# sort of the whole table whose memory would grow with the rows scored.
seq_data() {
    log "sequences: $SEQ_ENTITIES entities x $SEQ_STEPS events"
    q -c "SELECT setseed(0.31)" \
      -c "CREATE TABLE seq_entities AS
            SELECT id AS entity, 2 * random() - 1 AS slope, 2 + 18 * random() AS level,
                   20 + 60 * random() AS spend, random() AS noise
              FROM generate_series(1, $SEQ_ENTITIES) AS id" \
      -c "CREATE TABLE events AS
            SELECT s.entity, t AS step,
                   round((s.level * greatest(0, 1 + 0.08 * s.slope * (t - ($SEQ_STEPS + 1) / 2.0))
                          * (0.75 + 0.5 * random()))::numeric, 3)::float8 AS usage_gb,
                   greatest(0, round(10 + s.level / 2 + 1.5 * s.slope * (t - ($SEQ_STEPS + 1) / 2.0)
                                     + 8 * (random() - 0.5)))::float8 AS sessions,
                   round((s.spend * (0.95 + 0.1 * random()))::numeric, 2)::float8 AS spend,
                   floor(-ln(1 - random()) * (0.3 + 0.6 * greatest(0, -s.slope) * t / $SEQ_STEPS))::int
                       AS tickets,
                   s.slope + 0.5 * (s.noise - 0.5) < 0 AS churned
              FROM seq_entities s CROSS JOIN generate_series(1, $SEQ_STEPS) AS t
             ORDER BY s.entity, t" \
      -c "ALTER TABLE events ADD PRIMARY KEY (entity, step)" \
      -c "VACUUM ANALYZE events" >/dev/null
    seq_csv="$MKTAI_SCRATCH/events.csv"
    q -c "COPY (SELECT entity, usage_gb, sessions, spend, tickets, churned::int
                  FROM events ORDER BY entity, step) TO STDOUT WITH (FORMAT csv)" > "$seq_csv"
    seq_churn=$(q -c "SELECT round(100 * avg(churned::int), 1)
                         FROM (SELECT DISTINCT entity, churned FROM events) e")
}

# seq_train NAME CELL: trains sequence classifier NAME on events, on one
# BLAS thread; prints "seconds loop auc features", loop being the training
# loop's seconds from the last epoch NOTICE (0.1 s resolution).  Quantile
# bins are off ("numeric_bins": 0), so mktai's inputs are exactly the four
# standardised numbers, as PyTorch's are.
seq_train() {
    local notices="$MKTAI_SCRATCH/seq_notices" start out s loop
    local opts="{\"entity\": \"entity\", \"order\": \"step\", \"cell\": \"$2\",
                 \"hidden_size\": $SEQ_HIDDEN, \"layers\": 1, \"max_length\": 64,
                 \"epochs\": $SEQ_EPOCHS, \"batch_size\": $BATCH, \"patience\": 0,
                 \"validation_fraction\": 0, \"clip\": 1.0, \"numeric_bins\": 0}"
    start=$(seconds)
    if ! out=$(q -F ' ' -c "SET mktai.blas_threads = 1" \
                 -c "SELECT metrics->>'auc', metrics->>'features'
                       FROM mktai.train('$1', 'sequence_classification', 'events',
                                        'churned', '$opts')" 2>"$notices"); then
        cat "$notices" >&2
        return 1
    fi
    s=$(awk -v a="$start" -v b="$(seconds)" 'BEGIN { printf "%.3f", b - a }')
    loop=$(sed -n 's/^NOTICE: *epoch .*(\([0-9.]*\) s)$/\1/p' "$notices" | tail -1)
    echo "$s ${loop:-0} $out"
}

# Scoring every history: the ordered aggregate against PyTorch's batched
# forward pass (best of three each), with two plain GROUP BYs over the same
# events as baselines: a sum, and the same sum taking its rows ORDER BY step
# (the plan and per-group sorts an ordered aggregate costs, without a model).
seq_groups() {
    echo "SELECT sum(p) FROM (SELECT $1 AS p FROM events e ${2:-} GROUP BY entity) x"
}
seq_rate() { awk -v n="$SEQ_ENTITIES" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }

bench_sequences() {
    seq_data
    echo
    printf '%-44s %10s %10s %8s   %s\n' \
        "sequences: $SEQ_ENTITIES x $SEQ_STEPS steps, $SEQ_EPOCHS epochs" \
        mktai PyTorch ratio "AUC mktai / PyTorch"
    local -A seq_torch_score
    for cell in lstm gru; do
        line=$(seq_train "seq_$cell" "$cell")
        read -r m_s m_loop m_auc m_width <<<"$line"
        line=$("$PYTHON" "$MKTAI_ROOT/test/bench/torch_sequence.py" "$seq_csv" \
            "$cell" "$SEQ_HIDDEN" 1 "$SEQ_EPOCHS" "$BATCH" 1.0 3)
        read -r t_s t_score _ _ t_width t_auc <<<"$line"
        [ "$m_width" = "$t_width" ] ||
            warn "mktai has $m_width inputs per step, PyTorch $t_width"
        seq_torch_score[$cell]=$t_score
        label=${cell^^}
        printf '%-44s %9ss %9ss %7sx   %.4f / %.4f\n' \
            "$label $m_width-$SEQ_HIDDEN-1, batch $BATCH" \
            "$m_s" "$t_s" "$(ratio "$m_s" "$t_s")" "$m_auc" "$t_auc"
        printf '%-44s %9ss %9ss %7sx\n' "  mktai's training loop alone (epoch NOTICE)" \
            "$m_loop" "$t_s" "$(ratio "$m_loop" "$t_s")"
    done
    echo "(mktai: the whole mktai.train() call, reading, sorting, encoding and"
    echo " padding the events and the final metrics included; PyTorch: the"
    echo " training loop alone (nn.LSTM/nn.GRU, batch_first, + Linear($SEQ_HIDDEN, 1),"
    echo " BCEWithLogits, AdamW lr 1e-3 wd 1e-4, clip_grad_norm_ 1.0) on the same"
    echo " standardised features. One thread each. $seq_churn% of the entities"
    echo " churned; AUC on the training entities. Ratio < 1: mktai faster.)"

    plain=$(time_query "$(seq_groups "sum(e.usage_gb)")")
    ordered=$(time_query "$(seq_groups "sum(e.usage_gb ORDER BY e.step)")")
    echo
    printf '%-44s %10s %12s %10s\n' "scoring $SEQ_ENTITIES sequences of $SEQ_STEPS steps" \
        seconds "sequences/s" "vs PyTorch"
    printf '%-44s %9ss %12s\n' "plain GROUP BY entity: sum(usage_gb)" "$plain" "$(seq_rate "$plain")"
    printf '%-44s %9ss %12s\n' "ordered: sum(usage_gb ORDER BY step)" "$ordered" "$(seq_rate "$ordered")"
    for cell in lstm gru; do
        label=${cell^^}
        scored=$(time_query "$(seq_groups "mktai.predict_sequence('seq_$cell', e ORDER BY e.step)")")
        t_score=${seq_torch_score[$cell]}
        printf '%-44s %9ss %12s %9sx\n' "mktai.predict_sequence(), $label" "$scored" \
            "$(seq_rate "$scored")" "$(ratio "$t_score" "$scored")"
        printf '%-44s %9ss %12s\n' "PyTorch $label, eval, batches of 1024" "$t_score" \
            "$(seq_rate "$t_score")"
        echo "  $label overhead: $(ratio "$scored" "$plain")x the plain GROUP BY," \
             "$(ratio "$scored" "$ordered")x the ordered sum"
    done
    echo "(mktai: the whole query, from a warm session, best of three; PyTorch:"
    echo " the forward passes and sigmoids over the tensor already in memory,"
    echo " inference_mode, one thread, best of three. 'vs PyTorch': throughput"
    echo " mktai / PyTorch, > 1: mktai faster.)"

    echo
    printf '%-44s %14s %14s\n' "peak RssAnon of the scoring backend" \
        "$SEQ_SMALL groups" "$SEQ_ENTITIES groups"
    for agg in "mktai.predict_sequence('seq_lstm', e ORDER BY e.step)|mktai.predict_sequence(), LSTM" \
               "mktai.predict_sequence('seq_gru', e ORDER BY e.step)|mktai.predict_sequence(), GRU" \
               "sum(e.usage_gb ORDER BY e.step)|sum(usage_gb ORDER BY step), no model"; do
        small=$(peak_rss "$(seq_groups "${agg%%|*}" "WHERE e.entity <= $SEQ_SMALL")" 3)
        all=$(peak_rss "$(seq_groups "${agg%%|*}")" 3)
        printf '%-44s %11s kB %11s kB\n' "${agg#*|}" "$small" "$all"
    done
    echo "(Fresh sessions scoring the first $SEQ_SMALL entities, then all of them,"
    echo " RssAnon sampled every 10 ms, highest of three runs each. The rows come"
    echo " in key order through the primary key, so no sort of the table; each"
    echo " group's rows are sorted by step on their own. The ordered sum shows"
    echo " what that plan costs without a model. Aim: the same peak in both"
    echo " columns: memory that does not grow with finished groups.)"
}

if wanted tabular || wanted segmentation; then
    customers_data
fi
if wanted tabular; then
    bench_tabular
fi
if wanted segmentation; then
    bench_segmentation
fi
if wanted sequences; then
    bench_sequences
fi
if wanted text; then
    bench_text
fi
