-- Shared set-up of the regression suite: the extension and a seeded,
-- generated customer table (test/data/customers.sql).
CREATE EXTENSION mktai;
SELECT extname, extversion, nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'mktai';
SHOW mktai.blas_threads;

\set n 2000
\set seed 0.42
\set ECHO none
\set QUIET on
\i test/data/customers.sql
\set QUIET off
\set ECHO all
SELECT count(*) AS customers, round(avg(churned::int), 2) AS churn_rate
  FROM customers;
