/*
 * NAME
 *   backend_evp_load.c - loading OpenSSL ENGINEs and providers for the evp
 *                        backend's engine:ID and provider:NAME variants
 *
 * SUMMARY
 *   evp_engine_start: ENGINE_by_id + ENGINE_init, refused unless the engine
 *   offers an RSA method; evp_engine_rsa_copy: an RSA key object made with
 *   the engine's method from exported key numbers (held in BN_secure_new
 *   numbers), so signing with it runs in the engine.
 *   evp_provider_start: a new library context with provider NAME (and
 *   "default" beside it), refused unless NAME offers RSA key management and
 *   RSA signatures; evp_provider_import: a key re-imported there.
 *   The reasons given for a failure say what is missing and how to
 *   install it (Intel QAT engine / provider, Debian's pkcs11 engine), and
 *   name the directory OpenSSL searched ($OPENSSL_ENGINES /
 *   $OPENSSL_MODULES, else OpenSSL's built-in directory).
 *
 * UNTRUSTED INPUT
 *   ID and NAME (from the backend spec): length-checked by the caller,
 *   passed to OpenSSL as names.
 */

/* System library. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* OpenSSL. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>

/* Crypto layer. */
#include "backend_evp_load.h"

/* snprintf for reasons (a long reason is cut, which is fine). */
void evp_say(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

/* Where OpenSSL looks for engines or providers: the environment variable,
 * else the built-in directory (OpenSSL_version gives it as NAME: "DIR"). */
static const char *ossl_dir(const char *env, int which, char *out, size_t cap)
{
	const char *v = getenv(env), *q;
	size_t n;

	if (v != NULL && *v != '\0')
		return v;
	v = OpenSSL_version(which);
	q = strchr(v, '"');
	if (q == NULL)
		return v;
	n = strcspn(q + 1, "\"");
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), q + 1);
	return out;
}

/*
 * ENGINE support. OpenSSL 3 deprecates the ENGINE API (and the RSA object
 * API it needs) in favour of providers, but hardware vendors still ship
 * engines (Intel's qatengine), so signet keeps using it here, and only
 * here: the deprecation warnings are silenced for this block alone.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* Why ENGINE_by_id found nothing, with how to get the engine. */
static void engine_missing(const char *id, const char *reason, char *why, size_t cap)
{
	char dir[PATH_MAX], so[PATH_MAX + VARIANT_ARG_MAX];
	const char *hint = strcmp(id, "qatengine") == 0 ?
		"install Intel's QAT engine (the QAT_Engine project, built against the QAT "
		"driver) so that qatengine.so is in that directory" :
		strcmp(id, "pkcs11") == 0 ? "install the Debian package libengine-pkcs11-openssl" :
		"install the engine's shared object there or set OPENSSL_ENGINES";

	snprintf(so, sizeof(so), "%s/%s.so",
		 ossl_dir("OPENSSL_ENGINES", OPENSSL_ENGINES_DIR, dir, sizeof(dir)), id);
	if (access(so, F_OK) == 0)
		evp_say(why, cap, "%s is installed but does not load (%s)", so, reason);
	else
		evp_say(why, cap, "no built-in engine \"%s\" and no %s (%s)", id, so, hint);
}

/* Functional reference on engine ID that offers an RSA method, or NULL. */
ENGINE *evp_engine_start(const char *id, char *why, size_t cap)
{
	unsigned long e;
	ENGINE *eng;

	eng = ENGINE_by_id(id);
	if (eng == NULL) {
		e = ERR_peek_error();	/* the first error: why the load failed */
		engine_missing(id, e ? ERR_reason_error_string(e) : "no reason", why, cap);
		ERR_clear_error();
		return NULL;
	}
	if (ENGINE_init(eng) != 1) {
		e = ERR_peek_last_error();
		evp_say(why, cap, "engine found but does not start (%s); are its device and "
		    "driver present?", e ? ERR_reason_error_string(e) : "no reason");
		ERR_clear_error();
		ENGINE_free(eng);
		return NULL;
	}
	ENGINE_free(eng);		/* keep the functional reference only */
	if (ENGINE_get_RSA(eng) == NULL) {
		evp_say(why, cap, "engine \"%s\" offers no RSA method (signet uses engines for "
		    "RSA signing)", id);
		ENGINE_finish(eng);
		return NULL;
	}
	return eng;
}

void evp_engine_stop(ENGINE *eng)
{
	ENGINE_finish(eng);
}

/* Copies the RSA numbers of params into an RSA object run by eng. */
EVP_PKEY *evp_engine_rsa_copy(ENGINE *eng, const OSSL_PARAM *params)
{
	static const char *const names[8] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	BIGNUM *bn[8] = { NULL };
	EVP_PKEY *pkey = NULL;
	RSA *rsa = NULL;
	size_t i;

	for (i = 0; i < 8; i++) {
		const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, names[i]);

		bn[i] = BN_secure_new();
		if (bn[i] == NULL || p == NULL || OSSL_PARAM_get_BN(p, &bn[i]) != 1)
			goto fail;
	}
	rsa = RSA_new_method(eng);
	if (rsa == NULL || RSA_set0_key(rsa, bn[0], bn[1], bn[2]) != 1)
		goto fail;
	bn[0] = bn[1] = bn[2] = NULL;
	if (RSA_set0_factors(rsa, bn[3], bn[4]) != 1)
		goto fail;
	bn[3] = bn[4] = NULL;
	if (RSA_set0_crt_params(rsa, bn[5], bn[6], bn[7]) != 1)
		goto fail;
	bn[5] = bn[6] = bn[7] = NULL;
	pkey = EVP_PKEY_new();
	if (pkey == NULL || EVP_PKEY_assign_RSA(pkey, rsa) != 1)
		goto fail;
	return pkey;
fail:
	EVP_PKEY_free(pkey);
	RSA_free(rsa);
	for (i = 0; i < 8; i++)
		BN_clear_free(bn[i]);
	return NULL;
}

#pragma GCC diagnostic pop

/* Why provider NAME is unusable, or "" when it signs RSA in libctx. */
static void provider_check(OSSL_LIB_CTX *libctx, const char *name, char *why, size_t cap)
{
	char must[VARIANT_ARG_MAX + 16];
	EVP_SIGNATURE *sig;
	EVP_KEYMGMT *km;

	snprintf(must, sizeof(must), "provider=%s", name);
	sig = EVP_SIGNATURE_fetch(libctx, "RSA", must);
	km = EVP_KEYMGMT_fetch(libctx, "RSA", must);
	if (sig == NULL || km == NULL)
		evp_say(why, cap, "provider \"%s\" offers no RSA %s (signet needs RSA PKCS#1 "
		    "v1.5 signing from it)", name, sig ? "key management" : "signature");
	else
		why[0] = '\0';
	EVP_SIGNATURE_free(sig);
	EVP_KEYMGMT_free(km);
	ERR_clear_error();
}

/* Loads provider NAME (and "default" beside it) into a new library context. */
bool evp_provider_start(struct evp_provider *eb, const char *name, char *why, size_t cap)
{
	char dir[PATH_MAX];
	EVP_SIGNATURE *ed;

	eb->libctx = OSSL_LIB_CTX_new();
	if (eb->libctx == NULL) {
		evp_say(why, cap, "cannot make a library context");
		return false;
	}
	eb->provider = OSSL_PROVIDER_load(eb->libctx, name);
	if (eb->provider == NULL) {
		ERR_clear_error();
		evp_say(why, cap, "no built-in provider \"%s\" and no %s/%s.so (install it, e.g. "
		    "Intel's QAT provider, qatprovider, from the QAT_Engine project; or set "
		    "OPENSSL_MODULES)", name,
		    ossl_dir("OPENSSL_MODULES", OPENSSL_MODULES_DIR, dir, sizeof(dir)), name);
		return false;
	}
	if (strcmp(name, "default") != 0) {
		eb->fallback = OSSL_PROVIDER_load(eb->libctx, "default");
		if (eb->fallback == NULL) {
			ERR_clear_error();
			evp_say(why, cap, "cannot load the default provider beside it");
			return false;
		}
	}
	provider_check(eb->libctx, name, why, cap);
	if (why[0] != '\0')
		return false;
	snprintf(eb->propq, sizeof(eb->propq), "?provider=%s", name);
	snprintf(why, cap, "provider=%s", name);
	ed = EVP_SIGNATURE_fetch(eb->libctx, "ED25519", why);
	eb->own_ed25519 = ed != NULL;
	EVP_SIGNATURE_free(ed);
	ERR_clear_error();
	why[0] = '\0';
	return true;
}

void evp_provider_stop(struct evp_provider *eb)
{
	if (eb->libctx == NULL)
		return;
	if (eb->fallback != NULL)
		OSSL_PROVIDER_unload(eb->fallback);
	if (eb->provider != NULL)
		OSSL_PROVIDER_unload(eb->provider);
	OSSL_LIB_CTX_free(eb->libctx);
}

/* The key re-imported into the provider's library context. */
EVP_PKEY *evp_provider_import(const struct evp_provider *p, const char *type,
			      const OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(p->libctx, type, p->propq);
	EVP_PKEY *pkey = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, (OSSL_PARAM *)params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}
