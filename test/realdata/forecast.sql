-- Daily revenue forecast on UCI Online Retail (rows without CustomerID
-- dropped), as the sequence issue asks: total revenue per trading day
-- (the shop trades Sunday to Friday), the last 14 trading days held out
-- and forecast from the days before with the documented defaults.  The
-- bar: a lower MAPE than the seasonal-naive forecast made at the same
-- origin (each day's value the same weekday's in the last week before the
-- origin, as in Hyndman and Athanasopoulos, "Forecasting: principles and
-- practice", 5.2).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mktai;

CREATE TABLE fc_retail (
    invoiceno text, stockcode text, description text, quantity int,
    invoicedate timestamp, unitprice numeric, customerid int, country text
);
\set retail_file :data '/online_retail/Online_Retail.csv.gz'
\set retail_program 'zcat ' :retail_file
COPY fc_retail FROM PROGRAM :'retail_program' WITH (FORMAT csv, HEADER);
DELETE FROM fc_retail WHERE customerid IS NULL;

CREATE TABLE daily_revenue AS
SELECT invoicedate::date AS day, sum(quantity * unitprice)::float8 AS revenue,
       to_char(invoicedate, 'Dy') AS weekday
  FROM fc_retail GROUP BY 1, 3;
CREATE TABLE holdout AS
SELECT row_number() OVER (ORDER BY day)::int AS step, day, revenue
  FROM (SELECT day, revenue FROM daily_revenue ORDER BY day DESC LIMIT 14) last;
CREATE VIEW revenue_history AS
SELECT * FROM daily_revenue WHERE day < (SELECT min(day) FROM holdout);

SELECT format('daily revenue: %s trading days, %s to %s; forecast from %s',
              count(*), min(day), max(day), (SELECT max(day) FROM revenue_history))
  FROM daily_revenue;

SELECT format('lstm: validation MAPE %s, best epoch %s of %s',
              round((metrics->>'mape')::numeric, 4), metrics->'best_epoch',
              metrics->'epochs_run')
  FROM mktai.train('revenue_lstm', 'forecast', 'revenue_history', 'revenue',
                   '{"order": "day"}');
SELECT format('gru: validation MAPE %s, best epoch %s of %s',
              round((metrics->>'mape')::numeric, 4), metrics->'best_epoch',
              metrics->'epochs_run')
  FROM mktai.train('revenue_gru', 'forecast', 'revenue_history', 'revenue',
                   '{"order": "day", "cell": "gru"}');

-- Seasonal naive at the origin: the same weekday k weeks earlier, k the
-- fewest weeks that reach back into the history.
CREATE TABLE snaive AS
SELECT h.step, p.revenue AS value
  FROM holdout h
  JOIN daily_revenue p
    ON p.day = h.day - 7 * ceil((h.day - (SELECT max(day) FROM revenue_history)) / 7.0)::int;
CREATE TABLE mape AS
SELECT 'seasonal naive' AS method, avg(abs(h.revenue - s.value) / abs(h.revenue)) AS mape,
       count(*) AS days, NULL::float8 AS coverage
  FROM holdout h JOIN snaive s USING (step)
UNION ALL
SELECT 'mktai ' || m, avg(abs(h.revenue - f.value) / abs(h.revenue)), count(*),
       avg((h.revenue BETWEEN f.lower AND f.upper)::int)
  FROM unnest(ARRAY['revenue_lstm', 'revenue_gru']) AS m,
       LATERAL mktai.forecast(m, 14) f JOIN holdout h USING (step)
 GROUP BY m
UNION ALL
SELECT 'same weekday a week before (actuals)', avg(abs(h.revenue - p.revenue) / abs(h.revenue)),
       count(*), NULL
  FROM holdout h JOIN daily_revenue p ON p.day = h.day - 7;

SELECT format('%s: MAPE %s over %s days%s', method, round(mape::numeric, 4), days,
              CASE WHEN coverage IS NOT NULL
                   THEN format(', %s%% inside the 90%% interval', round(100 * coverage::numeric))
              END)
  FROM mape ORDER BY method;

SELECT CASE WHEN count(*) = 14 AND bool_and(lower <= value AND value <= upper
                                          AND value = value AND upper < 'Infinity')
            THEN 'ok' ELSE 'not ok' END
       || ' - forecast: 14 finite days, each inside its interval'
  FROM mktai.forecast('revenue_lstm', 14);
SELECT CASE WHEN l.mape < s.mape THEN 'ok' ELSE 'not ok' END
       || format(' - forecast: LSTM daily revenue MAPE %s < seasonal naive %s',
                 round(l.mape::numeric, 4), round(s.mape::numeric, 4))
  FROM mape l, mape s
 WHERE l.method = 'mktai revenue_lstm' AND s.method = 'seasonal naive';
