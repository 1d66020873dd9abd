-- Training: tasks, label types, options, determinism, and every bad input.
SET client_min_messages = warning;

--
-- A binary churn model with the documented defaults
--
SELECT model, version,
       (metrics->>'auc')::float8 > 0.75 AS auc_ok,
       metrics->>'evaluated_on' AS evaluated_on,
       metrics->'train_rows' AS train_rows,
       metrics->'valid_rows' AS valid_rows,
       metrics->'classes' AS classes,
       metrics->>'positive_class' AS positive,
       jsonb_array_length(metrics->'curve'->'train_loss') = (metrics->>'epochs_run')::int AS curve_ok
  FROM mktai.train('churn', 'classification', 'customers', 'churned',
                   '{"exclude": ["customer_id"]}');

-- the stored spec has every default filled in, for retrain()
SELECT spec->>'task' AS task, spec->>'relation' AS relation, spec->>'target' AS target,
       spec->'options'->'hidden' AS hidden, spec->'options'->'seed' AS seed,
       spec->'options'->'exclude' AS exclude
  FROM mktai.models WHERE name = 'churn';

-- same data, same seed: bit-identical weights
SELECT version FROM mktai.train('churn', 'classification', 'customers', 'churned',
                                '{"exclude": ["customer_id"]}');
SELECT a.weights = b.weights AS identical
  FROM mktai.models a, mktai.models b
 WHERE a.name = 'churn' AND a.version = 1 AND b.name = 'churn' AND b.version = 2;
-- another seed: other weights
SELECT version FROM mktai.train('churn', 'classification', 'customers', 'churned',
                                '{"exclude": ["customer_id"], "seed": 7}');
SELECT a.weights <> b.weights AS different
  FROM mktai.models a, mktai.models b
 WHERE a.name = 'churn' AND a.version = 1 AND b.name = 'churn' AND b.version = 3;

--
-- Label types, multi-class, regression, options
--
-- integer labels, logistic regression (no hidden layer), no validation rows
CREATE TABLE churn_int AS
    SELECT tenure_months, contract, monthly_charges, churned::int AS churned FROM customers;
SELECT (metrics->>'auc')::float8 > 0.75 AS auc_ok, metrics->'classes' AS classes,
       metrics->>'evaluated_on' AS evaluated_on, metrics->'valid_rows' AS valid_rows
  FROM mktai.train('churn_int', 'classification', 'churn_int', 'churned',
                   '{"hidden": [], "validation_fraction": 0, "epochs": 30}');
-- text labels, three classes: the contract from the other columns
SELECT (metrics->>'accuracy')::float8 > 0.5 AS accuracy_ok, metrics->'classes' AS classes
  FROM mktai.train('contract', 'classification', 'customers', 'contract',
                   '{"exclude": ["customer_id"], "epochs": 20}');
-- regression of the monthly charges, class weights, SGD, tanh, two layers
SELECT (metrics->>'r2')::float8 > 0.5 AS r2_ok, metrics ? 'rmse' AS has_rmse
  FROM mktai.train('charges', 'regression', 'customers', 'monthly_charges',
                   '{"exclude": ["customer_id", "total_charges"], "hidden": [16, 8],
                     "activation": "tanh", "optimizer": "sgd", "learning_rate": 0.01,
                     "epochs": 20}');
SELECT (metrics->>'auc')::float8 > 0.75 AS auc_ok
  FROM mktai.train('churn_balanced', 'classification', 'customers', 'churned',
                   '{"features": ["tenure_months", "contract", "support_calls"],
                     "class_weight": "balanced", "positive_class": "true",
                     "epochs": 20, "deploy": false}');
SELECT name, version, deployed FROM mktai.models WHERE name = 'churn_balanced';
-- a text column unique in every row is flagged as an identifier
CREATE TABLE churn_with_code AS
    SELECT 'C-' || customer_id AS code, tenure_months, contract, churned FROM customers;
SET client_min_messages = warning;
SELECT model FROM mktai.train('churn_code', 'classification', 'churn_with_code', 'churned',
                              '{"epochs": 2}');

-- rows with a NULL target are skipped and counted
CREATE TABLE churn_some_null AS
    SELECT tenure_months, contract,
           CASE WHEN customer_id % 10 = 0 THEN NULL ELSE churned END AS churned
      FROM customers;
SELECT metrics->'skipped_rows' AS skipped, metrics->'train_rows' AS train_rows
  FROM mktai.train('churn_null', 'classification', 'churn_some_null', 'churned',
                   '{"epochs": 5}');

--
-- Bad input: one error per line
--
SET client_min_messages = error;
\set VERBOSITY default
SELECT * FROM mktai.train('bad', 'clustering', 'customers', 'churned');
SELECT * FROM mktai.train('bad', NULL, 'customers', 'churned');
SELECT * FROM mktai.train('', 'classification', 'customers', 'churned');
SELECT * FROM mktai.train(repeat('x', 64), 'classification', 'customers', 'churned');
SELECT * FROM mktai.train('bad', 'classification', 'no_such_table', 'churned');
SELECT * FROM mktai.train('bad', 'classification', 'customers_pkey', 'churned');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'no_such_column');
SELECT * FROM mktai.train('bad', 'classification', 'customers', NULL);
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"epoch": 3}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"epochs": "3"}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"epochs": 2.5}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"epochs": 0}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"learning_rate": -1}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"hidden": [0]}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"hidden": [1,1,1,1,1,1,1,1]}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"hidden": "32"}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"optimizer": "lbfgs"}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"deploy": "yes"}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '[1, 2]');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"features": ["nope"]}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"exclude": ["nope"]}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"features": ["churned"]}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"features": ["plan"], "exclude": ["plan"]}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"positive_class": "maybe"}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'contract', '{"positive_class": "monthly"}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'monthly_charges');
SELECT * FROM mktai.train('bad', 'regression', 'customers', 'plan');
-- an empty relation; a relation whose targets are all NULL
CREATE TABLE empty_customers AS SELECT * FROM customers WHERE false;
SELECT * FROM mktai.train('bad', 'classification', 'empty_customers', 'churned');
CREATE TABLE all_null_target AS SELECT tenure_months, NULL::boolean AS churned FROM customers;
SELECT * FROM mktai.train('bad', 'classification', 'all_null_target', 'churned');
-- a single class
CREATE TABLE one_class AS SELECT tenure_months, true AS churned FROM customers;
SELECT * FROM mktai.train('bad', 'classification', 'one_class', 'churned');
-- a feature that is NULL in every row
CREATE TABLE null_feature AS SELECT tenure_months, NULL::float8 AS score, churned FROM customers;
SELECT * FROM mktai.train('bad', 'classification', 'null_feature', 'churned');
-- NaN and infinity
CREATE TABLE nan_feature AS
    SELECT CASE WHEN customer_id = 7 THEN 'NaN'::float8 ELSE data_usage_gb END AS usage, churned
      FROM customers;
SELECT * FROM mktai.train('bad', 'classification', 'nan_feature', 'churned');
UPDATE nan_feature SET usage = 'Infinity' WHERE usage = 'NaN';
SELECT * FROM mktai.train('bad', 'classification', 'nan_feature', 'churned');
-- a column type no feature kind takes
CREATE TABLE dated AS SELECT now()::date AS signup, churned FROM customers;
SELECT * FROM mktai.train('bad', 'classification', 'dated', 'churned');
-- a relation the caller cannot read
CREATE ROLE mktai_regress_reader;
GRANT USAGE ON SCHEMA public TO mktai_regress_reader;
SET ROLE mktai_regress_reader;
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned');
RESET ROLE;
DROP OWNED BY mktai_regress_reader;
DROP ROLE mktai_regress_reader;
-- none of the failures left a model behind
SELECT count(*) AS bad_models FROM mktai.models WHERE name = 'bad';

--
-- Cancellation: statement_timeout ends a long training, leaving nothing
--
CREATE TABLE big_customers AS
    SELECT c.* FROM customers c, generate_series(1, 50);
SET statement_timeout = '300ms';
SELECT * FROM mktai.train('slow', 'classification', 'big_customers', 'churned',
                          '{"exclude": ["customer_id"], "epochs": 1000, "patience": 0}');
RESET statement_timeout;
SELECT count(*) AS slow_models FROM mktai.models WHERE name = 'slow';
