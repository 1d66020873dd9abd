-- Forecasts: the next values of many series at once, with intervals, and
-- bad input.
SET client_min_messages = warning;

-- Half a year of daily conversions for three campaigns of different
-- sizes: a weekly cycle on a slow trend, without noise, so that a good
-- forecast is close.
CREATE TABLE campaign_days AS
SELECT c AS campaign, d::date AS day,
       round((40 * c * (1 + 0.002 * (d::date - date '2024-01-01'))
              * (1 + 0.3 * sin(2 * pi() * extract(dow FROM d) / 7)))::numeric, 2)::float8
           AS conversions,
       to_char(d, 'Dy') AS weekday
  FROM generate_series(1, 3) AS c,
       generate_series(date '2024-01-01', date '2024-06-30', interval '1 day') AS d;

SELECT model, metrics->'series' AS series, metrics->'horizon' AS horizon,
       metrics->'train_windows' AS train_windows, metrics->'valid_windows' AS valid_windows,
       metrics->'features' AS features, (metrics->>'mape')::float8 < 0.1 AS mape_ok,
       metrics->>'evaluated_on' AS evaluated_on
  FROM mktai.train('conversions', 'forecast', 'campaign_days', 'conversions',
                   '{"series": "campaign", "order": "day", "horizon": 7, "epochs": 40}');
SELECT spec->'options'->'horizon' AS horizon, spec->'options'->'level' AS level,
       spec->'options'->'max_length' AS max_length, spec->'options'->'refit' AS refit
  FROM mktai.models WHERE name = 'conversions';

-- Three series, seven steps each, every value inside its interval and
-- within 10% of the pattern's continuation.
CREATE TABLE truth AS
SELECT c AS campaign, (d::date - date '2024-06-30')::int AS step,
       40 * c * (1 + 0.002 * (d::date - date '2024-01-01'))
              * (1 + 0.3 * sin(2 * pi() * extract(dow FROM d) / 7)) AS conversions
  FROM generate_series(1, 3) AS c,
       generate_series(date '2024-07-01', date '2024-07-07', interval '1 day') AS d;
SELECT f.series, count(*) AS steps, bool_and(f.lower <= f.value AND f.value <= f.upper) AS ordered,
       max(abs(f.value - t.conversions) / t.conversions) < 0.1 AS close
  FROM mktai.forecast('conversions', 7) f
  JOIN truth t ON t.campaign::text = f.series AND t.step = f.step
 GROUP BY f.series ORDER BY f.series;
-- a shorter horizon gives the same first steps
SELECT count(*) AS rows, bool_and(a.value = b.value) AS same
  FROM mktai.forecast('conversions', 3) a
  JOIN mktai.forecast('conversions', 7) b USING (series, step);

-- A newer relation continues from its own last rows: a week more history
-- moves the forecast on.
CREATE TABLE campaign_days_newer AS
SELECT * FROM campaign_days
UNION ALL
SELECT campaign, day + 7, conversions * 1.01, to_char(day + 7, 'Dy')
  FROM campaign_days WHERE day > date '2024-06-23';
SELECT count(*) AS rows, bool_or(a.value <> b.value) AS moved
  FROM mktai.forecast('conversions', 7, 'campaign_days_newer') a
  JOIN mktai.forecast('conversions', 7) b USING (series, step);

-- One series without a series column, the target its only input; the
-- series key comes back NULL.
CREATE TABLE total_days AS
SELECT day, sum(conversions) AS conversions FROM campaign_days GROUP BY day;
SELECT model, metrics->'series' AS series, metrics->'features' AS features
  FROM mktai.train('total', 'forecast', 'total_days', 'conversions',
                   '{"order": "day", "horizon": 3, "epochs": 5, "validation_fraction": 0}');
SELECT series IS NULL AS no_key, step, value > 0 AS positive
  FROM mktai.forecast('total', 3) ORDER BY step;

-- Export and import: the same bytes forecast the same.
SELECT version FROM mktai.import_model('conversions_copy', mktai.export_model('conversions'));
SELECT bool_and(a.value = b.value AND a.lower = b.lower AND a.upper = b.upper) AS identical
  FROM mktai.forecast('conversions', 7) a
  JOIN mktai.forecast('conversions_copy', 7) b USING (series, step);

-- Bad input.
SELECT * FROM mktai.forecast('conversions', 8);
SELECT * FROM mktai.forecast('conversions', 0);
SELECT * FROM mktai.forecast('conversions', NULL);
SELECT * FROM mktai.forecast('no_such_model', 3);
SELECT mktai.train('bad', 'forecast', 'campaign_days', 'conversions', '{"series": "campaign"}');
SELECT mktai.train('bad', 'forecast', 'campaign_days', 'conversions',
                   '{"series": "campaign", "order": "day", "horizon": 0}');
SELECT mktai.train('bad', 'forecast', 'campaign_days', 'conversions',
                   '{"series": "campaign", "order": "day", "level": 1}');
SELECT mktai.train('bad', 'forecast', 'campaign_days', 'conversions',
                   '{"series": "campaign", "order": "day", "entity": "campaign"}');
SELECT mktai.train('bad', 'forecast', 'campaign_days', 'conversions',
                   '{"series": "campaign", "order": "day", "horizon": 100}');
SELECT mktai.train('bad', 'forecast', 'campaign_days', 'weekday',
                   '{"series": "campaign", "order": "day"}');
CREATE TABLE gaps AS SELECT * FROM campaign_days;
UPDATE gaps SET conversions = NULL WHERE campaign = 2 AND day = date '2024-03-01';
SELECT mktai.train('bad', 'forecast', 'gaps', 'conversions', '{"series": "campaign", "order": "day"}');
UPDATE gaps SET conversions = 'NaN' WHERE campaign = 2 AND day = date '2024-03-01';
SELECT mktai.train('bad', 'forecast', 'gaps', 'conversions', '{"series": "campaign", "order": "day"}');
CREATE TABLE doubled_days AS SELECT * FROM campaign_days UNION ALL SELECT * FROM campaign_days WHERE day = date '2024-02-01';
SELECT mktai.train('bad', 'forecast', 'doubled_days', 'conversions', '{"series": "campaign", "order": "day"}');
SELECT mktai.train('bad', 'forecast', 'doubled_days', 'conversions', '{"order": "day"}');
CREATE TABLE empty_days (LIKE campaign_days);
SELECT mktai.train('bad', 'forecast', 'empty_days', 'conversions', '{"series": "campaign", "order": "day"}');
SELECT count(*) AS bad_models FROM mktai.models WHERE name = 'bad';
-- scoring a relation that lost a column, or changed its kind
CREATE TABLE no_weekday AS SELECT campaign, day, conversions FROM campaign_days;
SELECT * FROM mktai.forecast('conversions', 3, 'no_weekday');
CREATE TABLE numeric_weekday AS
SELECT campaign, day, conversions, extract(dow FROM day) AS weekday FROM campaign_days;
SELECT * FROM mktai.forecast('conversions', 3, 'numeric_weekday');
SELECT * FROM mktai.forecast('conversions', 3, 'empty_days');
-- a forecast model in the other scoring functions, and other models here
SELECT mktai.predict('conversions', c) FROM campaign_days c LIMIT 1;
SELECT mktai.predict_sequence('conversions', c ORDER BY c.day) FROM campaign_days c;
SELECT mktai.evaluate('conversions', 'campaign_days');
SELECT mktai.train('churn_for_forecast', 'classification', 'customers', 'churned',
                   '{"exclude": ["customer_id"], "epochs": 2}') IS NOT NULL AS trained;
SELECT * FROM mktai.forecast('churn_for_forecast', 3);
