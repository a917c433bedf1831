/*
 * NAME
 *   engine_verify.c - the engine benchmark's correctness guard: a signed
 *                     message must verify with signet's verifier
 *
 * SUMMARY
 *   engine_verify_message feeds the signature field and then the original
 *   message to sg_verifier (OpenSSL public-key ops, policy time = t= + 60 s)
 *   with a key lookup that answers the run's DKIM record for
 *   ENGINE_SELECTOR._domainkey.ENGINE_DOMAIN and NXDOMAIN for anything
 *   else. Exactly one signature must be found, by ENGINE_DOMAIN, and pass;
 *   otherwise why says what the verifier found.
 *
 * UNTRUSTED INPUT
 *   The message and the signature field (from the signer under test);
 *   parsed by the verifier within sg_limits_default.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "hash_evp.h"
#include "pubkey_evp.h"
#include "verifier.h"

static enum sg_lookup_status lookup_record(void *env, const char *name, char *txt, size_t cap,
					   char *why, size_t why_cap)
{
	const struct engine_setup *setup = env;

	if (strcmp(name, ENGINE_SELECTOR "._domainkey." ENGINE_DOMAIN) != 0) {
		snprintf(why, why_cap, "no record for %s", name);
		return SG_LOOKUP_NOTFOUND;
	}
	if (strlen(setup->record) >= cap) {
		snprintf(why, why_cap, "record longer than %zu bytes", cap);
		return SG_LOOKUP_INVALID;
	}
	strcpy(txt, setup->record);
	return SG_LOOKUP_OK;
}

/* Why the single result is not a pass (or there is not exactly one). */
static bool judge(const struct sg_verifier *v, char *why)
{
	const struct sg_sig_result *r;

	if (sg_verifier_count(v) != 1) {
		snprintf(why, ENGINE_WHY_MAX, "%zu signatures found, 1 expected",
			 sg_verifier_count(v));
		return false;
	}
	r = sg_verifier_result(v, 0);
	if (r->result != SG_RES_PASS || strcmp(r->domain, ENGINE_DOMAIN) != 0) {
		snprintf(why, ENGINE_WHY_MAX, "dkim=%s d=%.200s (%.200s)", sg_result_name(r->result),
			 r->domain, r->reason);
		return false;
	}
	return true;
}

bool engine_verify_message(const struct engine_setup *setup, const char *sig_header,
			   size_t sig_len, const char *msg, size_t msg_len, char *why)
{
	struct sg_key_lookup lookup = { lookup_record, (void *)setup };
	struct sg_verify_policy policy;
	struct sg_error err = { 0 };
	struct sg_verifier *v;
	struct sg_limits lim;
	bool ok;

	sg_limits_default(&lim);
	sg_verify_policy_default(&policy, setup->timestamp + 60);
	v = sg_verifier_new(sg_hash_evp(), sg_pubkey_evp(), &lookup, &policy, &lim, false);
	if (v == NULL) {
		snprintf(why, ENGINE_WHY_MAX, "out of memory");
		return false;
	}
	ok = sg_verifier_feed(v, sig_header, sig_len, &err) == SG_OK &&
	     sg_verifier_feed(v, msg, msg_len, &err) == SG_OK &&
	     sg_verifier_finish(v, &err) == SG_OK;
	if (!ok)
		snprintf(why, ENGINE_WHY_MAX, "verifier: %s", err.msg);
	else
		ok = judge(v, why);
	sg_verifier_free(v);
	return ok;
}
