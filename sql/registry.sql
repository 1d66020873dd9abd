-- The registry: versions, deploy, drop, export/import, retrain, corrupted
-- weights, privileges, and what pg_dump saves.
SET client_min_messages = warning;
SELECT version FROM mktai.train('reg', 'classification', 'customers', 'churned',
                                '{"exclude": ["customer_id"], "epochs": 5}');
SELECT version FROM mktai.train('reg', 'classification', 'customers', 'churned',
                                '{"exclude": ["customer_id"], "epochs": 5, "seed": 9}');
SELECT name, version, task, deployed, relation, target, owner = current_user AS mine,
       size_bytes > 0 AS has_weights, metrics ? 'auc' AS has_auc, metrics ? 'curve' AS has_curve
  FROM mktai.model_overview WHERE name = 'reg' ORDER BY version;

-- scoring follows deployment, in this session too
CREATE TABLE reg_scores AS
SELECT 2 AS version, mktai.predict('reg', c) AS score FROM customers c WHERE customer_id = 1;
SELECT mktai.deploy('reg', 1);
INSERT INTO reg_scores
SELECT 1, mktai.predict('reg', c) FROM customers c WHERE customer_id = 1;
SELECT name, version, deployed FROM mktai.models WHERE name = 'reg' ORDER BY version;
SELECT count(DISTINCT score) AS distinct_scores FROM reg_scores;
-- deploying twice changes nothing
SELECT mktai.deploy('reg', 1);
SELECT count(*) FILTER (WHERE deployed) AS deployed_versions FROM mktai.models WHERE name = 'reg';

-- export and import: same bytes, same scores
SELECT model, version FROM mktai.import_model('reg_copy', mktai.export_model('reg'));
SELECT (SELECT weights FROM mktai.models WHERE name = 'reg' AND version = 1) =
       (SELECT weights FROM mktai.models WHERE name = 'reg_copy') AS same_bytes;
SELECT bool_and(mktai.predict('reg', c) = mktai.predict('reg_copy', c)) AS same_scores
  FROM customers c;
SELECT mktai.export_model('reg', 2) = (SELECT weights FROM mktai.models
                                         WHERE name = 'reg' AND version = 2) AS export_version;
-- an import keeps the spec and metrics the bytes carry
SELECT (SELECT spec FROM mktai.models WHERE name = 'reg_copy') =
       (SELECT spec FROM mktai.models WHERE name = 'reg' AND version = 1) AS same_spec;

-- retrain replays the spec of the newest version: same data, same model
SELECT model, version FROM mktai.retrain('reg');
SELECT a.weights = b.weights AS replayed
  FROM mktai.models a, mktai.models b
 WHERE a.name = 'reg' AND a.version = 2 AND b.name = 'reg' AND b.version = 3;
SELECT version, deployed FROM mktai.models WHERE name = 'reg' ORDER BY version;
SELECT model, version FROM mktai.retrain('reg', deploy => true);
SELECT version, deployed FROM mktai.models WHERE name = 'reg' ORDER BY version;

-- drop one version, then all
SELECT mktai.drop_model('reg', 3);
SELECT mktai.drop_model('reg');
SELECT count(*) AS left_over FROM mktai.models WHERE name = 'reg';

--
-- Corrupted or foreign weights never score
--
CREATE TABLE good AS SELECT mktai.export_model('reg_copy') AS w;
-- truncated
SELECT * FROM mktai.import_model('broken', (SELECT substr(w, 1, length(w) - 9) FROM good));
SELECT * FROM mktai.import_model('broken', (SELECT substr(w, 1, 12) FROM good));
SELECT * FROM mktai.import_model('broken', ''::bytea);
-- one bit flipped in the middle
SELECT * FROM mktai.import_model('broken',
    (SELECT set_bit(w, length(w) * 4, 1 - get_bit(w, length(w) * 4)) FROM good));
-- foreign bytes
SELECT * FROM mktai.import_model('broken', '\x89504e470d0a1a0a0000000d49484452'::bytea);
SELECT * FROM mktai.import_model('broken', convert_to(repeat('MKTAIMDL', 20), 'UTF8'));
-- trailing garbage
SELECT * FROM mktai.import_model('broken', (SELECT w || '\x00'::bytea FROM good));
-- damage done to a stored model is found when it is loaded
UPDATE mktai.models SET weights = set_byte(weights, 100, (get_byte(weights, 100) + 1) % 256)
 WHERE name = 'reg_copy';
SELECT mktai.predict('reg_copy', c) FROM customers c LIMIT 1;
SELECT count(*) AS broken_models FROM mktai.models WHERE name = 'broken';

--
-- Unknown models and versions
--
SELECT mktai.deploy('nope', 1);
SELECT mktai.deploy('reg_copy', 99);
SELECT mktai.drop_model('nope');
SELECT mktai.drop_model('reg_copy', 99);
SELECT mktai.export_model('nope');
SELECT * FROM mktai.retrain('nope');
SELECT mktai.predict('churn_balanced', c) FROM customers c LIMIT 1;

--
-- Privileges: a role may score anyone's model but change only its own
--
CREATE ROLE mktai_regress_analyst;
GRANT SELECT ON customers TO mktai_regress_analyst;
GRANT USAGE, CREATE ON SCHEMA public TO mktai_regress_analyst;
SET ROLE mktai_regress_analyst;
SELECT mktai.predict('churn', c) BETWEEN 0 AND 1 AS can_score FROM customers c LIMIT 1;
SELECT model, version FROM mktai.train('analyst_model', 'classification', 'customers', 'churned',
                                       '{"exclude": ["customer_id"], "epochs": 2}');
SELECT mktai.drop_model('churn');
SELECT mktai.drop_model('analyst_model');
RESET ROLE;
SELECT count(*) AS churn_versions_kept FROM mktai.models WHERE name = 'churn';

-- pg_dump saves the registry with the data
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) AS cfg(oid) JOIN pg_class c ON c.oid = cfg.oid
 WHERE e.extname = 'mktai' ORDER BY 1;
-- no function of the extension runs with its owner's rights
SELECT count(*) AS security_definer
  FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
  JOIN pg_extension e ON e.oid = d.refobjid
 WHERE e.extname = 'mktai' AND p.prosecdef;

DROP OWNED BY mktai_regress_analyst;
DROP ROLE mktai_regress_analyst;
