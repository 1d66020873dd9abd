-- Text classification with the convolutional encoder: what word order
-- adds to the bag, the stored options, scoring, and bad options.
SET client_min_messages = warning;

-- 2000 short reviews whose label lies in the order of two words: "不"
-- before "好" (not good) is negative, after it ("好，不贵": good, not
-- dear) positive.  Both words are in every review, among neutral ones, so
-- a bag of single words cannot tell the classes apart.
CREATE TABLE ordered AS
SELECT i AS review_id,
       concat_ws(' ',
                 (ARRAY['房间', 'the room', '外卖', 'delivery', '服务'])[1 + i % 5],
                 (ARRAY['今天', 'today', '还是', 'again'])[1 + (i / 5) % 4],
                 CASE WHEN i % 2 = 0 THEN '不 好' ELSE '好 不' END,
                 (ARRAY['价格', 'price', '早餐', 'staff', '位置', 'wifi'])[1 + (i / 3) % 6])
           AS review,
       i % 2 = 1 AS positive
  FROM generate_series(1, 2000) AS i;

SELECT (metrics->>'accuracy')::float8 < 0.7 AS bag_cannot
  FROM mktai.train('ordered_bag', 'text_classification', 'ordered', 'positive',
                   '{"text": "review", "word_ngrams": 1, "cjk_words": false, "char_min": 0, "char_max": 0}');
SELECT model, (metrics->>'accuracy')::float8 > 0.95 AS accuracy_ok,
       metrics->'epochs_run' AS epochs_run
  FROM mktai.train('ordered_cnn', 'text_classification', 'ordered', 'positive',
                   '{"text": "review", "word_ngrams": 1, "cjk_words": false,
                     "encoder": "cnn", "dim": 16, "filters": 16, "learning_rate": 0.005}');
SELECT doc, mktai.classify('ordered_cnn', doc) AS label,
       mktai.sentiment('ordered_cnn', doc) > 0 AS positive_score
  FROM (VALUES ('房间 今天 不 好 价格'), ('房间 今天 好 不 价格'),
               ('delivery again 不 好 wifi'), ('delivery again 好 不 wifi')) AS d(doc);
SELECT abs((SELECT sum(value::float8) FROM jsonb_each_text(
               mktai.classify_proba('ordered_cnn', '外卖 好 不'))) - 1) < 1e-5 AS sums_to_one;
SELECT mktai.classify('ordered_cnn', NULL) IS NULL AS null_label,
       mktai.sentiment('ordered_cnn', '') BETWEEN -1 AND 1 AS empty_scored;
SELECT avg((mktai.classify('ordered_cnn', review) = positive::text)::int) > 0.95 AS accurate
  FROM ordered;

-- The encoder reads the first max_length tokens: with 2 it sees only the
-- first word or two, never the order that decides.
SELECT (metrics->>'accuracy')::float8 < 0.7 AS too_short
  FROM mktai.train('ordered_short', 'text_classification', 'ordered', 'positive',
                   '{"text": "review", "word_ngrams": 1, "cjk_words": false,
                     "encoder": "cnn", "dim": 16, "filters": 16, "max_length": 2}');

-- Several classes, with the encoder's default options; the same seed
-- trains the same model; export and import.
CREATE VIEW ordered_topics AS
SELECT review, split_part(review, ' ', 1) AS topic FROM ordered;
SELECT (metrics->>'accuracy')::float8 > 0.9 AS accuracy_ok, metrics->'classes' AS classes
  FROM mktai.train('ordered_topic', 'text_classification', 'ordered_topics', 'topic',
                   '{"text": "review", "encoder": "cnn", "epochs": 2}');
SELECT mktai.classify('ordered_topic', '外卖 还是 好 不') AS topic;
-- each encoder's defaults are filled in
SELECT name, spec->'options'->'encoder' AS encoder, spec->'options'->'epochs' AS epochs,
       spec->'options'->'learning_rate' AS learning_rate,
       spec->'options'->'filters' AS filters, spec->'options'->'max_length' AS max_length,
       spec->'options'->'batch_size' AS batch_size, spec->'options'->'dropout' AS dropout
  FROM mktai.models WHERE name IN ('ordered_bag', 'ordered_topic') ORDER BY name;

SELECT version FROM mktai.train('ordered_topic', 'text_classification', 'ordered_topics', 'topic',
                                '{"text": "review", "encoder": "cnn", "epochs": 2}');
SELECT a.weights = b.weights AS identical
  FROM mktai.models a, mktai.models b
 WHERE a.name = 'ordered_topic' AND b.name = 'ordered_topic' AND a.version = 1 AND b.version = 2;
SELECT version FROM mktai.import_model('ordered_cnn_copy', mktai.export_model('ordered_cnn'));
SELECT bool_and(mktai.sentiment('ordered_cnn', review) =
                mktai.sentiment('ordered_cnn_copy', review)) AS same_scores
  FROM ordered;

-- Bad options.
SELECT mktai.train('bad', 'text_classification', 'ordered', 'positive',
                   '{"text": "review", "encoder": "gru"}');
SELECT mktai.train('bad', 'text_classification', 'ordered', 'positive',
                   '{"text": "review", "encoder": "cnn", "filters": 0}');
SELECT mktai.train('bad', 'text_classification', 'ordered', 'positive',
                   '{"text": "review", "encoder": "cnn", "max_length": 20000}');
SELECT mktai.train('bad', 'text_classification', 'ordered', 'positive',
                   '{"text": "review", "encoder": "cnn", "dropout": 0.95}');
SELECT mktai.train('bad', 'text_classification', 'ordered', 'positive',
                   '{"text": "review", "encoder": "cnn", "batch_size": 0}');
SELECT mktai.train('bad', 'text_classification', 'ordered', 'positive',
                   '{"text": "review", "encoder": "cnn", "batch_size": 1000000,
                     "max_length": 16384}');
SELECT mktai.train('bad', 'text_classification', 'ordered', 'positive',
                   '{"text": "review", "encoder": "cnn", "cell": "gru"}');
SELECT count(*) AS bad_models FROM mktai.models WHERE name = 'bad';
