-- test/data/customers.sql: a seeded, synthetic customer base for churn demos
-- and tests.
--
-- Run with psql; it (re)creates table customers in the current schema:
--
--     psql -v n=5000 -v seed=0.42 -f test/data/customers.sql
--
-- n is the number of rows (default 5000) and seed the value given to
-- setseed() (default 0.42, in [-1, 1]).  The same n and seed give the same
-- rows, byte for byte: every random() call happens in one INSERT ... SELECT
-- right after setseed(), in a fixed order per row.
--
-- The columns look like a telecom's customer table.  Whether a customer
-- churned is drawn from a logistic model of the other columns plus a hidden
-- per-customer factor (about 26% churn at the defaults).  What raises churn:
-- short tenure (on a log scale), a monthly contract, high monthly charges,
-- support calls (with a jump at four or more), paying by electronic check and
-- paperless billing; annual and above all two-year contracts lower it.  Region
-- and data usage play no part.  The hidden factor and the coin flip keep a
-- good model's AUC between 0.8 and 0.9.

\if :{?n}
\else
\set n 5000
\endif
\if :{?seed}
\else
\set seed 0.42
\endif

SET client_min_messages = warning;
DROP TABLE IF EXISTS customers;
RESET client_min_messages;

CREATE TABLE customers (
    customer_id       int PRIMARY KEY,
    tenure_months     int NOT NULL,
    plan              text NOT NULL,
    contract          text NOT NULL,
    monthly_charges   numeric(8,2) NOT NULL,
    total_charges     numeric(10,2),
    support_calls     int NOT NULL,
    data_usage_gb     float8 NOT NULL,
    paperless_billing bool NOT NULL,
    payment_method    text NOT NULL,
    region            text,
    churned           bool NOT NULL
);

-- \gset keeps the (void) result off the output.
SELECT setseed(:seed) AS seeded \gset

INSERT INTO customers
SELECT id, tenure, plan, contract, charges,
       CASE WHEN tenure > 0
            THEN round((charges * tenure * (0.93 + 0.14 * u_total))::numeric, 2)
       END,
       calls, usage, paperless, payment, region,
       u_churn < 1.0 / (1.0 + exp(-(
             0.62
           - 0.75 * ln(1 + tenure)
           + CASE contract WHEN 'annual' THEN -1.3
                           WHEN 'two_year' THEN -2.8 ELSE 0 END
           + 0.022 * (charges - 55)
           + 0.28 * calls + 0.8 * (calls >= 4)::int
           + CASE payment WHEN 'electronic_check' THEN 0.75 ELSE 0 END
           + 0.3 * paperless::int
           + 0.6 * z_hidden)))
FROM (
    -- Third step: monthly charges follow the plan and the data used.
    SELECT *,
           round(greatest(15, plan_fee + 0.15 * usage
                              + 6 * z_charge)::numeric, 2) AS charges
    FROM (
        -- Second step: categories and counts from the uniform draws.
        SELECT id, u_total, u_churn, z_charge, z_hidden,
               CASE WHEN u_contract < 0.55 THEN 'monthly'
                    WHEN u_contract < 0.80 THEN 'annual'
                    ELSE 'two_year' END AS contract,
               CASE WHEN u_contract < 0.55
                        THEN least(72, floor(0.94 - 17 * ln(1 - u_tenure)))
                    WHEN u_contract < 0.80 THEN 2 + floor(71 * u_tenure)
                    ELSE 6 + floor(67 * u_tenure) END::int AS tenure,
               CASE WHEN u_plan < 0.40 THEN 'basic'
                    WHEN u_plan < 0.75 THEN 'standard'
                    ELSE 'premium' END AS plan,
               CASE WHEN u_plan < 0.40 THEN 25
                    WHEN u_plan < 0.75 THEN 55
                    ELSE 90 END AS plan_fee,
               round(exp(CASE WHEN u_plan < 0.40 THEN ln(4)
                              WHEN u_plan < 0.75 THEN ln(15)
                              ELSE ln(40) END
                         + 0.7 * z_usage)::numeric, 2)::float8 AS usage,
               least(12, floor(-1.4 * ln(1 - u_calls)))::int AS calls,
               u_paper < 0.6 AS paperless,
               CASE WHEN u_pay < 0.34 THEN 'electronic_check'
                    WHEN u_pay < 0.57 THEN 'mailed_check'
                    WHEN u_pay < 0.79 THEN 'bank_transfer'
                    ELSE 'credit_card' END AS payment,
               CASE WHEN u_region < 0.02 THEN NULL
                    ELSE (ARRAY['north', 'south', 'east', 'west', 'central'])
                         [1 + floor((u_region - 0.02) / 0.98 * 5)::int]
               END AS region
        FROM (
            -- First step: every random draw of a row, in a fixed order.
            -- The normal draws use the Box-Muller transform; 1 - random()
            -- lies in (0, 1], so its logarithm is finite.
            SELECT g AS id,
                   random() AS u_contract,
                   random() AS u_tenure,
                   random() AS u_plan,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
                       AS z_usage,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
                       AS z_charge,
                   random() AS u_total,
                   random() AS u_calls,
                   random() AS u_paper,
                   random() AS u_pay,
                   random() AS u_region,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
                       AS z_hidden,
                   random() AS u_churn
            FROM generate_series(1, :n) AS g
        ) AS draws
    ) AS drawn
) AS priced;

ANALYZE customers;
