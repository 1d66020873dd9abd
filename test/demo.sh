#!/usr/bin/env bash
# test/demo.sh: mktai's churn demo on a throwaway PostgreSQL 15 cluster.
#
#     bash test/demo.sh
#
# Installs missing build dependencies, builds and installs mktai, starts a
# cluster of its own (see test/lib.sh), generates a synthetic customer base
# with test/data/customers.sql, trains a churn model, prints its metrics and
# the ten customers most at risk, then stops the cluster and removes it.
#
# MKTAI_DEMO_ROWS (default 5000) and MKTAI_DEMO_SEED (default 0.42) choose
# the data.
set -euo pipefail

# shellcheck source=test/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rows=${MKTAI_DEMO_ROWS:-5000}
seed=${MKTAI_DEMO_SEED:-0.42}

mktai_tmp_init
log "mktai demo (temporary files in $MKTAI_TMP)"
mktai_ensure_deps
mktai_build "$MKTAI_TMP/build.log" || die "the build failed (see above)"
mktai_install "$MKTAI_TMP/build.log" || die "make install failed (see above)"
mktai_cluster_start || die "the throwaway cluster did not start (see above)"

mktai_fresh_db mktai_demo
export PGDATABASE=mktai_demo

log "data: $rows customers from test/data/customers.sql (seed $seed)"
mktai_psql -v n="$rows" -v seed="$seed" \
    -f "$MKTAI_ROOT/test/data/customers.sql"
mktai_psql <<'SQL'
\pset footer off
SELECT count(*) AS customers,
       round(100 * avg(churned::int), 1) AS "churned %",
       round(avg(tenure_months), 1) AS "avg tenure (months)",
       round(avg(monthly_charges), 2) AS "avg monthly charges"
  FROM customers;
SQL

log "train: a churn classifier on every column but customer_id"
mktai_psql <<'SQL'
\pset footer off
CREATE EXTENSION mktai;
-- The per-epoch progress NOTICEs are left out here.
SET client_min_messages = warning;
\timing on
CREATE TEMP TABLE trained AS
SELECT * FROM mktai.train('churn', 'classification', 'customers', 'churned',
                          '{"exclude": ["customer_id"]}');
\timing off
\echo
SELECT model, version FROM trained;
-- Scalars and short lists; per-epoch curves are left out.
SELECT m.key AS metric,
       CASE WHEN jsonb_typeof(m.value) <> 'number' THEN m.value #>> '{}'
            WHEN (m.value #>> '{}')::numeric % 1 = 0 THEN m.value #>> '{}'
            ELSE round((m.value #>> '{}')::numeric, 4)::text END AS value
  FROM trained, jsonb_each(trained.metrics) AS m
 WHERE jsonb_typeof(m.value) <> 'object'
   AND length(m.value::text) <= 60
 ORDER BY m.key;
SQL

log "score: the ten customers most at risk of churning"
mktai_psql <<'SQL'
\pset footer off
SELECT customer_id, round(score::numeric, 3) AS score, tenure_months AS tenure,
       contract, plan, monthly_charges AS charges, support_calls AS calls,
       payment_method, churned
  FROM (SELECT c.*, mktai.churn_score('churn', c) AS score
          FROM customers c) AS scored
 ORDER BY score DESC, customer_id
 LIMIT 10;
SELECT round(mktai.auc(mktai.churn_score('churn', c), churned)::numeric, 4)
           AS "AUC on all customers (in-sample)"
  FROM customers c;
SQL

log "demo done"
