/*
 * registry.c
 *		SPI access to mktai.models.
 *
 * Every statement names its schema, functions and operators explicitly, so
 * a caller's search_path cannot change what it means.  All run with the
 * caller's rights: the table's grants and row-level security decide who may
 * read or write which models.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "registry.h"

static Oid	models_relid = InvalidOid;

void
CheckModelName(const char *name)
{
	size_t		len = strlen(name);

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must not be empty")));
	if (len > MODEL_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("model name \"%s\" is %zu bytes long, more than the %d allowed",
						name, len, MODEL_NAME_MAX)));
}

Oid
RegistryRelid(void)
{
	if (!OidIsValid(models_relid))
	{
		Oid			nsp = get_namespace_oid("mktai", false);

		models_relid = get_relname_relid("models", nsp);
		if (!OidIsValid(models_relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("table mktai.models does not exist"),
					 errhint("Recreate the extension with CREATE EXTENSION mktai.")));
	}
	return models_relid;
}

Oid
RegistryKnownRelid(void)
{
	return models_relid;
}

void
RegistryForgetRelid(void)
{
	models_relid = InvalidOid;
}

static void
pg_attribute_noreturn()
ModelNotFound(const char *name, int32 version)
{
	if (version > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("version %d of model \"%s\" does not exist",
						version, name),
				 errhint("List the versions with SELECT * FROM mktai.model_overview.")));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("model \"%s\" does not exist", name),
			 errhint("Train it with mktai.train(); mktai.model_overview lists the models.")));
}

/* Runs a read-only query with text/int arguments; returns SPI_processed. */
static uint64
RunQuery(const char *sql, int nargs, Oid *types, Datum *values, bool readonly)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, NULL,
										   readonly, 0);

	if (rc < 0)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

int32
RegistryInsert(const char *name, const char *task, const char *spec_json,
			   const char *metrics_json, bytea *weights, bool deploy)
{
	Oid			types[5] = {TEXTOID, TEXTOID, JSONBOID, JSONBOID, BYTEAOID};
	Datum		values[5];
	bool		isnull;
	int32		version;

	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(task);
	values[2] = DirectFunctionCall1(jsonb_in, CStringGetDatum(spec_json));
	values[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum(metrics_json));
	values[4] = PointerGetDatum(weights);

	SPI_connect();

	/* Two trainings of one name at once must not pick the same version. */
	RunQuery("SELECT pg_catalog.pg_advisory_xact_lock("
			 "pg_catalog.hashtext('mktai.models'), pg_catalog.hashtext($1))",
			 1, types, values, false);
	RunQuery("INSERT INTO mktai.models "
			 "(name, version, task, spec, metrics, weights) "
			 "SELECT $1, COALESCE(pg_catalog.max(m.version), 0) "
			 "OPERATOR(pg_catalog.+) 1, $2, $3, $4, $5 "
			 "FROM mktai.models m WHERE m.name OPERATOR(pg_catalog.=) $1 "
			 "RETURNING version",
			 5, types, values, false);
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
										  SPI_tuptable->tupdesc, 1, &isnull));
	if (deploy)
	{
		Oid			dtypes[2] = {TEXTOID, INT4OID};
		Datum		dvalues[2] = {values[0], Int32GetDatum(version)};

		RunQuery("SELECT mktai.deploy($1, $2)", 2, dtypes, dvalues, false);
	}
	SPI_finish();
	return version;
}

bytea *
RegistryFetchWeights(const char *name, int32 *version)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(*version)};
	bool		isnull;
	bytea	   *weights;

	SPI_connect();
	if (RunQuery("SELECT m.version, m.weights FROM mktai.models m "
				 "WHERE m.name OPERATOR(pg_catalog.=) $1 AND "
				 "CASE WHEN $2 OPERATOR(pg_catalog.=) 0 THEN m.deployed "
				 "ELSE m.version OPERATOR(pg_catalog.=) $2 END",
				 2, types, values, true) == 0)
	{
		bool		exists = RunQuery("SELECT 1 FROM mktai.models m "
									  "WHERE m.name OPERATOR(pg_catalog.=) $1",
									  1, types, values, true) > 0;

		if (exists && *version == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model \"%s\" has no deployed version", name),
					 errhint("Deploy one with mktai.deploy('%s', <version>).", name)));
		ModelNotFound(name, exists ? *version : 0);
	}
	*version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
	MemoryContextSwitchTo(caller);
	weights = DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 2,
											   &isnull));
	SPI_finish();
	return weights;
}

Jsonb *
RegistryLatestSpec(const char *name)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	bool		isnull;
	Jsonb	   *spec;

	SPI_connect();
	if (RunQuery("SELECT m.spec FROM mktai.models m "
				 "WHERE m.name OPERATOR(pg_catalog.=) $1 "
				 "ORDER BY m.version DESC LIMIT 1",
				 1, types, values, true) == 0)
		ModelNotFound(name, 0);
	MemoryContextSwitchTo(caller);
	spec = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1,
											&isnull));
	SPI_finish();
	return spec;
}
