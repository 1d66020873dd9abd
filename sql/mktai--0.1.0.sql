-- mktai 0.1.0: install script.
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION mktai" to load this file. \quit

-- Every object lives in schema mktai (fixed by mktai.control).  Bodies of
-- SQL functions name pg_catalog and mktai objects explicitly, so that no
-- caller's search_path can redirect them.

------------------------------------------------------------------------------
-- Model registry
------------------------------------------------------------------------------

-- One row per model version.  The weights are the serialised model (magic,
-- format version, input pipeline, tensors, CRC-32C); spec is what training
-- was asked to do, with every default filled in, so retrain() replays it.
CREATE TABLE mktai.models (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (name <> '' AND octet_length(name) < 64),
    version     integer NOT NULL CHECK (version > 0),
    task        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    owner       name NOT NULL DEFAULT CURRENT_USER,
    spec        jsonb NOT NULL,
    metrics     jsonb NOT NULL DEFAULT '{}',
    deployed    boolean NOT NULL DEFAULT false,
    weights     bytea NOT NULL,
    UNIQUE (name, version)
);

-- At most one deployed version per name: the one scoring functions use.
CREATE UNIQUE INDEX models_deployed_name ON mktai.models (name) WHERE deployed;

-- Weights are dense floats: compression would only cost time.
ALTER TABLE mktai.models ALTER COLUMN weights SET STORAGE EXTERNAL;

-- pg_dump saves the models (and the id sequence) with the data.
SELECT pg_catalog.pg_extension_config_dump('mktai.models', '');
SELECT pg_catalog.pg_extension_config_dump('mktai.models_id_seq', '');

-- Every role may score with and train models; a version can be changed or
-- dropped only by the role that created it (superusers and the table owner
-- bypass these policies).
GRANT USAGE ON SCHEMA mktai TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON mktai.models TO PUBLIC;
GRANT USAGE ON SEQUENCE mktai.models_id_seq TO PUBLIC;
ALTER TABLE mktai.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_read ON mktai.models FOR SELECT USING (true);
CREATE POLICY models_insert ON mktai.models FOR INSERT
    WITH CHECK (owner OPERATOR(pg_catalog.=) CURRENT_USER);
CREATE POLICY models_update ON mktai.models FOR UPDATE
    USING (owner OPERATOR(pg_catalog.=) CURRENT_USER);
CREATE POLICY models_delete ON mktai.models FOR DELETE
    USING (owner OPERATOR(pg_catalog.=) CURRENT_USER);

-- Backends cache decoded models; any change to the table tells them, at
-- commit, to load again.
CREATE FUNCTION mktai.models_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mktai_models_changed'
    LANGUAGE C;
CREATE TRIGGER models_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mktai.models
    FOR EACH STATEMENT EXECUTE FUNCTION mktai.models_changed();
COMMENT ON FUNCTION mktai.models_changed() IS
    'trigger: invalidates every backend''s cached models when mktai.models changes';

-- The models at a glance, for people and BI tools.
CREATE VIEW mktai.model_overview AS
SELECT m.name, m.version, m.task, m.deployed, m.created_at, m.owner,
       m.spec OPERATOR(pg_catalog.->>) 'relation' AS relation,
       m.spec OPERATOR(pg_catalog.->>) 'target' AS target,
       m.metrics OPERATOR(pg_catalog.-) '{curve,profiles}'::text[] AS metrics,
       pg_catalog.octet_length(m.weights) AS size_bytes
  FROM mktai.models m;
GRANT SELECT ON mktai.model_overview TO PUBLIC;
COMMENT ON VIEW mktai.model_overview IS
    'every model version with its task, deployment, source and metrics '
    '(without learning curves and segment profiles)';

CREATE FUNCTION mktai.deploy(name text, version integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM mktai.models m
                    WHERE m.name = deploy.name AND m.version = deploy.version) THEN
        RAISE EXCEPTION 'version % of model "%" does not exist', deploy.version, deploy.name
            USING ERRCODE = 'undefined_object',
                  HINT = 'List the versions with SELECT * FROM mktai.model_overview.';
    END IF;
    -- Two statements: the unique index on deployed names is checked per row.
    UPDATE mktai.models m SET deployed = false
     WHERE m.name = deploy.name AND m.deployed AND m.version <> deploy.version;
    UPDATE mktai.models m SET deployed = true
     WHERE m.name = deploy.name AND m.version = deploy.version AND NOT m.deployed;
    -- Row-level security skips versions of other owners without a word.
    IF NOT EXISTS (SELECT 1 FROM mktai.models m
                    WHERE m.name = deploy.name AND m.version = deploy.version
                      AND m.deployed) THEN
        RAISE EXCEPTION 'permission denied to deploy version % of model "%"',
            deploy.version, deploy.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the role that created a version may deploy it.';
    END IF;
END
$$;
COMMENT ON FUNCTION mktai.deploy(text, integer) IS
    'makes a version the one scoring functions use for a model name';

CREATE FUNCTION mktai.drop_model(name text, version integer DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped integer;
BEGIN
    DELETE FROM mktai.models m
     WHERE m.name = drop_model.name
       AND (drop_model.version IS NULL OR m.version = drop_model.version);
    GET DIAGNOSTICS dropped = ROW_COUNT;
    IF dropped = 0 AND EXISTS (SELECT 1 FROM mktai.models m
                                WHERE m.name = drop_model.name
                                  AND (drop_model.version IS NULL
                                       OR m.version = drop_model.version)) THEN
        RAISE EXCEPTION 'permission denied to drop model "%"', drop_model.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the role that created a version may drop it.';
    END IF;
    IF dropped = 0 THEN
        IF drop_model.version IS NULL THEN
            RAISE EXCEPTION 'model "%" does not exist', drop_model.name
                USING ERRCODE = 'undefined_object';
        END IF;
        RAISE EXCEPTION 'version % of model "%" does not exist',
            drop_model.version, drop_model.name
            USING ERRCODE = 'undefined_object',
                  HINT = 'List the versions with SELECT * FROM mktai.model_overview.';
    END IF;
    RETURN dropped;
END
$$;
COMMENT ON FUNCTION mktai.drop_model(text, integer) IS
    'deletes one version of a model, or all of them; returns how many';

CREATE FUNCTION mktai.export_model(name text, version integer DEFAULT NULL)
    RETURNS bytea
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result bytea;
BEGIN
    SELECT m.weights INTO result FROM mktai.models m
     WHERE m.name = export_model.name
       AND CASE WHEN export_model.version IS NULL THEN m.deployed
                ELSE m.version = export_model.version END;
    IF NOT FOUND THEN
        IF NOT EXISTS (SELECT 1 FROM mktai.models m WHERE m.name = export_model.name) THEN
            RAISE EXCEPTION 'model "%" does not exist', export_model.name
                USING ERRCODE = 'undefined_object';
        ELSIF export_model.version IS NULL THEN
            RAISE EXCEPTION 'model "%" has no deployed version', export_model.name
                USING ERRCODE = 'undefined_object',
                      HINT = 'Name a version, or deploy one with mktai.deploy().';
        END IF;
        RAISE EXCEPTION 'version % of model "%" does not exist',
            export_model.version, export_model.name
            USING ERRCODE = 'undefined_object',
                  HINT = 'List the versions with SELECT * FROM mktai.model_overview.';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION mktai.export_model(text, integer) IS
    'the self-describing bytes of a model version (default: the deployed '
    'one), for mktai.import_model()';

CREATE FUNCTION mktai.import_model(name text, data bytea, deploy boolean DEFAULT true,
                                   OUT model text, OUT version integer, OUT metrics jsonb)
    AS 'MODULE_PATHNAME', 'mktai_import_model'
    LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION mktai.import_model(text, bytea, boolean) IS
    'validates exported model bytes and stores them as a new version of a model';

------------------------------------------------------------------------------
-- Training
------------------------------------------------------------------------------

CREATE FUNCTION mktai.train(name text, task text, relation regclass,
                            target text, options jsonb DEFAULT '{}',
                            OUT model text, OUT version integer, OUT metrics jsonb)
    AS 'MODULE_PATHNAME', 'mktai_train'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION mktai.train(text, text, regclass, text, jsonb) IS
    'trains a new version of a model on a relation the caller can read, '
    'stores it and returns its metrics';

CREATE FUNCTION mktai.retrain(name text, deploy boolean DEFAULT false,
                              OUT model text, OUT version integer, OUT metrics jsonb)
    AS 'MODULE_PATHNAME', 'mktai_retrain'
    LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION mktai.retrain(text, boolean) IS
    'trains a new version with the stored spec of the newest one, on the relation''s current rows';

------------------------------------------------------------------------------
-- Scoring
------------------------------------------------------------------------------

CREATE FUNCTION mktai.predict(model text, features record) RETURNS float8
    AS 'MODULE_PATHNAME', 'mktai_predict'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mktai.predict(model text, features jsonb) RETURNS float8
    AS 'MODULE_PATHNAME', 'mktai_predict'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.predict(text, record) IS
    'probability of the positive class (binary) or predicted value (regression) for a row';
COMMENT ON FUNCTION mktai.predict(text, jsonb) IS
    'probability of the positive class (binary) or predicted value '
    '(regression) for a jsonb object of features';

CREATE FUNCTION mktai.churn_score(model text, features record) RETURNS float8
    AS 'MODULE_PATHNAME', 'mktai_churn_score'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mktai.churn_score(model text, features jsonb) RETURNS float8
    AS 'MODULE_PATHNAME', 'mktai_churn_score'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.churn_score(text, record) IS
    'probability of the positive class of a binary model, for a row';
COMMENT ON FUNCTION mktai.churn_score(text, jsonb) IS
    'probability of the positive class of a binary model, for a jsonb object of features';

CREATE FUNCTION mktai.predict_proba(model text, features record) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'mktai_predict_proba'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mktai.predict_proba(model text, features jsonb) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'mktai_predict_proba'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.predict_proba(text, record) IS
    'class probabilities for a row, in the model''s label order (metrics->''classes'')';
COMMENT ON FUNCTION mktai.predict_proba(text, jsonb) IS
    'class probabilities for a jsonb object of features, in the model''s label order';

CREATE FUNCTION mktai.predict_label(model text, features record) RETURNS text
    AS 'MODULE_PATHNAME', 'mktai_predict_label'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mktai.predict_label(model text, features jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'mktai_predict_label'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.predict_label(text, record) IS
    'most probable label for a row';
COMMENT ON FUNCTION mktai.predict_label(text, jsonb) IS
    'most probable label for a jsonb object of features';

CREATE FUNCTION mktai.evaluate(model text, relation regclass) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'mktai_evaluate'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION mktai.evaluate(text, regclass) IS
    'metrics of the deployed model on a labelled relation (AUC, log loss, '
    'accuracy or RMSE, MAE, R2)';

------------------------------------------------------------------------------
-- Segmentation
------------------------------------------------------------------------------

CREATE FUNCTION mktai.segment(model text, features record) RETURNS integer
    AS 'MODULE_PATHNAME', 'mktai_segment'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mktai.segment(model text, features jsonb) RETURNS integer
    AS 'MODULE_PATHNAME', 'mktai_segment'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.segment(text, record) IS
    'segment of a row, numbered from 1 (the largest segment in training)';
COMMENT ON FUNCTION mktai.segment(text, jsonb) IS
    'segment of a jsonb object of features, numbered from 1';

CREATE FUNCTION mktai.encode(model text, features record) RETURNS real[]
    AS 'MODULE_PATHNAME', 'mktai_encode'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mktai.encode(model text, features jsonb) RETURNS real[]
    AS 'MODULE_PATHNAME', 'mktai_encode'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.encode(text, record) IS
    'latent vector of a row (autoencoder), or its encoded columns (k-means)';
COMMENT ON FUNCTION mktai.encode(text, jsonb) IS
    'latent vector of a jsonb object of features, or its encoded columns';

CREATE FUNCTION mktai.reconstruction_error(model text, features record)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'mktai_reconstruction_error'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION mktai.reconstruction_error(model text, features jsonb)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'mktai_reconstruction_error'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.reconstruction_error(text, record) IS
    'anomaly score of a row: the autoencoder''s reconstruction loss, or for '
    'k-means the squared distance to the nearest segment centre';
COMMENT ON FUNCTION mktai.reconstruction_error(text, jsonb) IS
    'anomaly score of a jsonb object of features';

-- One row per segment and column, from the profiles training stored with
-- the deployed version: numeric columns give the segment's mean against
-- the overall mean; categorical ones the values most over-represented in
-- the segment, with their share in it, overall, and the ratio (lift).
CREATE FUNCTION mktai.segment_profiles(model text)
    RETURNS TABLE (segment integer, size bigint, share float8,
                   column_name text, kind text, value text,
                   segment_value float8, overall_value float8, lift float8)
    LANGUAGE plpgsql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found_task text;
BEGIN
    SELECT m.task INTO found_task FROM mktai.models m
     WHERE m.name = segment_profiles.model AND m.deployed;
    IF NOT FOUND THEN
        IF NOT EXISTS (SELECT 1 FROM mktai.models m
                        WHERE m.name = segment_profiles.model) THEN
            RAISE EXCEPTION 'model "%" does not exist', segment_profiles.model
                USING ERRCODE = 'undefined_object',
                      HINT = 'List the models with SELECT * FROM mktai.model_overview.';
        END IF;
        RAISE EXCEPTION 'model "%" has no deployed version', segment_profiles.model
            USING ERRCODE = 'undefined_object',
                  HINT = 'Deploy one with mktai.deploy().';
    END IF;
    IF found_task <> 'segmentation' THEN
        RAISE EXCEPTION 'model "%" is a % model, not a segmentation',
            segment_profiles.model, found_task
            USING ERRCODE = 'wrong_object_type';
    END IF;
    RETURN QUERY
    SELECT (p->>'segment')::integer, (p->>'size')::bigint, (p->>'share')::float8,
           c->>'column', c->>'kind', t->>'value',
           coalesce((t->>'share')::float8, (c->>'mean')::float8),
           coalesce((t->>'overall_share')::float8, (c->>'overall_mean')::float8),
           coalesce((t->>'lift')::float8,
                    (c->>'mean')::float8 / nullif((c->>'overall_mean')::float8, 0))
      FROM mktai.models m,
           jsonb_array_elements(m.metrics->'profiles') WITH ORDINALITY AS ps(p, pn),
           jsonb_array_elements(p->'columns') WITH ORDINALITY AS cs(c, cn)
           LEFT JOIN LATERAL jsonb_array_elements(c->'top') WITH ORDINALITY AS ts(t, tn)
                  ON true
     WHERE m.name = segment_profiles.model AND m.deployed
     ORDER BY pn, cn, tn;
END
$$;
COMMENT ON FUNCTION mktai.segment_profiles(text) IS
    'per segment and column of a segmentation model: size, share, and how '
    'the segment differs from the whole (means, or over-represented values)';

------------------------------------------------------------------------------
-- Sequences
------------------------------------------------------------------------------

CREATE FUNCTION mktai.predict_sequence_step(bytea, text, record) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mktai_predict_sequence_step'
    LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION mktai.predict_sequence_final(bytea) RETURNS float8
    AS 'MODULE_PATHNAME', 'mktai_predict_sequence_final'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
-- The rows of a history must meet the model in order: the combine function
-- only refuses, for a parallel plan of a call without ORDER BY.
CREATE FUNCTION mktai.predict_sequence_combine(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mktai_predict_sequence_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE mktai.predict_sequence(model text, event record) (
    SFUNC = mktai.predict_sequence_step,
    STYPE = bytea,
    COMBINEFUNC = mktai.predict_sequence_combine,
    FINALFUNC = mktai.predict_sequence_final,
    PARALLEL = SAFE
);
COMMENT ON FUNCTION mktai.predict_sequence_combine(bytea, bytea) IS
    'combine function of mktai.predict_sequence: refuses, histories cannot be split';
COMMENT ON FUNCTION mktai.predict_sequence_step(bytea, text, record) IS
    'transition function of mktai.predict_sequence: one recurrent step per row';
COMMENT ON FUNCTION mktai.predict_sequence_final(bytea) IS
    'final function of mktai.predict_sequence: the head on the last recurrent state';
COMMENT ON AGGREGATE mktai.predict_sequence(text, record) IS
    'probability of the positive class (or the value) of a sequence model for '
    'a history, its rows given in order: predict_sequence(model, e ORDER BY e.month)';

-- Forecasts read a relation (a temporary one, perhaps) with the caller's
-- rights, which a parallel worker cannot always do.
CREATE FUNCTION mktai.forecast(model text, horizon integer,
                               relation regclass DEFAULT NULL)
    RETURNS TABLE (series text, step integer, value float8, lower float8,
                   upper float8)
    AS 'MODULE_PATHNAME', 'mktai_forecast'
    LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION mktai.forecast(text, integer, regclass) IS
    'the next horizon values of every series of a relation (by default the '
    'training relation) with a forecast model, and their prediction interval';

------------------------------------------------------------------------------
-- Text classification
------------------------------------------------------------------------------

-- mktai.tokenize(text, options): the tokens text classification works on.
-- IMMUTABLE although ICU's data can change with its major version, as for
-- to_tsvector(regconfig, text): indexes on it are rebuilt after an ICU
-- upgrade (see doc/reference.md).
CREATE FUNCTION mktai.tokenize(input text, options jsonb DEFAULT '{}')
    RETURNS text[]
    AS 'MODULE_PATHNAME', 'mktai_tokenize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.tokenize(text, jsonb) IS
    'ICU tokens of a text: NFKC normalised, case folded words without '
    'spaces and punctuation; options locale, cjk_ngrams, cjk_words, numbers, '
    'emoji, max_bytes';

CREATE FUNCTION mktai.classify(model text, document text) RETURNS text
    AS 'MODULE_PATHNAME', 'mktai_classify'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.classify(text, text) IS
    'the most probable label of a text under a text classifier';
CREATE FUNCTION mktai.classify_proba(model text, document text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'mktai_classify_proba'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.classify_proba(text, text) IS
    'the probability of every label of a text classifier for a text, as jsonb';
CREATE FUNCTION mktai.sentiment(model text, document text) RETURNS float8
    AS 'MODULE_PATHNAME', 'mktai_sentiment'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.sentiment(text, text) IS
    'a score in [-1, 1] of a text under a binary text classifier: '
    '2 p - 1, p the probability of its positive class';

-- mktai.mentions(document, brands): brand mentions on the tokens of
-- mktai.tokenize, so IMMUTABLE for the same reason.
CREATE FUNCTION mktai.mentions(document text, brands jsonb) RETURNS text[]
    AS 'MODULE_PATHNAME', 'mktai_mentions'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mktai.mentions(text, jsonb) IS
    'the brands a text mentions, in order of first mention, from a jsonb '
    'object of brand names and their aliases; matched on ICU tokens, '
    'Chinese, Japanese and Korean character by character';

------------------------------------------------------------------------------
-- Evaluation aggregates
------------------------------------------------------------------------------

-- mktai.auc(score, label): area under the ROC curve.  The state is a bytea of
-- (score, label) pairs, so the transition is not strict: it skips rows with a
-- NULL score or label itself.

CREATE FUNCTION mktai.auc_step_bool(bytea, float8, boolean)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'auc_step_bool'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION mktai.auc_step_int(bytea, float8, integer)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'auc_step_int'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION mktai.auc_combine(bytea, bytea)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'auc_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION mktai.auc_final(bytea)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'auc_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE mktai.auc(score float8, label boolean) (
    SFUNC = mktai.auc_step_bool,
    STYPE = bytea,
    COMBINEFUNC = mktai.auc_combine,
    FINALFUNC = mktai.auc_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

CREATE AGGREGATE mktai.auc(score float8, label integer) (
    SFUNC = mktai.auc_step_int,
    STYPE = bytea,
    COMBINEFUNC = mktai.auc_combine,
    FINALFUNC = mktai.auc_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

COMMENT ON FUNCTION mktai.auc_step_bool(bytea, float8, boolean) IS
    'transition function of mktai.auc(float8, boolean): appends a (score, label) pair to the state';
COMMENT ON FUNCTION mktai.auc_step_int(bytea, float8, integer) IS
    'transition function of mktai.auc(float8, integer): appends a (score, '
    'label) pair to the state; labels must be 0 or 1';
COMMENT ON FUNCTION mktai.auc_combine(bytea, bytea) IS
    'combine function of mktai.auc: merges the (score, label) pairs of two partial states';
COMMENT ON FUNCTION mktai.auc_final(bytea) IS
    'final function of mktai.auc: the area under the ROC curve of the pairs in the state';
COMMENT ON AGGREGATE mktai.auc(float8, boolean) IS
    'area under the ROC curve of scores against boolean labels (ties count '
    'one half); NULL for no rows or when only one class is present';
COMMENT ON AGGREGATE mktai.auc(float8, integer) IS
    'area under the ROC curve of scores against 0/1 labels (ties count one '
    'half); NULL for no rows or when only one class is present';

-- mktai.log_loss(prob, label): mean binary cross-entropy.  The state is
-- float8[] {sum, count}; strict transitions skip rows with NULLs.

CREATE FUNCTION mktai.log_loss_step_bool(float8[], float8, boolean)
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'log_loss_step_bool'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION mktai.log_loss_step_int(float8[], float8, integer)
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'log_loss_step_int'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION mktai.log_loss_combine(float8[], float8[])
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'log_loss_combine'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION mktai.log_loss_final(float8[])
    RETURNS float8
    AS 'MODULE_PATHNAME', 'log_loss_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE mktai.log_loss(prob float8, label boolean) (
    SFUNC = mktai.log_loss_step_bool,
    STYPE = float8[],
    INITCOND = '{0,0}',
    COMBINEFUNC = mktai.log_loss_combine,
    FINALFUNC = mktai.log_loss_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

CREATE AGGREGATE mktai.log_loss(prob float8, label integer) (
    SFUNC = mktai.log_loss_step_int,
    STYPE = float8[],
    INITCOND = '{0,0}',
    COMBINEFUNC = mktai.log_loss_combine,
    FINALFUNC = mktai.log_loss_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

COMMENT ON FUNCTION mktai.log_loss_step_bool(float8[], float8, boolean) IS
    'transition function of mktai.log_loss(float8, boolean): adds one row''s '
    'loss to the state {sum, count}';
COMMENT ON FUNCTION mktai.log_loss_step_int(float8[], float8, integer) IS
    'transition function of mktai.log_loss(float8, integer): adds one row''s '
    'loss to the state {sum, count}; labels must be 0 or 1';
COMMENT ON FUNCTION mktai.log_loss_combine(float8[], float8[]) IS
    'combine function of mktai.log_loss: adds two partial states {sum, count}';
COMMENT ON FUNCTION mktai.log_loss_final(float8[]) IS
    'final function of mktai.log_loss: sum / count, or NULL when count is 0';
COMMENT ON AGGREGATE mktai.log_loss(float8, boolean) IS
    'mean log loss (binary cross-entropy) of predicted probabilities that '
    'the label is true, clamped to [1e-15, 1 - 1e-15]; NULL for no rows';
COMMENT ON AGGREGATE mktai.log_loss(float8, integer) IS
    'mean log loss (binary cross-entropy) of probabilities of label 1 '
    'against 0/1 labels, clamped to [1e-15, 1 - 1e-15]; NULL for no rows';

------------------------------------------------------------------------------
-- Segmentation: k-means in SQL
------------------------------------------------------------------------------

-- mktai.kmeans_step(point, centroids): one Lloyd iteration.  It returns the
-- new centres float8[k][d], each the mean of the points nearest to it (the
-- old centre when none is).  Repeated until the centres stop moving, it is
-- plain k-means on any float8[] column.  The state is a float8[]
-- {k, d, n, old centres, sums, counts} that partial aggregates (parallel
-- workers, Citus shards) hand to a leader to add up.

CREATE FUNCTION mktai.kmeans_step_accum(float8[], float8[], float8[])
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_step_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION mktai.kmeans_step_combine(float8[], float8[])
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_step_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION mktai.kmeans_step_final(float8[])
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'kmeans_step_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE mktai.kmeans_step(point float8[], centroids float8[]) (
    SFUNC = mktai.kmeans_step_accum,
    STYPE = float8[],
    COMBINEFUNC = mktai.kmeans_step_combine,
    FINALFUNC = mktai.kmeans_step_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

CREATE FUNCTION mktai.kmeans_assign(point float8[], centroids float8[])
    RETURNS integer
    AS 'MODULE_PATHNAME', 'kmeans_assign'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION mktai.kmeans_step_accum(float8[], float8[], float8[]) IS
    'transition function of mktai.kmeans_step: adds a point to the sums and '
    'count of its nearest centre; rows with a NULL point are skipped';
COMMENT ON FUNCTION mktai.kmeans_step_combine(float8[], float8[]) IS
    'combine function of mktai.kmeans_step: adds the sums and counts of two '
    'partial states';
COMMENT ON FUNCTION mktai.kmeans_step_final(float8[]) IS
    'final function of mktai.kmeans_step: the mean of each centre''s points, '
    'or the old centre when it has none, as float8[k][d]';
COMMENT ON AGGREGATE mktai.kmeans_step(float8[], float8[]) IS
    'one Lloyd iteration of k-means: assigns each point float8[d] to the '
    'nearest of the centroids float8[k][d] (the same on every row) and '
    'returns the new centres; NULL for no rows';
COMMENT ON FUNCTION mktai.kmeans_assign(float8[], float8[]) IS
    'index, from 1, of the centre of centroids float8[k][d] nearest to the '
    'point float8[d]; the first on ties';
