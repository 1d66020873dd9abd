-- Evaluation aggregates: mktai.auc and mktai.log_loss.
-- Floats are shown rounded to 10 places so that the output is stable.

--
-- auc: known values
--

-- negatives {0.1, 0.4}, positives {0.35, 0.8}: 3 of 4 pairs ordered
SELECT round(mktai.auc(s, l)::numeric, 10) AS auc
  FROM (VALUES (0.1, false), (0.4, false), (0.35, true), (0.8, true)) v(s, l);
-- a positive tied with a negative counts one half: (1 + 1 + 1 + 0.5) / 4
SELECT round(mktai.auc(s, l)::numeric, 10) AS auc
  FROM (VALUES (0.5, true), (0.5, false), (0.2, false), (0.9, true)) v(s, l);
-- perfect ranking
SELECT round(mktai.auc(s, l)::numeric, 10) AS auc
  FROM (VALUES (0.1, false), (0.2, false), (0.7, true), (0.9, true)) v(s, l);
-- reversed ranking
SELECT round(mktai.auc(s, l)::numeric, 10) AS auc
  FROM (VALUES (0.9, false), (0.7, false), (0.2, true), (0.1, true)) v(s, l);
-- every score tied
SELECT round(mktai.auc(s, l)::numeric, 10) AS auc
  FROM (VALUES (0.3, false), (0.3, true), (0.3, true), (0.3, false),
               (0.3, false)) v(s, l);
-- integer labels
SELECT round(mktai.auc(s, l)::numeric, 10) AS auc
  FROM (VALUES (0.1, 0), (0.4, 0), (0.35, 1), (0.8, 1)) v(s, l);
-- rows with a NULL score or label are skipped
SELECT round(mktai.auc(s, l)::numeric, 10) AS auc
  FROM (VALUES (0.1, false), (0.4, false), (0.35, true), (0.8, true),
               (NULL, true), (0.9, NULL), (NULL, NULL)) v(s, l);
SELECT round(mktai.auc(s, l)::numeric, 10) AS auc
  FROM (VALUES (0.1, 0), (NULL, 1), (0.4, 0), (0.35, 1), (0.8, 1),
               (0.05, NULL)) v(s, l);

--
-- auc: NULL when undefined
--

-- no rows
SELECT mktai.auc(s, l) IS NULL AS is_null
  FROM (VALUES (0.5::float8, true)) v(s, l) WHERE false;
SELECT mktai.auc(s, l) IS NULL AS is_null
  FROM (VALUES (0.5::float8, 1)) v(s, l) WHERE false;
-- only NULL rows
SELECT mktai.auc(s, l) IS NULL AS is_null
  FROM (VALUES (NULL::float8, true), (0.5, NULL)) v(s, l);
-- one class only
SELECT mktai.auc(s, l) IS NULL AS is_null
  FROM (VALUES (0.1, true), (0.4, true), (0.8, true)) v(s, l);
SELECT mktai.auc(s, l) IS NULL AS is_null
  FROM (VALUES (0.1, 0), (0.4, 0)) v(s, l);

--
-- auc: errors, one per line
--

SELECT mktai.auc(s, l) FROM (VALUES (0.5::float8, true), ('NaN', false)) v(s, l);
SELECT mktai.auc(s, l) FROM (VALUES ('Infinity'::float8, true)) v(s, l);
SELECT mktai.auc(s, l) FROM (VALUES ('-Infinity'::float8, 1)) v(s, l);
SELECT mktai.auc(s, l) FROM (VALUES (0.5, 1), (0.6, 2)) v(s, l);
SELECT mktai.auc(0.5, -1);
SELECT mktai.auc_final('\x00'::bytea);
SELECT mktai.auc_final('\xffffffff0000000000000000'::bytea);

--
-- auc: groups, windows and direct calls
--

SELECT g, round(mktai.auc(s, l)::numeric, 10) AS auc, count(*)
  FROM (VALUES (1, 0.1, false), (1, 0.4, false), (1, 0.35, true),
               (1, 0.8, true),
               (2, 0.1, false), (2, 0.9, true),
               (3, 0.5, true), (3, 0.6, true),
               (4, 0.2, true), (4, 0.2, false), (4, 0.2, true),
               (5, 0.9, false), (5, 0.1, true), (5, NULL, false)) v(g, s, l)
 GROUP BY g
 ORDER BY g;

-- the final function runs again on a growing state
SELECT s, l, round(mktai.auc(s, l) OVER (ORDER BY s)::numeric, 10) AS auc
  FROM (VALUES (0.1, false), (0.35, true), (0.4, false), (0.8, true)) v(s, l)
 ORDER BY s;

-- outside an aggregate a step works on a copy: the argument is unchanged
WITH one AS (SELECT mktai.auc_step_bool(NULL, 0.2, false) AS st)
SELECT mktai.auc_final(mktai.auc_step_bool(st, 0.7, true)) AS above,
       mktai.auc_final(mktai.auc_step_bool(st, 0.1, true)) AS below,
       mktai.auc_final(st) IS NULL AS alone_is_null,
       mktai.auc_final(mktai.auc_combine(st, mktai.auc_step_int(NULL, 0.2, 1)))
           AS tied
  FROM one;

--
-- log_loss
--

-- against the same mean written out in SQL
SELECT round(mktai.log_loss(p, l)::numeric, 10) AS log_loss,
       round(avg(CASE WHEN l THEN -ln(p) ELSE -ln(1 - p) END)::numeric, 10)
           AS expected
  FROM (VALUES (0.9::float8, true), (0.2, false), (0.6, true),
               (0.4, true)) v(p, l);
SELECT round(mktai.log_loss(p, l)::numeric, 10) AS log_loss
  FROM (VALUES (0.9::float8, 1), (0.2, 0), (0.6, 1), (0.4, 1)) v(p, l);
-- NULL rows are skipped
SELECT round(mktai.log_loss(p, l)::numeric, 10) AS log_loss
  FROM (VALUES (0.9::float8, true), (0.2, false), (0.6, true), (0.4, true),
               (NULL, true), (0.5, NULL)) v(p, l);
-- certain and right costs nothing; certain and wrong costs -ln(1e-15)
SELECT round(mktai.log_loss(1, true)::numeric, 10) AS right,
       round(mktai.log_loss(0, true)::numeric, 10) AS wrong,
       round((-ln(1e-15::float8))::numeric, 10) AS expected;
-- no rows, or only NULL rows
SELECT mktai.log_loss(p, l) IS NULL AS is_null
  FROM (VALUES (0.5::float8, true)) v(p, l) WHERE false;
SELECT mktai.log_loss(p, l) IS NULL AS is_null
  FROM (VALUES (NULL::float8, 1)) v(p, l);
-- errors, one per line
SELECT mktai.log_loss(1.5, true);
SELECT mktai.log_loss(-0.1, 1);
SELECT mktai.log_loss('NaN', false);
SELECT mktai.log_loss('Infinity', false);
SELECT mktai.log_loss(0.5, 2);
SELECT mktai.log_loss_final('{1}');
-- outside an aggregate a step works on a copy
SELECT st, (mktai.log_loss_step_bool(st, 0.5, true))[2] AS count, st
  FROM (SELECT '{0,0}'::float8[] AS st) s;

--
-- A large input, checked against the rank formula computed in SQL:
-- AUC = (R - P (P + 1) / 2) / (P N), where R sums the ranks of the P
-- positives, tied scores sharing their average rank.
--

CREATE TABLE metrics_big AS
SELECT i, label, score, score / 1.25 AS prob
  FROM (SELECT i,
               i % 3 = 0 AS label,
               ((i * 7919) % 1000 + CASE WHEN i % 3 = 0 THEN 250 ELSE 0 END)
                   / 1000.0::float8 AS score
          FROM generate_series(1, 200000) i) s;
ANALYZE metrics_big;

SELECT count(*), count(DISTINCT score) AS distinct_scores,
       count(*) FILTER (WHERE label) AS positives
  FROM metrics_big;

WITH ranked AS (
    SELECT label,
           rank() OVER (ORDER BY score)
           + (count(*) OVER (PARTITION BY score) - 1) / 2.0 AS avg_rank
      FROM metrics_big
), totals AS (
    SELECT sum(avg_rank) FILTER (WHERE label) AS r,
           count(*) FILTER (WHERE label) AS p,
           count(*) FILTER (WHERE NOT label) AS n
      FROM ranked
)
SELECT round((r - p * (p + 1) / 2.0) / (p * n), 10) AS expected,
       (SELECT round(mktai.auc(score, label)::numeric, 10) FROM metrics_big)
           AS auc,
       (SELECT round(mktai.auc(score, label::int)::numeric, 10)
          FROM metrics_big) AS auc_int
  FROM totals;

SELECT round(mktai.log_loss(prob, label)::numeric, 10) AS log_loss,
       round(avg(CASE WHEN label THEN -ln(greatest(prob, 1e-15))
                 ELSE -ln(greatest(1 - prob, 1e-15)) END)::numeric, 10)
           AS expected
  FROM metrics_big;

--
-- Catalog: every mktai aggregate has a SQL-typed state, a combine function
-- and parallel-safe support functions.
--

SELECT a.aggfnoid::regprocedure AS aggregate,
       a.aggtranstype::regtype AS state,
       a.aggcombinefn, a.aggfinalmodify, p.proparallel
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'mktai'::regnamespace
   AND p.proname IN ('auc', 'log_loss')
 ORDER BY 1::text;

SELECT count(*) AS aggregates_breaking_the_rules
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'mktai'::regnamespace
   AND (a.aggtranstype = 'internal'::regtype
        OR a.aggcombinefn = 0
        OR p.proparallel <> 's'
        OR EXISTS (SELECT 1
                     FROM pg_proc f
                    WHERE f.oid IN (a.aggtransfn, a.aggcombinefn,
                                    a.aggfinalfn)
                      AND f.proparallel <> 's'));

--
-- Parallel plans: workers build partial states that the leader combines.
--

SELECT mktai.auc(score, label) AS serial_auc,
       mktai.log_loss(prob, label) AS serial_log_loss,
       mktai.auc(score, CASE WHEN i <= 10 THEN label END) AS serial_auc_few
  FROM metrics_big \gset
SELECT string_agg(g || ':' || round(a::numeric, 10), ' ' ORDER BY g)
           AS serial_groups
  FROM (SELECT i % 5 AS g, mktai.auc(score, label) AS a
          FROM metrics_big GROUP BY 1) s \gset

SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;

EXPLAIN (COSTS OFF)
SELECT mktai.auc(score, label), mktai.log_loss(prob, label) FROM metrics_big;
EXPLAIN (COSTS OFF)
SELECT mktai.auc(score, label::int), mktai.log_loss(prob, label::int)
  FROM metrics_big;

-- the same results as the serial plan (the AUC exactly; the loss sums in
-- another order)
SELECT mktai.auc(score, label) = :serial_auc AS auc_equal,
       round(mktai.log_loss(prob, label)::numeric, 10)
           = round(:serial_log_loss::numeric, 10) AS log_loss_equal
  FROM metrics_big;
-- a worker that sees only NULL labels hands over a NULL partial state
SELECT mktai.auc(score, CASE WHEN i <= 10 THEN label END) = :serial_auc_few
           AS auc_few_equal
  FROM metrics_big;
SELECT string_agg(g || ':' || round(a::numeric, 10), ' ' ORDER BY g)
           = :'serial_groups' AS groups_equal
  FROM (SELECT i % 5 AS g, mktai.auc(score, label) AS a
          FROM metrics_big GROUP BY 1) s;

RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

DROP TABLE metrics_big;
