/*
 * NAME
 *   engine_opendkim_none.c - stands in for engine_opendkim.c when meson did
 *                            not find libopendkim (Debian libopendkim-dev)
 *
 * SUMMARY
 *   engine_opendkim_built() is false and engine_opendkim_new() fails with a
 *   reason, so "signet-bench engine" measures signet alone and leaves
 *   ratio_to_opendkim null.
 *
 * UNTRUSTED INPUT
 *   None.
 */
#include <stdio.h>

#include "engine.h"

bool engine_opendkim_built(void)
{
	return false;
}

struct engine_opendkim *engine_opendkim_new(const struct engine_setup *setup,
					    const struct engine_corpus *corpus, char *why)
{
	snprintf(why, ENGINE_WHY_MAX, "built without libopendkim (install libopendkim-dev, "
		 "then meson setup --reconfigure)");
	return NULL;
}

void engine_opendkim_free(struct engine_opendkim *o)
{
}

struct engine_signer engine_opendkim_signer(struct engine_opendkim *o)
{
	return (struct engine_signer){ NULL, NULL, NULL };
}

bool engine_opendkim_check(struct engine_opendkim *o, size_t n, char *why)
{
	snprintf(why, ENGINE_WHY_MAX, "built without libopendkim");
	return false;
}
