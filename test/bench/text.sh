# shellcheck shell=bash
# test/bench/text.sh: the text section of test/bench/run.sh, which sources
# it (q, seconds, ratio, log, die and the cluster come from there).
#
# mktai's text classifier against fastText (Debian's fasttext program) on
# the same documents, one thread each, in the same run: training and
# scoring throughput in documents per second, and accuracy on the test
# split.  The data sets are the Chinese reviews of shared/data/chn_sentiment
# (split by record order: the zero-based record i is a test row when
# i % 5 = 4) and SST-2 (its own train and test files).
#
# Both sides read the same tokens: fastText's input files are the texts as
# mktai.tokenize() splits them for the model, one space between tokens:
# characters for Chinese (mktai's default, as fastText is usually fed
# Chinese), lower-cased words for English.  Character n-grams of words
# (fastText's -minn/-maxn) are mktai's defaults on both sides, for words
# outside CJK scripts only, as mktai makes them: fastText gets none on the
# Chinese sets.  mktai is timed over its whole
# mktai.train() call (reading the table, tokenizing, training, storing the
# model); fastText over its whole supervised command (reading the file,
# building its dictionary, training, saving the model).  Scoring times the
# classification alone on both sides: mktai from a warm session (model
# cached), fastText's predict less the same command on an empty file (the
# model's loading).

TEXT_DATA=${BENCH_TEXT_DATA:-$MKTAI_ROOT/../shared/data}
TEXT_EPOCHS=${BENCH_TEXT_EPOCHS:-10}     # mktai's defaults, on both sides
TEXT_DIM=${BENCH_TEXT_DIM:-16}
TEXT_LR=${BENCH_TEXT_LR:-0.1}
TEXT_BUCKETS=${BENCH_TEXT_BUCKETS:-524288}
TEXT_NGRAMS=${BENCH_TEXT_NGRAMS:-2}
TEXT_CHAR_MIN=${BENCH_TEXT_CHAR_MIN:-3}  # character n-grams of non-CJK words
TEXT_CHAR_MAX=${BENCH_TEXT_CHAR_MAX:-6}
TEXT_SCORE_DOCS=${BENCH_TEXT_SCORE_DOCS:-20000}  # test rows repeated to this
TEXT_AIM=20000          # mktai.classify() reviews per second on Chinese text
FASTTEXT=/usr/bin/fasttext   # Debian's

TEXT_ZH='{"cjk_ngrams": 1, "cjk_words": false}'
TEXT_EN='{}'

# text_csv TABLE FILE COLUMNS...: TABLE (i, COLUMNS, review), i the zero-based
# record index, from a CSV file with a header; stray byte order marks are
# stripped and an empty review is ''.
text_csv() {
    local table=$1 file=$2
    shift 2
    local cols="$*" defs=""
    for c in "$@"; do
        case $c in
            label) defs+="label int, " ;;
            *) defs+="$c text, " ;;
        esac
    done
    q -c "CREATE TABLE $table (i int GENERATED ALWAYS AS IDENTITY (MINVALUE 0 START 0),
                              ${defs}review text)" \
      -c "\\copy $table (${cols// /, }, review) FROM '$file' WITH (FORMAT csv, HEADER)" \
      -c "UPDATE $table SET review = coalesce(replace(review, U&'\\FEFF', ''), '')"
}

# text_split SET: SET_train and SET_test from SET_all, by record order.
text_split() {
    q -c "CREATE TABLE $1_train AS SELECT * FROM $1_all WHERE i % 5 <> 4 ORDER BY i" \
      -c "CREATE TABLE $1_test AS SELECT * FROM $1_all WHERE i % 5 = 4 ORDER BY i"
}

# text_tsv TABLE FILE: SST-2's label<TAB>sentence with a header and no
# quoting, into TABLE (i, label, review).
text_tsv() {
    q -c "CREATE TABLE $1 (i int GENERATED ALWAYS AS IDENTITY (MINVALUE 0 START 0),
                          label int, review text)" \
      -c "\\copy $1 (label, review) FROM '$2' WITH (FORMAT csv, HEADER, DELIMITER E'\\t', QUOTE E'\\x01')"
}

text_data() {
    local zh=$TEXT_DATA/chn_sentiment
    log "text: loading the review sets"
    text_csv htl_all "$zh/ChnSentiCorp_htl_all.csv" label
    text_csv waimai_all "$zh/waimai_10k.csv" label
    text_csv shop_all "$zh/online_shopping_10_cats.csv" cat label
    for set in htl waimai shop; do
        text_split "$set"
    done
    text_tsv sst2_train "$TEXT_DATA/sst2/train.tsv"
    text_tsv sst2_test "$TEXT_DATA/sst2/test.tsv"
    q -c "VACUUM ANALYZE" >/dev/null
}

# fasttext_file SET TARGET TOKENIZE SPLIT: the fastText input of SET_SPLIT,
# one "__label__TARGET token token ..." line a row, in the scratch directory;
# prints its path.  The rows are shuffled (by a hash of their index): the
# sets come sorted by class, and fastText learns from its file in order,
# where mktai shuffles.
fasttext_file() {
    local out="$MKTAI_SCRATCH/text/$1_$2.$4"
    q -c "SELECT '__label__' || $2 || ' ' ||
                 array_to_string(mktai.tokenize(review, '$3'), ' ')
            FROM $1_$4 ORDER BY md5(i::text)" > "$out" || return 1
    echo "$out"
}

# repeat_file FILE TIMES: FILE's lines TIMES over, beside FILE; prints its path.
repeat_file() {
    local out="$1.x$2"
    for _ in $(seq "$2"); do
        cat "$1"
    done > "$out"
    echo "$out"
}

# elapsed CMD...: the wall seconds of CMD, its output discarded; status 1,
# with CMD's errors, when it fails.  (The callers take the seconds in a
# command substitution, where set -e does not hold: every step below that
# can fail returns its status.)
elapsed() {
    local start errors="$MKTAI_SCRATCH/text/errors"
    start=$(seconds)
    if ! "$@" >/dev/null 2>"$errors"; then
        cat "$errors" >&2
        return 1
    fi
    awk -v a="$start" -v b="$(seconds)" 'BEGIN { printf "%.4f", b - a }'
}

# best3 CMD...: the fewest seconds of three runs of CMD.
best3() {
    for _ in 1 2 3; do
        elapsed "$@" || return 1
        echo
    done | sort -g | head -1
}

# warm_seconds SQL: the fewest seconds of three runs of SQL in one session,
# after a first run that loads the model; no parallel workers.
warm_seconds() {
    local timing="$MKTAI_SCRATCH/text/timing"
    q -c "SET max_parallel_workers_per_gather = 0" -c "$1" -c '\timing on' \
      -c "$1" -c "$1" -c "$1" > "$timing" || return 1
    sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$timing" | sort -g | head -1 |
        awk '{ printf "%.4f", $1 / 1000 }'
}

per_second() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# mktai_text_train MODEL SET TARGET TOKENIZE: trains MODEL on SET_train with
# the tokenizer options TOKENIZE; prints the wall seconds of the call.
mktai_text_train() {
    local start
    start=$(seconds)
    q -c "SET client_min_messages = warning" \
      -c "SELECT 1 FROM mktai.train('$1', 'text_classification', '$2_train', '$3',
            '{\"text\": \"review\", \"epochs\": $TEXT_EPOCHS, \"dim\": $TEXT_DIM,
              \"learning_rate\": $TEXT_LR, \"buckets\": $TEXT_BUCKETS,
              \"word_ngrams\": $TEXT_NGRAMS, \"char_min\": $TEXT_CHAR_MIN,
              \"char_max\": $TEXT_CHAR_MAX, \"validation_fraction\": 0,
              \"refit\": false}'::jsonb || '$4'::jsonb)" >/dev/null || return 1
    awk -v a="$start" -v b="$(seconds)" 'BEGIN { printf "%.3f", b - a }'
}

# mktai_text_accuracy MODEL SET TARGET: MODEL's accuracy on SET_test.
mktai_text_accuracy() {
    q -c "SELECT avg((mktai.classify('$1', review) = $3::text)::int) FROM $2_test"
}

# scoring_rate FUNCTION MODEL TABLE: the rows per second of FUNCTION (model,
# review) over TABLE.
scoring_rate() {
    local rows s
    rows=$(q -c "SELECT count(*) FROM $3") || return 1
    s=$(warm_seconds "SELECT count($1('$2', review)) FROM $3") || return 1
    per_second "$rows" "$s"
}

# meets_aim RATE: "met" or "missed", against TEXT_AIM.
meets_aim() {
    awk -v r="$1" -v a="$TEXT_AIM" 'BEGIN { print (r >= a ? "met" : "missed") }'
}

# bench_text_run LABEL SET TARGET TOKENIZE CHINESE: trains and scores both
# models on SET's TARGET, mktai with the tokens fastText is given.  Appends
# lines to the training and the scoring tables.
bench_text_run() {
    local label=$1 set=$2 target=$3 tok=$4 chinese=$5
    local model="text_${set}_$target" score="${set}_${target}_score"
    local ft_model="$MKTAI_SCRATCH/text/${set}_$target"
    local n_train n_test reps m_s f_s m_acc f_acc train_file test_file score_file
    local m_cls m_sent=- f_load f_pred f_score_s aim=-
    local minn=$TEXT_CHAR_MIN maxn=$TEXT_CHAR_MAX
    if [ "$chinese" = yes ]; then
        minn=0
        maxn=0
    fi

    n_train=$(q -c "SELECT count(*) FROM ${set}_train")
    n_test=$(q -c "SELECT count(*) FROM ${set}_test")
    reps=$(( (TEXT_SCORE_DOCS + n_test - 1) / n_test ))

    m_s=$(mktai_text_train "$model" "$set" "$target" "$tok")
    m_acc=$(mktai_text_accuracy "$model" "$set" "$target")
    train_file=$(fasttext_file "$set" "$target" "$tok" train)
    test_file=$(fasttext_file "$set" "$target" "$tok" test)
    f_s=$(elapsed "$FASTTEXT" supervised -input "$train_file" -output "$ft_model" \
        -dim "$TEXT_DIM" -lr "$TEXT_LR" -bucket "$TEXT_BUCKETS" -wordNgrams "$TEXT_NGRAMS" \
        -minn "$minn" -maxn "$maxn" -epoch "$TEXT_EPOCHS" -thread 1 -verbose 0)
    f_acc=$("$FASTTEXT" test "$ft_model.bin" "$test_file" | sed -n 's/^P@1[[:space:]]*//p')
    printf '%-30s %6s %10s %10s %7sx   %.4f / %.4f\n' "$label" "$n_train" \
        "$(per_second "$n_train" "$m_s")" "$(per_second "$n_train" "$f_s")" \
        "$(ratio "$f_s" "$m_s")" "$m_acc" "$f_acc" >> "$text_train_table"

    # Scoring: the test rows repeated to TEXT_SCORE_DOCS or more, on both sides.
    q -c "CREATE TABLE $score AS
            SELECT t.* FROM generate_series(1, $reps) r, ${set}_test t ORDER BY r, t.i" \
      -c "VACUUM ANALYZE $score" >/dev/null
    score_file=$(repeat_file "$test_file" "$reps")
    m_cls=$(scoring_rate mktai.classify "$model" "$score")
    if [ "$(q -c "SELECT count(DISTINCT $target) FROM ${set}_train")" = 2 ]; then
        m_sent=$(scoring_rate mktai.sentiment "$model" "$score")
    fi
    f_load=$(best3 "$FASTTEXT" predict "$ft_model.bin" "$MKTAI_SCRATCH/text/empty")
    f_pred=$(best3 "$FASTTEXT" predict "$ft_model.bin" "$score_file")
    f_score_s=$(awk -v a="$f_pred" -v b="$f_load" 'BEGIN { printf "%.4f", a - b }')
    local f_rate
    f_rate=$(per_second "$((n_test * reps))" "$f_score_s")
    if [ "$chinese" = yes ]; then
        aim=$(meets_aim "$m_cls")
    fi
    printf '%-30s %6s %10s %10s %10s %7sx   %s\n' "$label" "$((n_test * reps))" \
        "$m_cls" "$m_sent" "$f_rate" "$(ratio "$m_cls" "$f_rate")" "$aim" \
        >> "$text_score_table"
}

# text_check_data: dies unless the review sets are at hand.
text_check_data() {
    if [ ! -d "$TEXT_DATA/chn_sentiment" ] || [ ! -d "$TEXT_DATA/sst2" ]; then
        die "text: no review data in $TEXT_DATA (set BENCH_TEXT_DATA)"
    fi
}

bench_text() {
    mkdir -p "$MKTAI_SCRATCH/text"
    : > "$MKTAI_SCRATCH/text/empty"
    text_data
    text_train_table="$MKTAI_SCRATCH/text/train_table"
    text_score_table="$MKTAI_SCRATCH/text/score_table"
    : > "$text_train_table"
    : > "$text_score_table"
    log "text: training and scoring (mktai and fastText, one thread each)"
    bench_text_run "ChnSentiCorp hotel: label" htl label "$TEXT_ZH" yes
    bench_text_run "waimai_10k: label" waimai label "$TEXT_ZH" yes
    bench_text_run "online_shopping: label" shop label "$TEXT_ZH" yes
    bench_text_run "online_shopping: cat (10)" shop cat "$TEXT_ZH" yes
    bench_text_run "SST-2: label" sst2 label "$TEXT_EN" no

    echo
    printf '%-30s %6s %10s %10s %8s   %s\n' \
        "text training, $TEXT_EPOCHS epochs" docs "mktai/s" "fastText/s" ratio \
        "test accuracy mktai / fastText"
    cat "$text_train_table"
    echo "(docs/s: training documents / wall seconds of the whole run, one"
    echo " thread each; dim $TEXT_DIM, lr $TEXT_LR, $TEXT_BUCKETS buckets, word n-grams"
    echo " up to $TEXT_NGRAMS, character n-grams $TEXT_CHAR_MIN to $TEXT_CHAR_MAX of non-CJK words:"
    echo " mktai's defaults. mktai: the mktai.train() call, tokenizing"
    echo " and storing the model included; fastText: 'supervised' on the same tokens"
    echo " pre-split (Chinese: characters; English: lower-cased words), in a seeded"
    echo " shuffle (the files come sorted by class), reading and saving included."
    echo " Ratio: mktai / fastText throughput, > 1: mktai faster.)"
    echo
    printf '%-30s %6s %10s %10s %10s %8s   %s\n' "text scoring" docs "classify/s" \
        "sentiment/s" "fastText/s" ratio "${TEXT_AIM}/s aim"
    cat "$text_score_table"
    echo "(mktai: SELECT count(mktai.classify(model, review)) (and mktai.sentiment)"
    echo " over the test rows repeated to $TEXT_SCORE_DOCS or more, raw text in, tokenized"
    echo " per row; warm session, best of three, max_parallel_workers_per_gather = 0."
    echo " fastText: 'predict' on the same rows pre-split, less its model loading"
    echo " (predict on an empty file), best of three. Ratio: classify / fastText"
    echo " throughput. Aim: mktai.classify() at $TEXT_AIM Chinese reviews/s or more.)"
}
