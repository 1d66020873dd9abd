/*
 * model_cache.c
 *		A backend-local cache of deployed models, kept coherent by relcache
 *		invalidation of mktai.models.
 *
 * Decoding a model costs a query and a checksum, so each backend keeps the
 * deployed version of every model it has used, keyed by name.  A statement
 * trigger on mktai.models (mktai_models_changed) queues a relcache
 * invalidation of the table whenever a row changes; at commit it reaches
 * every backend, whose callback marks all entries stale, and the next call
 * loads the model again.  A stale model stays alive while a running query
 * holds a pin on it, so a deploy never pulls weights from under a scan.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "model_cache.h"
#include "registry.h"

/* Before PostgreSQL 14, string keys were the default of HASH_ELEM. */
#if PG_VERSION_NUM >= 140000
#define MKTAI_HASH_STRINGS HASH_STRINGS
#else
#define MKTAI_HASH_STRINGS 0
#endif

typedef struct CacheEntry
{
	char		name[NAMEDATALEN];	/* hash key */
	ModelHandle *handle;
	bool		valid;
} CacheEntry;

static HTAB *model_cache = NULL;

/* Bumped by every invalidation, to detect one that arrives during a load. */
static uint64 cache_generation = 0;

static void
InvalidateModels(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	CacheEntry *entry;

	if (OidIsValid(relid) && relid != RegistryKnownRelid())
		return;
	if (!OidIsValid(relid))
		RegistryForgetRelid();
	cache_generation++;
	hash_seq_init(&status, model_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
		entry->valid = false;
}

static void
InitModelCache(void)
{
	HASHCTL		ctl;

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(CacheEntry);
	ctl.hcxt = CacheMemoryContext;
	model_cache = hash_create("mktai model cache", 16, &ctl,
							  HASH_ELEM | HASH_CONTEXT | MKTAI_HASH_STRINGS);
	CacheRegisterRelcacheCallback(InvalidateModels, (Datum) 0);
}

/*
 * Named pointers into the decoded parameters: a sequence model's block
 * holds its recurrent layers, then its head.
 */
static void
BindParams(ModelHandle *handle)
{
	MkModel    *model = &handle->model;
	float	   *head = model->params;

	if (model->rnn.n_layers > 0)
	{
		mk_rnn_bind(&handle->rnn_params, model->params, &model->rnn);
		head += mk_rnn_num_params(&model->rnn);
	}
	if (model->mlp.n_dense > 0)
		mk_mlp_bind(&handle->params, head, &model->mlp);
}

ModelHandle *
ModelDecode(bytea *weights, const char *what, int sqlstate, const char *hint)
{
	MemoryContext mcxt = AllocSetContextCreate(CurrentMemoryContext,
											   "mktai model",
											   ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	ModelHandle *handle = palloc0(sizeof(ModelHandle));
	char		errbuf[256];

	handle->mcxt = mcxt;
	if (!mk_model_read((const uint8_t *) VARDATA_ANY(weights),
					   VARSIZE_ANY_EXHDR(weights), &handle->model,
					   errbuf, sizeof(errbuf)))
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("%s is not a valid mktai model", what),
				 errdetail("%s", errbuf),
				 errhint("%s", hint)));
	BindParams(handle);
	MemoryContextSwitchTo(old);
	return handle;
}

/* Loads the deployed version of name; the handle lives under TopMemoryContext. */
static ModelHandle *
LoadModel(const char *name)
{
	int32		version = 0;
	bytea	   *weights;
	char	   *what;
	ModelHandle *handle;

	(void) RegistryRelid();		/* so that invalidations can be matched */
	weights = RegistryFetchWeights(name, &version);
	what = psprintf("version %d of model \"%s\"", version, name);
	handle = ModelDecode(weights, what, ERRCODE_DATA_CORRUPTED,
						 "Retrain the model, or import an intact copy of it.");
	strlcpy(handle->name, name, NAMEDATALEN);
	handle->version = version;
	handle->current = true;
	MemoryContextSetIdentifier(handle->mcxt, handle->name);
	MemoryContextSetParent(handle->mcxt, CacheMemoryContext);
	pfree(weights);
	pfree(what);
	return handle;
}

static void
ReleaseModel(void *arg)
{
	ModelHandle *handle = (ModelHandle *) arg;

	handle->pins--;
	if (handle->pins == 0 && !handle->current)
		MemoryContextDelete(handle->mcxt);
}

static void
RetireModel(ModelHandle *handle)
{
	handle->current = false;
	if (handle->pins == 0)
		MemoryContextDelete(handle->mcxt);
}

ModelHandle *
ModelAcquire(const char *name, MemoryContext owner)
{
	CacheEntry *entry;
	bool		found;
	MemoryContextCallback *cb;
	ModelHandle *handle;

	CheckModelName(name);
	if (model_cache == NULL)
		InitModelCache();

	entry = hash_search(model_cache, name, HASH_ENTER, &found);
	if (!found)
	{
		entry->handle = NULL;
		entry->valid = false;
	}
	if (!entry->valid)
	{
		uint64		generation = cache_generation;
		ModelHandle *fresh = LoadModel(name);

		/* The load may have processed invalidations; look the entry up again. */
		entry = hash_search(model_cache, name, HASH_ENTER, &found);
		if (found && entry->handle != NULL)
			RetireModel(entry->handle);
		entry->handle = fresh;
		entry->valid = (generation == cache_generation);
	}

	handle = entry->handle;
	handle->pins++;
	cb = MemoryContextAlloc(owner, sizeof(MemoryContextCallback));
	cb->func = ReleaseModel;
	cb->arg = handle;
	MemoryContextRegisterResetCallback(owner, cb);
	return handle;
}

PG_FUNCTION_INFO_V1(mktai_models_changed);

/*
 * Statement trigger on mktai.models: tells every backend, at commit, that
 * its cached models may be stale.
 */
Datum
mktai_models_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("mktai_models_changed must be called as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	PG_RETURN_POINTER(NULL);
}
