/*
 * NAME
 *   dp_scope.c - scope choice and domain normalization (see dp_scope.h)
 *
 * UNTRUSTED INPUT
 *   Domains from mail headers: bounded with strnlen, validated.
 */

/* System library. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Engine and config. */
#include "domain.h"
#include "dp_scope.h"

#define DOMAIN_MAX 253

static bool has_entry(const struct sg_sign_scope *s, const char *domain)
{
	for (size_t i = 0; i < s->ndomains; i++) {
		if (strcasecmp(s->domains[i].domain, domain) == 0)
			return true;
	}
	return false;
}

const struct sg_sign_scope *dp_scope_for(const struct sg_config *conf, enum sg_sigkind kind,
					 const char *domain)
{
	const struct sg_sign_scope *first = NULL, *any = NULL;

	if (conf == NULL)
		return NULL;
	for (size_t i = 0; i < conf->nscopes; i++) {
		const struct sg_sign_scope *s = &conf->scopes[i];

		if (s->kind != kind)
			continue;
		if (domain != NULL && has_entry(s, domain))
			return s;
		if (first == NULL)
			first = s;
		if (any == NULL && s->opt.selector[0] != '\0')
			any = s;
	}
	return any ? any : first;
}

bool dp_domain_normalize(const char *in, char *out, size_t cap)
{
	size_t len;

	if (in == NULL || cap < DOMAIN_MAX + 1)
		return false;
	len = strnlen(in, DOMAIN_MAX + 2);
	if (len > 1 && in[len - 1] == '.')
		len--;
	if (len > DOMAIN_MAX || !sg_domain_valid(in, len))
		return false;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)in[i]);	/* ASCII: C locale */
	out[len] = '\0';
	return true;
}
