-- k-means in SQL: mktai.kmeans_step (one Lloyd iteration as a parallel
-- aggregate) and mktai.kmeans_assign.  Centres are shown rounded to 4
-- places so that the output is stable.

CREATE FUNCTION kmeans_round(c float8[], places integer) RETURNS numeric[]
    LANGUAGE sql IMMUTABLE STRICT
    AS $$
    SELECT array_agg(ARRAY(SELECT round(c[i][j]::numeric, places)
                             FROM generate_subscripts(c, 2) j ORDER BY j)
                     ORDER BY i)
      FROM generate_subscripts(c, 1) i
    $$;

-- three blobs of 25 points each, a 5 x 5 grid of step 0.1 around (0, 0),
-- (10, 0) and (5, 8), so that each blob's mean is its centre
CREATE TABLE kmeans_points AS
SELECT c.b * 25 + g + 1 AS id,
       ARRAY[c.x + (g % 5 - 2) / 10.0, c.y + (g / 5 - 2) / 10.0]::float8[] AS p
  FROM (VALUES (0, 0, 0), (1, 10, 0), (2, 5, 8)) c(b, x, y),
       generate_series(0, 24) g;

SELECT count(*), min(p[1]) AS min_x, max(p[1]) AS max_x,
       min(p[2]) AS min_y, max(p[2]) AS max_y
  FROM kmeans_points;

--
-- Lloyd's algorithm: repeat the step until the centres stop moving.  From
-- this start the third centre gets no point for three iterations and stays
-- where it is; the blobs are found at iteration 5, and iteration 6 changes
-- nothing.
--

WITH RECURSIVE lloyd(iter, centroids, moved) AS (
    SELECT 0, '{{5,0},{7,4},{0,8}}'::float8[], true
  UNION ALL
    SELECT iter + 1, s.next, s.next IS DISTINCT FROM lloyd.centroids
      FROM lloyd,
           LATERAL (SELECT mktai.kmeans_step(p, lloyd.centroids) AS next
                      FROM kmeans_points) s
     WHERE moved AND iter < 20
)
SELECT iter, kmeans_round(centroids, 4) AS centroids, moved
  FROM lloyd
 ORDER BY iter;

-- one step from a start with an empty centre: it keeps its place
SELECT kmeans_round(mktai.kmeans_step(p, '{{1,1},{2,2},{3,3}}'), 4)
           AS centroids
  FROM kmeans_points;

-- one step from the answer is the answer
SELECT kmeans_round(mktai.kmeans_step(p, '{{0,0},{10,0},{5,8}}'), 4)
           = '{{0,0},{10,0},{5,8}}' AS fixed_point
  FROM kmeans_points;

--
-- kmeans_assign: the nearest centre, numbered from 1, the first on ties
--

SELECT mktai.kmeans_assign(p, '{{0,0},{10,0},{5,8}}') AS cluster,
       count(*), min(id), max(id)
  FROM kmeans_points
 GROUP BY 1
 ORDER BY 1;

SELECT mktai.kmeans_assign('{9,1}', '{{0,0},{10,0},{5,8}}') AS near_second,
       mktai.kmeans_assign('{5,5}', '{{0,0},{10,0},{5,8}}') AS near_third,
       mktai.kmeans_assign('{5,0}', '{{0,0},{10,0},{5,8}}') AS tie_first,
       mktai.kmeans_assign('{5,0}', '{{10,0},{0,0}}') AS tie_first_again,
       mktai.kmeans_assign('{-3}', '{{1},{-2},{-4}}') AS one_dimension,
       mktai.kmeans_assign('{7,7}', '{{1,2}}') AS one_centre,
       mktai.kmeans_assign(NULL, '{{1,2}}') IS NULL AS strict;

--
-- NULLs: rows with a NULL point are skipped; no points gives NULL
--

SELECT mktai.kmeans_step(p, '{{0,0},{10,10}}') AS centroids
  FROM (VALUES ('{1,1}'::float8[]), (NULL), ('{9,9}'), ('{11,11}'),
               ('{-1,-3}')) v(p);
SELECT mktai.kmeans_step(p, '{{0,0}}') IS NULL AS no_rows
  FROM kmeans_points WHERE false;
SELECT mktai.kmeans_step(p, '{{0,0}}') IS NULL AS only_null_points
  FROM (VALUES (NULL::float8[]), (NULL)) v(p);
-- a NULL point needs no centroids
SELECT mktai.kmeans_step(NULL, NULL) IS NULL AS null_point_skipped;

--
-- errors, one per line
--

SELECT mktai.kmeans_step('{1,2,3}', '{{0,0},{1,1}}');
SELECT mktai.kmeans_step('{1,2}', '{0,0}');
SELECT mktai.kmeans_step('{1,2}', '{{{0,0}}}');
SELECT mktai.kmeans_step('{1,2}', '{}');
SELECT mktai.kmeans_step('{1,2}', '{{0,NaN}}');
SELECT mktai.kmeans_step('{1,2}', '{{0,0},{1,Infinity}}');
SELECT mktai.kmeans_step('{1,2}', '{{0,0},{1,NULL}}');
SELECT mktai.kmeans_step('{1,2}', NULL);
SELECT mktai.kmeans_step('{1,NaN}', '{{0,0}}');
SELECT mktai.kmeans_step('{-Infinity,2}', '{{0,0}}');
SELECT mktai.kmeans_step('{1,NULL}', '{{0,0}}');
SELECT mktai.kmeans_step('{{1,2}}', '{{0,0}}');
SELECT mktai.kmeans_step(p, c) FROM (VALUES ('{1,2}'::float8[], '{{0,0}}'::float8[]), ('{3,4}', '{{0,0},{1,1}}')) v(p, c);
SELECT mktai.kmeans_step(p, c) FROM (VALUES ('{1,2}'::float8[], '{{0,0}}'::float8[]), ('{3,4}', '{0,0}')) v(p, c);
SELECT mktai.kmeans_assign('{1,2,3}', '{{0,0}}');
SELECT mktai.kmeans_assign('{1,2}', '{1,2}');
SELECT mktai.kmeans_assign('{Infinity,2}', '{{0,0}}');
SELECT mktai.kmeans_assign('{1,2}', '{{0,NaN}}');
SELECT mktai.kmeans_step_final('{1,1,1}');
SELECT mktai.kmeans_step_final('{1,1,1,0,5,2}');
SELECT mktai.kmeans_step_final('{0,1,0}');
SELECT mktai.kmeans_step_combine('{1,1,0,0,0,0}', '{2,1,0,0,0,0,0,0,0}');
SELECT mktai.kmeans_step(p, '{{0}}') FROM (VALUES ('{1e308}'::float8[]), ('{1e308}')) v(p);

-- the SQLSTATEs: 22023 for arguments of the wrong shape, 22000 for bad data
\set VERBOSITY sqlstate
SELECT mktai.kmeans_step('{1,2,3}', '{{0,0},{1,1}}');
SELECT mktai.kmeans_step('{1,2}', '{0,0}');
SELECT mktai.kmeans_step('{1,2}', '{{0,NaN}}');
SELECT mktai.kmeans_step('{1,NaN}', '{{0,0}}');
SELECT mktai.kmeans_step('{1,NULL}', '{{0,0}}');
\set VERBOSITY default

--
-- groups, windows and direct calls
--

SELECT id % 2 AS half,
       kmeans_round(mktai.kmeans_step(p, '{{0,0},{10,0},{5,8}}'), 4)
           AS centroids
  FROM kmeans_points
 GROUP BY 1
 ORDER BY 1;

-- the final function runs again on a growing state
SELECT x, mktai.kmeans_step(ARRAY[x], '{{0},{10}}') OVER (ORDER BY x)
           AS centroids
  FROM (VALUES (0::float8), (2), (12), (10)) v(x)
 ORDER BY x;

-- the state: {k, d, n, old centres, sums, counts}; outside an aggregate a
-- step works on a copy, so st is unchanged
WITH one AS (SELECT mktai.kmeans_step_accum(NULL, '{1,2}', '{{0,0},{4,4}}')
                        AS st)
SELECT st,
       mktai.kmeans_step_accum(st, '{5,3}', '{{0,0},{4,4}}') AS two,
       mktai.kmeans_step_final(st) AS final,
       mktai.kmeans_step_final(mktai.kmeans_step_combine(st, st)) AS doubled,
       mktai.kmeans_step_combine(NULL, st) = st AS null_first,
       mktai.kmeans_step_combine(st, NULL) = st AS null_second,
       st
  FROM one;

--
-- Catalog: a float8[] state, a combine function, all parallel safe
--

SELECT a.aggfnoid::regprocedure AS aggregate,
       a.aggtranstype::regtype AS state,
       a.aggtransfn, a.aggcombinefn, a.aggfinalfn, a.aggfinalmodify,
       a.aggserialfn, p.proparallel
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE a.aggfnoid = 'mktai.kmeans_step'::regproc;

SELECT p.oid::regprocedure AS function, p.provolatile, p.proparallel,
       p.proisstrict, obj_description(p.oid, 'pg_proc') IS NOT NULL
           AS commented
  FROM pg_proc p
 WHERE p.pronamespace = 'mktai'::regnamespace
   AND p.proname LIKE 'kmeans%'
 ORDER BY 1::text;

--
-- Centroids stored in a table, compressed or in the TOAST table, are
-- detoasted and checked once per query, and give what the same values
-- written out give
--

CREATE TABLE kmeans_wide AS
SELECT i, ARRAY(SELECT ((i * 7 + j * 3) % 11)::float8
                  FROM generate_series(1, 100) j) AS p
  FROM generate_series(1, 2000) i;
CREATE TABLE kmeans_compressed AS
SELECT array_agg(p ORDER BY i) AS c FROM kmeans_wide WHERE i <= 20;
CREATE TABLE kmeans_external (c float8[]);
ALTER TABLE kmeans_external ALTER c SET STORAGE EXTERNAL;
INSERT INTO kmeans_external
SELECT array_agg(p ORDER BY i) FROM kmeans_wide WHERE i <= 20;

SELECT (SELECT pg_column_size(c) < 16000 FROM kmeans_compressed)
           AS compressed,
       (SELECT pg_column_size(c) >= 16000 FROM kmeans_external)
           AS not_compressed;

SELECT c AS wide FROM kmeans_compressed \gset
SELECT mktai.kmeans_step(p, :'wide') AS wide_step FROM kmeans_wide \gset
SELECT array_dims(:'wide_step'::float8[]) AS dims,
       (SELECT mktai.kmeans_step(p, (SELECT c FROM kmeans_compressed))
          FROM kmeans_wide) = :'wide_step' AS compressed_same,
       (SELECT mktai.kmeans_step(p, (SELECT c FROM kmeans_external))
          FROM kmeans_wide) = :'wide_step' AS external_same,
       (SELECT count(*)
          FROM kmeans_wide
         WHERE mktai.kmeans_assign(p, (SELECT c FROM kmeans_external))
               IS DISTINCT FROM mktai.kmeans_assign(p, :'wide'))
           AS assign_differ,
       (SELECT count(DISTINCT mktai.kmeans_assign(p, :'wide'))
          FROM kmeans_wide) AS clusters_used;

DROP TABLE kmeans_external;
DROP TABLE kmeans_compressed;
DROP TABLE kmeans_wide;

--
-- Parallel plans: workers build partial states that the leader combines.
-- 120000 points in the same three blobs, jittered by up to 0.5.
--

CREATE TABLE kmeans_big AS
SELECT i,
       ARRAY[(ARRAY[0, 10, 5])[i % 3 + 1] + ((i * 7) % 101 - 50) / 100.0,
             (ARRAY[0, 0, 8])[i % 3 + 1] + ((i * 13) % 97 - 48) / 100.0
            ]::float8[] AS p
  FROM generate_series(1, 120000) i;
ANALYZE kmeans_big;

SELECT mktai.kmeans_step(p, '{{1,1},{9,1},{4,6}}') AS serial
  FROM kmeans_big \gset

SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;

EXPLAIN (COSTS OFF)
SELECT mktai.kmeans_step(p, '{{1,1},{9,1},{4,6}}') FROM kmeans_big;

SELECT mktai.kmeans_step(p, '{{1,1},{9,1},{4,6}}') AS parallel
  FROM kmeans_big \gset

-- the exact means are (0.0000025, -0.0000495), (9.9999885, 0.00003175) and
-- (4.9999955, 8.00000325); the sums' order differs, the result barely
SELECT kmeans_round(:'parallel', 4) AS centroids,
       (SELECT max(abs(a - b)) < 1e-9
          FROM unnest(:'parallel'::float8[], :'serial'::float8[]) u(a, b))
           AS parallel_equals_serial;

RESET parallel_leader_participation;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
RESET max_parallel_workers_per_gather;

DROP TABLE kmeans_big;
DROP TABLE kmeans_points;
DROP FUNCTION kmeans_round(float8[], integer);
