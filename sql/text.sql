-- Text classification: training on a column of documents, the scoring
-- functions, and bad input.
SET client_min_messages = warning;

-- 2000 short reviews in English and Chinese whose label follows their
-- words: two praising or complaining words among neutral ones, and one
-- review in ten labelled against its words.
CREATE TABLE reviews AS
SELECT i AS review_id,
       concat_ws(' ',
                 (ARRAY['the room', 'delivery', '房间', '外卖', 'the phone', '服务'])[1 + i % 6],
                 CASE WHEN (i / 7) % 2 = 0
                      THEN (ARRAY['great', 'excellent', '很好', '满意', 'love it'])[1 + i % 5]
                      ELSE (ARRAY['terrible', 'awful', '很差', '失望', 'hate it'])[1 + i % 5] END,
                 (ARRAY['today', 'again', '还是', 'and the staff', '价格'])[1 + (i / 3) % 5],
                 CASE WHEN (i / 7) % 2 = 0
                      THEN (ARRAY['recommended', '推荐', 'will return', '不错'])[1 + (i / 5) % 4]
                      ELSE (ARRAY['never again', '不推荐', 'refund', '太慢'])[1 + (i / 5) % 4] END)
           AS review,
       ((i / 7) % 2 = 0) <> (i % 10 = 3) AS positive,
       (ARRAY['hotel', 'takeaway', 'hotel', 'takeaway', 'phone', 'service'])[1 + i % 6] AS topic
  FROM generate_series(1, 2000) AS i;

SELECT model, metrics->>'evaluated_on' AS evaluated_on,
       (metrics->>'accuracy')::float8 > 0.85 AS accuracy_ok,
       (metrics->>'auc')::float8 > 0.85 AS auc_ok,
       metrics->'classes' AS classes, metrics->'positive_class' AS positive_class,
       metrics->'train_rows' AS train_rows, metrics->'valid_rows' AS valid_rows
  FROM mktai.train('review_sentiment', 'text_classification', 'reviews', 'positive',
                   '{"text": "review"}');
SELECT spec->'options'->'epochs' AS epochs, spec->'options'->'dim' AS dim,
       spec->'options'->'word_ngrams' AS word_ngrams, spec->'options'->'cjk_ngrams' AS cjk_ngrams,
       spec->'options'->'buckets' AS buckets, spec->'options'->'char_min' AS char_min,
       spec->'options'->'char_max' AS char_max
  FROM mktai.models WHERE name = 'review_sentiment';

SELECT doc, mktai.classify('review_sentiment', doc) AS label,
       mktai.sentiment('review_sentiment', doc) > 0 AS positive_score,
       mktai.sentiment('review_sentiment', doc) BETWEEN -1 AND 1 AS in_range
  FROM (VALUES ('The room was great, recommended!'), ('外卖很差，太慢了'),
               ('delivery: awful. Never again.'), ('服务很好，推荐')) AS d(doc);
SELECT jsonb_object_keys(mktai.classify_proba('review_sentiment', 'great room')) AS label;
SELECT abs((SELECT sum(value::float8) FROM jsonb_each_text(
               mktai.classify_proba('review_sentiment', '很好 很好 推荐'))) - 1) < 1e-5 AS sums_to_one;
-- NULL in, NULL out; empty and blank texts have no features and get the
-- classes' prior; unseen words hit untrained rows, near zero, so stay close
SELECT mktai.classify('review_sentiment', NULL) IS NULL AS null_label,
       mktai.sentiment('review_sentiment', NULL) IS NULL AS null_score;
SELECT mktai.sentiment('review_sentiment', '') = mktai.sentiment('review_sentiment', '  ,,, ')
           AS empty_like_blank,
       abs(mktai.sentiment('review_sentiment', '') -
           mktai.sentiment('review_sentiment', 'zzyzx qwv')) < 0.1 AS unseen_near_prior;
-- accuracy over the table, as a dashboard would compute it
SELECT avg((mktai.classify('review_sentiment', review) = positive::text)::int) > 0.85 AS accurate,
       mktai.auc(mktai.sentiment('review_sentiment', review), positive) > 0.85 AS auc_ok
  FROM reviews;

-- Several classes, text labels, balanced weights; and the same seed
-- trains the same model.
SELECT model, (metrics->>'accuracy')::float8 > 0.9 AS accuracy_ok, metrics->'classes' AS classes
  FROM mktai.train('review_topic', 'text_classification', 'reviews', 'topic',
                   '{"text": "review", "class_weight": "balanced", "epochs": 5}');
SELECT mktai.classify('review_topic', '外卖很好') AS topic,
       mktai.classify('review_topic', 'the phone is great') AS topic2;
SELECT version FROM mktai.train('review_topic', 'text_classification', 'reviews', 'topic',
                                '{"text": "review", "class_weight": "balanced", "epochs": 5}');
SELECT a.weights = b.weights AS identical
  FROM mktai.models a, mktai.models b
 WHERE a.name = 'review_topic' AND b.name = 'review_topic' AND a.version = 1 AND b.version = 2;

-- Texts are read up to max_bytes, cut at a character boundary: past the
-- limit, nothing changes the score.
SELECT (metrics->>'accuracy')::float8 > 0.7 AS accuracy_ok
  FROM mktai.train('review_prefix', 'text_classification', 'reviews', 'positive',
                   '{"text": "review", "max_bytes": 24}');
SELECT mktai.sentiment('review_prefix', 'the room great today 推荐') =
       mktai.sentiment('review_prefix', 'the room great today 推荐 ' || repeat('terrible ', 100000))
           AS cut_at_limit,
       mktai.sentiment('review_sentiment', 'the room great today 推荐') <>
       mktai.sentiment('review_sentiment', 'the room great today 推荐 ' || repeat('terrible ', 100000))
           AS read_whole;

-- Texts are documents, not categories: neither their length nor their
-- number of distinct values is limited as a category's is.
CREATE TABLE long_reviews AS
SELECT review || ' ' || repeat('filler ', 400) || review_id AS review, positive
  FROM reviews WHERE review_id <= 300;
SELECT (metrics->>'distinct_texts')::int AS distinct_texts
  FROM mktai.train('review_long', 'text_classification', 'long_reviews', 'positive',
                   '{"text": "review", "epochs": 2, "buckets": 1024}');

-- mktai.evaluate reads the model's text column and target from any
-- relation and scores it as the scoring functions do.
SELECT e->'rows' AS rows, e->'skipped_rows' AS skipped_rows, e->'version' AS version,
       abs((e->>'accuracy')::float8 -
           (SELECT avg((mktai.classify('review_sentiment', review) = positive::text)::int)
              FROM reviews)) < 1e-9 AS same_accuracy,
       abs((e->>'auc')::float8 -
           (SELECT mktai.auc(mktai.sentiment('review_sentiment', review), positive)
              FROM reviews)) < 1e-9 AS same_auc,
       abs((e->>'log_loss')::float8 -
           (SELECT mktai.log_loss((mktai.sentiment('review_sentiment', review) + 1) / 2, positive)
              FROM reviews)) < 1e-6 AS same_log_loss
  FROM mktai.evaluate('review_sentiment', 'reviews') AS e;
SELECT e->'rows' AS rows, e ? 'auc' AS has_auc,
       abs((e->>'accuracy')::float8 -
           (SELECT avg((mktai.classify('review_topic', review) = topic)::int) FROM reviews))
           < 1e-9 AS same_accuracy
  FROM mktai.evaluate('review_topic', 'reviews') AS e;
-- a NULL label skips the row; a NULL text is an empty one, as in training;
-- the column may be of another text type, and other columns do not matter
CREATE TABLE new_reviews AS
SELECT review::varchar(200) AS review, positive, review_id AS extra
  FROM reviews WHERE review_id <= 100;
INSERT INTO new_reviews VALUES (NULL, true, 0), ('great', NULL, 0);
SELECT e->'rows' AS rows, e->'skipped_rows' AS skipped_rows
  FROM mktai.evaluate('review_sentiment', 'new_reviews') AS e;
SELECT abs((mktai.evaluate('review_sentiment', 'new_reviews')->>'log_loss')::float8 * 101 -
           (SELECT mktai.log_loss((mktai.sentiment('review_sentiment', coalesce(review, '')) + 1) / 2,
                                  positive) * 101
              FROM new_reviews WHERE positive IS NOT NULL)) < 1e-4 AS null_text_as_empty;
-- integer labels, read as training read them
CREATE VIEW reviews_stars AS
SELECT review, CASE WHEN positive THEN 5 ELSE 1 END AS stars FROM reviews;
SELECT metrics->'classes' AS classes
  FROM mktai.train('review_stars', 'text_classification', 'reviews_stars', 'stars',
                   '{"text": "review", "epochs": 5}');
SELECT e->'rows' AS rows, (e->>'accuracy')::float8 > 0.85 AS accurate
  FROM mktai.evaluate('review_stars', 'reviews_stars') AS e;
-- a label the model never saw is an error, as for any classifier
CREATE VIEW reviews_stars_3 AS
SELECT review, CASE WHEN review_id = 17 THEN 3 WHEN positive THEN 5 ELSE 1 END AS stars
  FROM reviews;
SELECT mktai.evaluate('review_stars', 'reviews_stars_3');
CREATE VIEW reviews_new_topic AS
SELECT review, CASE WHEN review_id = 5 THEN 'books' ELSE topic END AS topic FROM reviews;
SELECT mktai.evaluate('review_topic', 'reviews_new_topic');
-- the columns must be there, and of kinds that fit
SELECT mktai.evaluate('review_sentiment', 'customers');
CREATE VIEW reviews_no_label AS SELECT review FROM reviews;
SELECT mktai.evaluate('review_sentiment', 'reviews_no_label');
CREATE VIEW reviews_numbered AS SELECT review_id AS review, positive FROM reviews;
SELECT mktai.evaluate('review_sentiment', 'reviews_numbered');
CREATE VIEW reviews_score AS SELECT review, positive::int::float8 AS positive FROM reviews;
SELECT mktai.evaluate('review_sentiment', 'reviews_score');
CREATE TABLE reviews_none (review text, positive boolean);
INSERT INTO reviews_none VALUES ('great', NULL);
SELECT mktai.evaluate('review_sentiment', 'reviews_none');

-- Export and import.
SELECT version FROM mktai.import_model('review_sentiment_copy', mktai.export_model('review_sentiment'));
SELECT bool_and(mktai.sentiment('review_sentiment', review) =
                mktai.sentiment('review_sentiment_copy', review)) AS same_scores
  FROM reviews;

-- Bad input.
SELECT mktai.train('bad', 'text_classification', 'reviews', 'positive');
SELECT mktai.train('bad', 'text_classification', 'reviews', 'positive', '{"text": "body"}');
SELECT mktai.train('bad', 'text_classification', 'reviews', 'positive', '{"text": "review_id"}');
SELECT mktai.train('bad', 'text_classification', 'reviews', 'review', '{"text": "review"}');
SELECT mktai.train('bad', 'text_classification', 'reviews', 'positive',
                   '{"text": "review", "hidden": [8]}');
SELECT mktai.train('bad', 'text_classification', 'reviews', 'positive',
                   '{"text": "review", "char_min": 4, "char_max": 2}');
SELECT mktai.train('bad', 'text_classification', 'reviews', 'positive',
                   '{"text": "review", "locale": "not a locale!"}');
SELECT mktai.train('bad', 'text_classification', 'reviews', 'positive',
                   '{"text": "review", "dim": 0}');
CREATE TABLE one_class_reviews AS SELECT review, true AS positive FROM reviews;
SELECT mktai.train('bad', 'text_classification', 'one_class_reviews', 'positive',
                   '{"text": "review"}');
CREATE TABLE no_reviews (review text, positive boolean);
SELECT mktai.train('bad', 'text_classification', 'no_reviews', 'positive', '{"text": "review"}');
SELECT count(*) AS bad_models FROM mktai.models WHERE name = 'bad';
SELECT mktai.sentiment('review_topic', 'great');
SELECT mktai.classify('no_such_model', 'great');
SELECT mktai.predict('review_sentiment', r) FROM reviews r LIMIT 1;
SELECT mktai.train('churn_for_text', 'classification', 'customers', 'churned',
                   '{"exclude": ["customer_id"], "epochs": 2}') IS NOT NULL AS trained;
SELECT mktai.classify('churn_for_text', 'great');
