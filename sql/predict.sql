-- Scoring: rows of any type, jsonb, every scoring function, and bad input.
SET client_min_messages = warning;
SELECT version FROM mktai.train('score_churn', 'classification', 'customers', 'churned',
                                '{"exclude": ["customer_id"], "epochs": 30}');

-- a whole row, a row of another type with extra columns, and jsonb agree
CREATE TABLE scored AS
SELECT c.customer_id,
       mktai.churn_score('score_churn', c) AS score,
       mktai.predict('score_churn', c) AS predicted,
       mktai.predict_proba('score_churn', c) AS proba,
       mktai.predict_label('score_churn', c) AS label,
       mktai.predict('score_churn', to_jsonb(c)) AS from_jsonb,
       mktai.predict('score_churn', (SELECT x FROM (SELECT c.*, 1 AS extra) x)) AS from_wider
  FROM customers c;
SELECT count(*) AS rows,
       bool_and(score BETWEEN 0 AND 1) AS in_range,
       bool_and(score = predicted) AS predict_is_churn_score,
       bool_and(abs(proba[1] + proba[2] - 1) < 1e-6) AS proba_sums_to_one,
       bool_and(proba[2] = score) AS proba_order,
       bool_and(label = CASE WHEN score >= 0.5 THEN 'true' ELSE 'false' END) AS label_ok,
       bool_and(from_jsonb = score) AS jsonb_same,
       bool_and(from_wider = score) AS wider_same
  FROM scored;
-- the scores rank the customers well
SELECT mktai.auc(s.score, c.churned) > 0.8 AS auc_ok
  FROM scored s JOIN customers c USING (customer_id);
-- evaluate() agrees with the aggregates
SELECT abs((mktai.evaluate('score_churn', 'customers')->>'auc')::float8 -
           (SELECT mktai.auc(score, c.churned) FROM scored s JOIN customers c USING (customer_id))) < 1e-6
       AS evaluate_matches;
SELECT mktai.evaluate('score_churn', 'customers') ?& ARRAY['auc', 'log_loss', 'accuracy', 'rows'] AS keys;

-- NULL features are imputed; a NULL row or model name gives NULL
SELECT mktai.predict('score_churn', jsonb_build_object(
           'tenure_months', NULL, 'plan', NULL, 'contract', 'monthly',
           'monthly_charges', 80, 'total_charges', NULL, 'support_calls', 5,
           'data_usage_gb', NULL, 'paperless_billing', true,
           'payment_method', 'electronic check', 'region', NULL)) BETWEEN 0 AND 1 AS imputed;
SELECT mktai.predict('score_churn', NULL::jsonb) IS NULL AS null_row,
       mktai.predict(NULL, '{}'::jsonb) IS NULL AS null_model;
-- unseen categories take their own slot
SELECT mktai.predict('score_churn', jsonb_set(to_jsonb(c), '{plan}', '"platinum"')) BETWEEN 0 AND 1 AS unseen_ok
  FROM customers c WHERE customer_id = 1;

-- multi-class and regression models
SELECT version FROM mktai.train('score_contract', 'classification', 'customers', 'contract',
                                '{"exclude": ["customer_id"], "epochs": 10}');
SELECT mktai.predict_label('score_contract', c) IN ('monthly', 'annual', 'two_year') AS label_ok,
       array_length(mktai.predict_proba('score_contract', c), 1) AS classes
  FROM customers c WHERE customer_id = 1;
SELECT version FROM mktai.train('score_charges', 'regression', 'customers', 'monthly_charges',
                                '{"exclude": ["customer_id"], "epochs": 10}');
SELECT mktai.predict('score_charges', c) BETWEEN 0 AND 500 AS value_ok
  FROM customers c WHERE customer_id = 1;
SELECT (mktai.evaluate('score_charges', 'customers') ->> 'r2')::float8 > 0.5 AS r2_ok;

-- scoring is parallel safe
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF)
SELECT sum(mktai.churn_score('score_churn', c)) FROM customers c;
SELECT abs(sum(mktai.churn_score('score_churn', c)) - (SELECT sum(score) FROM scored)) < 1e-6 AS parallel_same
  FROM customers c;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

--
-- Bad input: one error per line
--
SELECT mktai.predict('no_such_model', c) FROM customers c LIMIT 1;
SELECT mktai.predict('score_churn', t) FROM (SELECT 1 AS tenure_months) t;
SELECT mktai.predict('score_churn', '{"tenure_months": 3}'::jsonb);
SELECT mktai.predict('score_churn', to_jsonb(c) - 'plan') FROM customers c LIMIT 1;
SELECT mktai.predict('score_churn', '[1, 2]'::jsonb);
SELECT mktai.predict('score_churn', jsonb_set(to_jsonb(c), '{tenure_months}', '"long"')) FROM customers c LIMIT 1;
SELECT mktai.predict('score_churn', jsonb_set(to_jsonb(c), '{plan}', '{"a": 1}')) FROM customers c LIMIT 1;
SELECT mktai.predict('score_churn', t)
  FROM (SELECT c.customer_id, c.plan, c.contract, c.monthly_charges, c.total_charges,
               c.support_calls, c.data_usage_gb, c.paperless_billing, c.payment_method,
               c.region, c.tenure_months::text AS tenure_months, c.churned
          FROM customers c LIMIT 1) t;
SELECT mktai.predict('score_churn', t)
  FROM (SELECT c.customer_id, c.plan, c.contract, c.monthly_charges, c.total_charges,
               c.support_calls, 'NaN'::float8 AS data_usage_gb, c.paperless_billing,
               c.payment_method, c.region, c.tenure_months, c.churned
          FROM customers c LIMIT 1) t;
SELECT mktai.predict('score_contract', c) FROM customers c LIMIT 1;
SELECT mktai.churn_score('score_contract', c) FROM customers c LIMIT 1;
SELECT mktai.churn_score('score_charges', c) FROM customers c LIMIT 1;
SELECT mktai.predict_proba('score_charges', c) FROM customers c LIMIT 1;
SELECT mktai.predict_label('score_charges', c) FROM customers c LIMIT 1;
-- integer labels are evaluated as training read them
CREATE VIEW customer_calls AS
SELECT tenure_months, plan, contract, least(support_calls, 2) AS calls FROM customers;
SELECT version FROM mktai.train('score_calls', 'classification', 'customer_calls', 'calls',
                                '{"epochs": 2}');
SELECT e->'rows' AS rows, e ? 'accuracy' AS has_accuracy
  FROM mktai.evaluate('score_calls', 'customer_calls') AS e;
SELECT mktai.evaluate('no_such_model', 'customers');
SELECT mktai.evaluate('score_churn', 'empty_customers');
CREATE VIEW strange_contracts AS
    SELECT customer_id, tenure_months, plan, 'lifetime'::text AS contract, monthly_charges,
           total_charges, support_calls, data_usage_gb, paperless_billing, payment_method,
           region, churned
      FROM customers;
SELECT mktai.evaluate('score_contract', 'strange_contracts');
