-- Sequence models: LSTM and GRU over ordered histories, scored with the
-- ordered aggregate mktai.predict_sequence(), and bad input.
SET client_min_messages = warning;

-- Six months of usage per customer of the generated base: churners' usage
-- and activity fade towards the end, others' wander.
SELECT setseed(0.17) AS seeded \gset
CREATE TABLE usage_events AS
SELECT c.customer_id, m AS month,
       greatest(0, round((c.data_usage_gb / 6 *
             (1 + 0.25 * (random() - 0.5) - CASE WHEN c.churned THEN 0.12 * m ELSE 0 END))::numeric, 2))
           AS usage_gb,
       (random() < CASE WHEN c.churned THEN 0.9 - 0.12 * m ELSE 0.7 END) AS active,
       c.churned,
       c.monthly_charges * (1 + 0.1 * m) AS spend
  FROM customers c, generate_series(1, 6) AS m
 ORDER BY c.customer_id, m;

SELECT model, metrics->>'evaluated_on' AS evaluated_on,
       (metrics->>'auc')::float8 > 0.7 AS auc_ok,
       metrics->'train_sequences' AS train_sequences, metrics->'valid_sequences' AS valid_sequences,
       metrics->'steps' AS steps, metrics->'classes' AS classes
  FROM mktai.train('retention_lstm', 'sequence_classification', 'usage_events', 'churned',
                   '{"entity": "customer_id", "order": "month", "exclude": ["spend"], "epochs": 30}');
SELECT model, (metrics->>'auc')::float8 > 0.7 AS auc_ok
  FROM mktai.train('retention_gru', 'sequence_classification', 'usage_events', 'churned',
                   '{"entity": "customer_id", "order": "month", "exclude": ["spend"],
                     "cell": "gru", "layers": 2, "hidden_size": 16, "epochs": 30}');
SELECT spec->'options'->>'cell' AS cell, spec->'options'->'max_length' AS max_length,
       spec->'options'->'entity' AS entity
  FROM mktai.models WHERE name = 'retention_gru';

-- scoring: one probability per history, the rows fed in order
CREATE TABLE retention AS
SELECT customer_id,
       mktai.predict_sequence('retention_lstm', e ORDER BY e.month) AS lstm,
       mktai.predict_sequence('retention_gru', e ORDER BY e.month) AS gru
  FROM usage_events e GROUP BY customer_id;
SELECT count(*) AS customers, bool_and(lstm BETWEEN 0 AND 1 AND gru BETWEEN 0 AND 1) AS in_range
  FROM retention;
SELECT mktai.auc(r.lstm, c.churned) > 0.7 AS lstm_ranks, mktai.auc(r.gru, c.churned) > 0.7 AS gru_ranks
  FROM retention r JOIN customers c USING (customer_id);
-- the order of the rows matters, not the order they are stored in
SELECT bool_and(abs(a.p - r.lstm) < 1e-6) AS order_by_decides
  FROM (SELECT customer_id, mktai.predict_sequence('retention_lstm', x ORDER BY x.month) AS p
          FROM (SELECT * FROM usage_events ORDER BY month DESC) x GROUP BY customer_id) a
  JOIN retention r USING (customer_id);
SELECT count(*) AS reversed_differs
  FROM (SELECT customer_id, mktai.predict_sequence('retention_lstm', e ORDER BY e.month DESC) AS p
          FROM usage_events e GROUP BY customer_id) a
  JOIN retention r USING (customer_id) WHERE abs(a.p - r.lstm) > 1e-6 HAVING count(*) > 100;
-- a history with no rows has no score; NULL rows are skipped
SELECT mktai.predict_sequence('retention_lstm', e ORDER BY e.month) IS NULL AS empty_is_null
  FROM usage_events e WHERE false;
-- (a LEFT JOIN without a match gives a NULL row: month 3 here)
SELECT abs(mktai.predict_sequence('retention_lstm', e2 ORDER BY e.month) -
           (SELECT mktai.predict_sequence('retention_lstm', x ORDER BY x.month)
              FROM usage_events x WHERE customer_id = 1 AND month <> 3)) < 1e-6 AS nulls_skipped
  FROM usage_events e
  LEFT JOIN usage_events e2
         ON e2.customer_id = e.customer_id AND e2.month = e.month AND e.month <> 3
 WHERE e.customer_id = 1;

-- same data, same seed: same weights
SELECT version FROM mktai.train('retention_lstm', 'sequence_classification', 'usage_events',
                                'churned', '{"entity": "customer_id", "order": "month",
                                             "exclude": ["spend"], "epochs": 30}');
SELECT a.weights = b.weights AS identical
  FROM mktai.models a, mktai.models b
 WHERE a.name = 'retention_lstm' AND a.version = 1 AND b.name = 'retention_lstm' AND b.version = 2;

-- the label from a relation keyed by entity; histories without one are left out
CREATE TABLE usage_only AS SELECT customer_id, month, usage_gb, active FROM usage_events;
CREATE TABLE churn_labels AS
    SELECT customer_id, churned FROM customers WHERE customer_id % 10 <> 0;
SELECT (metrics->>'auc')::float8 > 0.7 AS auc_ok,
       (metrics->>'train_sequences')::int + (metrics->>'valid_sequences')::int AS labelled
  FROM mktai.train('retention_labels', 'sequence_classification', 'usage_only', 'churned',
                   '{"entity": "customer_id", "order": "month", "labels": "churn_labels",
                     "epochs": 10}');
SELECT spec->'options'->>'labels' AS labels FROM mktai.models WHERE name = 'retention_labels';

-- sequence regression: the monthly charges from the spend history
CREATE TABLE usage_charges AS
SELECT e.customer_id, e.month, e.spend, c.monthly_charges
  FROM usage_events e JOIN customers c USING (customer_id);
SELECT (metrics->>'r2')::float8 > 0.5 AS r2_ok
  FROM mktai.train('charges_seq', 'sequence_regression', 'usage_charges', 'monthly_charges',
                   '{"entity": "customer_id", "order": "month", "epochs": 30}');
SELECT abs(mktai.predict_sequence('charges_seq', e ORDER BY e.month) - 55) < 100 AS value_ok
  FROM usage_charges e WHERE customer_id = 1 GROUP BY customer_id;

--
-- Bad input: one error per line
--
SELECT * FROM mktai.train('bad', 'sequence_classification', 'usage_events', 'churned');
SELECT * FROM mktai.train('bad', 'sequence_classification', 'usage_events', 'churned',
                          '{"entity": "nope", "order": "month"}');
SELECT * FROM mktai.train('bad', 'sequence_classification', 'usage_events', 'churned',
                          '{"entity": "customer_id", "order": "month", "cell": "rnn"}');
SELECT * FROM mktai.train('bad', 'sequence_classification', 'usage_events', 'churned',
                          '{"entity": "customer_id", "order": "month", "k": 3}');
SELECT * FROM mktai.train('bad', 'sequence_classification', 'usage_events', 'churned',
                          '{"entity": "customer_id", "order": "month", "features": ["month"]}');
CREATE TABLE twice AS SELECT * FROM usage_events UNION ALL SELECT * FROM usage_events WHERE customer_id = 5;
SELECT * FROM mktai.train('bad', 'sequence_classification', 'twice', 'churned',
                          '{"entity": "customer_id", "order": "month"}');
CREATE TABLE label_moves AS SELECT customer_id, month, usage_gb, (month > 3) AS churned FROM usage_events;
SELECT * FROM mktai.train('bad', 'sequence_classification', 'label_moves', 'churned',
                          '{"entity": "customer_id", "order": "month"}');
CREATE TABLE null_month AS SELECT customer_id, NULLIF(month, 2) AS month, usage_gb, churned FROM usage_events;
SELECT * FROM mktai.train('bad', 'sequence_classification', 'null_month', 'churned',
                          '{"entity": "customer_id", "order": "month"}');
SELECT * FROM mktai.train('bad', 'sequence_classification', 'usage_only', 'churned',
                          '{"entity": "customer_id", "order": "month", "labels": "no_such_labels"}');
SELECT * FROM mktai.train('bad', 'sequence_classification', 'usage_only', 'churned',
                          '{"entity": "customer_id", "order": "month", "labels": "customers_pkey"}');
SELECT * FROM mktai.train('bad', 'sequence_classification', 'usage_only', 'plan',
                          '{"entity": "customer_id", "order": "month", "labels": "churn_labels"}');
SELECT mktai.predict('retention_lstm', e) FROM usage_events e LIMIT 1;
SELECT mktai.predict_sequence('churn', c ORDER BY c.customer_id) FROM customers c;
SELECT mktai.predict_sequence('retention_lstm', c ORDER BY c.customer_id) FROM customers c;
SELECT mktai.evaluate('retention_lstm', 'usage_events');
SELECT count(*) AS bad_models FROM mktai.models WHERE name = 'bad';
