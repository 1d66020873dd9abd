-- Chinese review sentiment with the convolutional text encoder, with its
-- documented default options ('{"encoder": "cnn"}' and nothing else).
--
-- Each file is split by record order: the rows with zero-based index i where
-- i % 5 = 4 are the test set, the rest train.  The bars are those of the
-- text classification issue for the stronger option: fastText's test
-- accuracy plus 2 points, on ChnSentiCorp hotel reviews (0.867 + 0.02),
-- waimai_10k takeaway reviews (0.837 + 0.02) and the sentiment label of
-- online_shopping_10_cats (0.907 + 0.02).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mktai;

CREATE TABLE hotel (
    label int, review text,
    row_index bigint GENERATED ALWAYS AS IDENTITY (MINVALUE 0 START 0)
);
\set hotel_file :data '/chn_sentiment/ChnSentiCorp_htl_all.csv'
COPY hotel (label, review) FROM :'hotel_file' WITH (FORMAT csv, HEADER);
CREATE TABLE waimai (
    label int, review text,
    row_index bigint GENERATED ALWAYS AS IDENTITY (MINVALUE 0 START 0)
);
\set waimai_file :data '/chn_sentiment/waimai_10k.csv'
COPY waimai (label, review) FROM :'waimai_file' WITH (FORMAT csv, HEADER);
CREATE TABLE shopping (
    cat text, label int, review text,
    row_index bigint GENERATED ALWAYS AS IDENTITY (MINVALUE 0 START 0)
);
\set shopping_file :data '/chn_sentiment/online_shopping_10_cats.csv'
COPY shopping (cat, label, review) FROM :'shopping_file' WITH (FORMAT csv, HEADER);

SELECT CASE WHEN (SELECT count(*) FROM hotel) = 7766 AND
                 (SELECT count(*) FROM waimai) = 11987 AND
                 (SELECT count(*) FROM shopping) = 62774
            THEN 'ok' ELSE 'not ok' END
       || ' - chn_sentiment: 7766, 11987 and 62774 rows loaded';

CREATE VIEW hotel_train AS SELECT review, label FROM hotel WHERE row_index % 5 <> 4;
CREATE VIEW waimai_train AS SELECT review, label FROM waimai WHERE row_index % 5 <> 4;
CREATE VIEW shopping_train AS SELECT review, label FROM shopping WHERE row_index % 5 <> 4;

SELECT format('hotel cnn: validation accuracy %s, %s epochs',
              round((metrics->>'accuracy')::numeric, 4), metrics->'epochs_run')
  FROM mktai.train('hotel_cnn', 'text_classification', 'hotel_train', 'label',
                   '{"text": "review", "encoder": "cnn"}');
SELECT avg((mktai.classify('hotel_cnn', review) = label::text)::int) AS acc
  FROM hotel WHERE row_index % 5 = 4 \gset
SELECT CASE WHEN :acc >= 0.887 THEN 'ok' ELSE 'not ok' END
       || format(' - ChnSentiCorp hotel, cnn encoder: test accuracy %s >= 0.887', round(:acc, 4));

SELECT format('waimai cnn: validation accuracy %s, %s epochs',
              round((metrics->>'accuracy')::numeric, 4), metrics->'epochs_run')
  FROM mktai.train('waimai_cnn', 'text_classification', 'waimai_train', 'label',
                   '{"text": "review", "encoder": "cnn"}');
SELECT avg((mktai.classify('waimai_cnn', review) = label::text)::int) AS acc
  FROM waimai WHERE row_index % 5 = 4 \gset
SELECT CASE WHEN :acc >= 0.857 THEN 'ok' ELSE 'not ok' END
       || format(' - waimai_10k, cnn encoder: test accuracy %s >= 0.857', round(:acc, 4));

SELECT format('shopping cnn: validation accuracy %s, %s epochs',
              round((metrics->>'accuracy')::numeric, 4), metrics->'epochs_run')
  FROM mktai.train('shopping_cnn', 'text_classification', 'shopping_train', 'label',
                   '{"text": "review", "encoder": "cnn"}');
SELECT avg((mktai.classify('shopping_cnn', review) = label::text)::int) AS acc
  FROM shopping WHERE row_index % 5 = 4 \gset
SELECT CASE WHEN :acc >= 0.927 THEN 'ok' ELSE 'not ok' END
       || format(' - online_shopping_10_cats label, cnn encoder: test accuracy %s >= 0.927',
                 round(:acc, 4));
