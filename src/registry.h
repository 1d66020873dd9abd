/*
 * registry.h
 *		Reading and writing the model registry table, mktai.models.
 */
#ifndef MKTAI_REGISTRY_H
#define MKTAI_REGISTRY_H

#include "postgres.h"

#include "utils/jsonb.h"

/* Longest model name, in bytes (an identifier's length). */
#define MODEL_NAME_MAX (NAMEDATALEN - 1)

/* ERRORs unless name is a usable model name. */
extern void CheckModelName(const char *name);

/* The OID of mktai.models, looked up on first use. */
extern Oid	RegistryRelid(void);

/*
 * The OID found by RegistryRelid(), or InvalidOid; no catalog access, so
 * invalidation callbacks may call it.  RegistryForgetRelid() drops it, for
 * when the extension may have been dropped and created again.
 */
extern Oid	RegistryKnownRelid(void);
extern void RegistryForgetRelid(void);

/*
 * Stores a new version of a model and returns its number; deploys it when
 * asked.  Runs in the caller's transaction, so an error later on leaves
 * nothing behind.
 */
extern int32 RegistryInsert(const char *name, const char *task,
							const char *spec_json, const char *metrics_json,
							bytea *weights, bool deploy);

/*
 * The weights of a model version (version 0: the deployed one), copied into
 * the current memory context; *version receives the version found.  ERRORs
 * when there is no such model or version.
 */
extern bytea *RegistryFetchWeights(const char *name, int32 *version);

/* The training spec of the newest version of a model. */
extern Jsonb *RegistryLatestSpec(const char *name);

#endif							/* MKTAI_REGISTRY_H */
