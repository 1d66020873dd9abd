-- Segmentation: autoencoder and k-means, scoring, profiles, bad input.
SET client_min_messages = warning;

-- An autoencoder segmentation with a given k
SELECT model, version, metrics->>'method' AS method, metrics->'k' AS k,
       jsonb_array_length(metrics->'sizes') AS sizes,
       (SELECT sum(s::int) FROM jsonb_array_elements_text(metrics->'sizes') s) AS rows,
       (metrics->>'reconstruction_loss')::float8 > 0 AS has_loss,
       jsonb_array_length(metrics->'curve'->'train_loss') = (metrics->>'epochs_run')::int AS curve_ok
  FROM mktai.train('seg_ae', 'segmentation', 'customers', NULL,
                   '{"exclude": ["customer_id", "churned"], "k": 3, "epochs": 20}');

-- segments are numbered from 1, the largest first
SELECT count(DISTINCT s) AS segments, min(s) AS first, max(s) AS last
  FROM (SELECT mktai.segment('seg_ae', c) AS s FROM customers c) x;
SELECT bool_and(n1 >= n2 AND n2 >= n3) AS largest_first
  FROM (SELECT count(*) FILTER (WHERE s = 1) AS n1, count(*) FILTER (WHERE s = 2) AS n2,
               count(*) FILTER (WHERE s = 3) AS n3
          FROM (SELECT mktai.segment('seg_ae', c) AS s FROM customers c) x) y;
-- the stored sizes are those of the training rows' segments
SELECT (SELECT metrics->'sizes' FROM mktai.models WHERE name = 'seg_ae') =
       (SELECT jsonb_agg(n ORDER BY s) FROM (SELECT mktai.segment('seg_ae', c) AS s, count(*) AS n
                                               FROM customers c GROUP BY 1) x) AS sizes_match;
-- latent codes have the default width; rows and jsonb agree
SELECT array_length(mktai.encode('seg_ae', c), 1) AS latent,
       mktai.encode('seg_ae', c) = mktai.encode('seg_ae', to_jsonb(c)) AS jsonb_same,
       mktai.segment('seg_ae', c) = mktai.segment('seg_ae', to_jsonb(c)) AS segment_same,
       mktai.reconstruction_error('seg_ae', c) > 0 AS error_positive
  FROM customers c WHERE customer_id = 1;
-- an odd customer reconstructs worse than a typical one
SELECT mktai.reconstruction_error('seg_ae', jsonb_set(jsonb_set(to_jsonb(c),
           '{monthly_charges}', '900'), '{support_calls}', '60'))
       > 5 * (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY mktai.reconstruction_error('seg_ae', x))
                FROM customers x) AS outlier_scores_high
  FROM customers c WHERE customer_id = 1;

-- profiles: every segment, every column, in the data's units
SELECT count(DISTINCT segment) AS segments, count(DISTINCT column_name) AS columns,
       bool_and(kind IN ('numeric', 'categorical')) AS kinds,
       abs(sum(DISTINCT share) - 1) < 1e-9 AS shares_sum_to_one
  FROM mktai.segment_profiles('seg_ae');
SELECT bool_and(overall_value BETWEEN 15 AND 200) AS charges_in_units
  FROM mktai.segment_profiles('seg_ae') WHERE column_name = 'monthly_charges';
SELECT bool_and(lift > 1 AND segment_value >= 0.05) AS over_represented
  FROM mktai.segment_profiles('seg_ae') WHERE kind = 'categorical' AND value IS NOT NULL;

-- plain k-means, k chosen by silhouette in [2, 4]
SELECT metrics->>'method' AS method, (metrics->>'k')::int BETWEEN 2 AND 4 AS k_in_range,
       (SELECT count(*) FROM jsonb_object_keys(metrics->'silhouette_by_k')) AS tried
  FROM mktai.train('seg_km', 'segmentation', 'customers', NULL,
                   '{"features": ["tenure_months", "contract", "monthly_charges", "plan"],
                     "method": "kmeans", "k_min": 2, "k_max": 4}');
SELECT array_length(mktai.encode('seg_km', c), 1) =
       (SELECT (metrics->>'features')::int FROM mktai.models WHERE name = 'seg_km') AS encode_is_features,
       mktai.reconstruction_error('seg_km', c) >= 0 AS distance
  FROM customers c WHERE customer_id = 1;
-- same seed, same segments
SELECT version FROM mktai.train('seg_ae', 'segmentation', 'customers', NULL,
                                '{"exclude": ["customer_id", "churned"], "k": 3, "epochs": 20}');
SELECT a.weights = b.weights AS identical
  FROM mktai.models a, mktai.models b
 WHERE a.name = 'seg_ae' AND a.version = 1 AND b.name = 'seg_ae' AND b.version = 2;

-- scoring is parallel safe
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF)
SELECT mktai.segment('seg_ae', c), count(*) FROM customers c GROUP BY 1;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

--
-- Bad input: one error per line
--
SELECT * FROM mktai.train('bad', 'segmentation', 'customers', 'churned');
SELECT * FROM mktai.train('bad', 'segmentation', 'customers', NULL, '{"positive_class": "x"}');
SELECT * FROM mktai.train('bad', 'classification', 'customers', 'churned', '{"k": 3}');
SELECT * FROM mktai.train('bad', 'segmentation', 'customers', NULL, '{"method": "dbscan"}');
SELECT * FROM mktai.train('bad', 'segmentation', 'customers', NULL, '{"k_min": 5, "k_max": 3}');
SELECT * FROM mktai.train('bad', 'segmentation', 'customers', NULL, '{"k": 1}');
CREATE TABLE few_customers AS SELECT plan, contract FROM customers;
SELECT * FROM mktai.train('bad', 'segmentation', 'few_customers', NULL, '{"method": "kmeans", "k": 10}');
CREATE TABLE one_customer AS SELECT tenure_months, plan FROM customers WHERE customer_id = 1;
SELECT * FROM mktai.train('bad', 'segmentation', 'one_customer', NULL, '{"k": 2}');
SELECT * FROM mktai.train('bad', 'segmentation', 'null_feature', NULL);
SELECT * FROM mktai.train('bad', 'segmentation', 'nan_feature', NULL);
SELECT * FROM mktai.train('bad', 'segmentation', 'empty_customers', NULL);
SELECT mktai.segment('seg_ae', t) FROM (SELECT 1 AS tenure_months) t;
SELECT mktai.segment('churn', c) FROM customers c LIMIT 1;
SELECT mktai.predict('seg_ae', c) FROM customers c LIMIT 1;
SELECT mktai.evaluate('seg_ae', 'customers');
SELECT * FROM mktai.segment_profiles('churn');
SELECT * FROM mktai.segment_profiles('nope');
SELECT count(*) AS bad_models FROM mktai.models WHERE name = 'bad';

-- constant columns are fine: they carry no information, and say so
CREATE TABLE constant_column AS SELECT tenure_months, monthly_charges, 'same'::text AS tag,
                                       1 AS one FROM customers;
SELECT metrics->'k' AS k FROM mktai.train('seg_const', 'segmentation', 'constant_column', NULL,
                                          '{"method": "kmeans", "k": 2}');
SELECT count(*) AS profile_rows FROM mktai.segment_profiles('seg_const')
 WHERE column_name = 'tag' AND segment_value = 1;
