/*
 * NAME
 *   config_values.c - checking and storing keyword values (see
 *                     config_values.h)
 *
 * SUMMARY
 *   One checker per value type. Numbers are plain decimal (no sign, no
 *   leading '+', no hex), optionally with a unit suffix for sizes (k M G,
 *   times 1024) and durations (us ms s m h d w); a duration must be a
 *   whole number of the keyword's unit ("90m" is not a lifetime in hours).
 *   Enumerations and booleans are ASCII case-blind. Strings must fit the
 *   field; paths must fit once resolved.
 *
 * UNTRUSTED INPUT
 *   Values from the configuration file. Arithmetic is checked for
 *   overflow; nothing is written to a field before its value passed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_values.h"
#include "domain.h"
#include "headerlist.h"
#include "lex.h"

struct checked {
	const struct sg_conf_store *st;
	const struct sg_conf_keyword *kw;
	const struct sg_conf_value *v;
	void *field;
	char quoted[SG_CONF_QUOTE_CAP];	/* the value, fit for a message */
};

/* Error at decoded byte 'at' of the value. */
static enum sg_err fail_at(const struct checked *c, size_t at, enum sg_err code,
			   const char *why)
{
	struct sg_conf_pos pos = sg_conf_pos_advance(c->st->src, c->v->pos, c->v->quoted, at);

	return sg_conf_error(c->st->err, c->st->src, pos, code, "%s: %s", c->kw->name, why);
}

static enum sg_err fail(const struct checked *c, const char *fmt, ...) SG_PRINTF(2, 3);

static enum sg_err fail(const struct checked *c, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return fail_at(c, 0, SG_E_SYNTAX, why);
}

static enum sg_err fail_range(const struct checked *c, const char *unit)
{
	char why[200];

	snprintf(why, sizeof(why), "%s is out of range (%llu..%llu%s%s)", c->quoted,
		 (unsigned long long)c->kw->min, (unsigned long long)c->kw->max,
		 *unit ? " " : "", unit);
	return fail_at(c, 0, SG_E_LIMIT, why);
}

/* Leading decimal digits of s into *out; returns how many. A number past
 * UINT64_MAX sets *overflow. */
static size_t leading_number(const char *s, uint64_t *out, bool *overflow)
{
	uint64_t v = 0;
	size_t i;

	*overflow = false;
	for (i = 0; sg_lex_is_digit((unsigned char)s[i]); i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			*overflow = true;
		else
			v = v * 10 + d;
	}
	*out = v;
	return i;
}

static void store_uint(const struct checked *c, uint64_t v)
{
	if (c->kw->size == sizeof(uint32_t)) {
		uint32_t v32 = (uint32_t)v;

		memcpy(c->field, &v32, sizeof(v32));
	} else {
		memcpy(c->field, &v, sizeof(v));
	}
}

static enum sg_err in_range(const struct checked *c, uint64_t v, const char *unit)
{
	if (v < c->kw->min || v > c->kw->max)
		return fail_range(c, unit);
	store_uint(c, v);
	return SG_OK;
}

static enum sg_err check_int(const struct checked *c)
{
	uint64_t v;
	bool overflow;
	size_t n = leading_number(c->v->text, &v, &overflow);

	if (n == 0 || c->v->text[n] != '\0')
		return fail(c, "expected a whole number, got \"%s\"", c->quoted);
	if (overflow)
		return fail_range(c, "");
	return in_range(c, v, "");
}

static enum sg_err check_size(const struct checked *c)
{
	const char *t = c->v->text;
	uint64_t v, mult = 1;
	bool overflow;
	size_t n = leading_number(t, &v, &overflow);

	if (n > 0 && t[n] != '\0' && t[n + 1] == '\0') {
		unsigned char s = sg_lex_lower((unsigned char)t[n]);

		mult = s == 'k' ? 1024 : s == 'm' ? 1024 * 1024 : s == 'g' ? 1024 * 1024 * 1024 : 0;
	}
	if (n == 0 || mult == 0 || (t[n] != '\0' && t[n + 1] != '\0'))
		return fail(c, "expected a size in bytes such as 65536, 512k or 50M, got \"%s\"",
			    c->quoted);
	if (overflow || v > UINT64_MAX / mult)
		return fail_range(c, "bytes");
	return in_range(c, v * mult, "bytes");
}

static const struct {
	const char *suffix;
	uint64_t us;
} duration_units[] = {
	{ "us", 1 }, { "ms", 1000 }, { "s", 1000000 }, { "m", UINT64_C(60000000) },
	{ "h", UINT64_C(3600000000) }, { "d", UINT64_C(86400000000) },
	{ "w", UINT64_C(604800000000) },
};

static uint64_t unit_us(enum sg_conf_unit u)
{
	return u == SG_UNIT_MICROSECONDS ? 1 : u == SG_UNIT_SECONDS ? 1000000 :
	       UINT64_C(3600000000);
}

const char *sg_conf_unit_name(enum sg_conf_unit u)
{
	switch (u) {
	case SG_UNIT_MICROSECONDS: return "microseconds";
	case SG_UNIT_SECONDS: return "seconds";
	case SG_UNIT_HOURS: return "hours";
	case SG_UNIT_NONE: break;
	}
	return "";
}

static enum sg_err check_duration(const struct checked *c)
{
	const char *t = c->v->text;
	uint64_t v, per = 0, total;
	bool overflow;
	size_t n = leading_number(t, &v, &overflow);

	if (n > 0 && overflow)
		return fail_range(c, sg_conf_unit_name(c->kw->unit));
	if (n > 0 && t[n] == '\0')
		return in_range(c, v, sg_conf_unit_name(c->kw->unit));
	for (size_t i = 0; n > 0 && i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		if (sg_lex_eq_nocase(t + n, strlen(t + n), duration_units[i].suffix))
			per = duration_units[i].us;
	}
	if (per == 0)
		return fail(c, "expected a duration such as 300, 90s, 5m, 12h or 7d, got \"%s\"",
			    c->quoted);
	if (v > UINT64_MAX / per)
		return fail_range(c, sg_conf_unit_name(c->kw->unit));
	total = v * per;
	if (total % unit_us(c->kw->unit) != 0)
		return fail(c, "%s is not a whole number of %s", c->quoted,
			    sg_conf_unit_name(c->kw->unit));
	return in_range(c, total / unit_us(c->kw->unit), sg_conf_unit_name(c->kw->unit));
}

static enum sg_err check_bool(const struct checked *c)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const char *t = c->v->text;
	size_t n = strlen(t);

	for (size_t i = 0; i < 3; i++) {
		if (sg_lex_eq_nocase(t, n, yes[i]) || sg_lex_eq_nocase(t, n, no[i])) {
			*(bool *)c->field = sg_lex_eq_nocase(t, n, yes[i]);
			return SG_OK;
		}
	}
	return fail(c, "expected true or false (or yes/no, on/off), got \"%s\"", c->quoted);
}

static enum sg_err check_enum(const struct checked *c)
{
	const char *t = c->v->text, *near;
	char list[120] = "";
	size_t n = strlen(t);
	int value;

	for (size_t i = 0; c->kw->values[i] != NULL; i++) {
		if (sg_lex_eq_nocase(t, n, c->kw->values[i]) && c->kw->to_enum(t, n, &value)) {
			memcpy(c->field, &value, sizeof(value));
			return SG_OK;
		}
	}
	near = sg_conf_suggest_word(t, c->kw->values);
	if (near != NULL)
		return fail(c, "unknown value \"%s\" (did you mean \"%s\"?)", c->quoted, near);
	for (size_t i = 0; c->kw->values[i] != NULL; i++) {
		size_t len = strlen(list);

		snprintf(list + len, sizeof(list) - len, "%s%s", i == 0 ? "" :
			 c->kw->values[i + 1] == NULL ? " or " : ", ", c->kw->values[i]);
	}
	return fail(c, "unknown value \"%s\" (expected %s)", c->quoted, list);
}

static enum sg_err fits(const struct checked *c)
{
	char why[80];

	if (strlen(c->v->text) < c->kw->size)
		return SG_OK;
	snprintf(why, sizeof(why), "longer than %zu bytes", c->kw->size - 1);
	return fail_at(c, 0, SG_E_LIMIT, why);
}

static enum sg_err store_text(const struct checked *c)
{
	enum sg_err rc = fits(c);

	if (rc == SG_OK)
		memcpy(c->field, c->v->text, strlen(c->v->text) + 1);
	return rc;
}

enum sg_err sg_conf_resolve_path(const char *dir, const char *path, char *out, size_t cap)
{
	int n;

	if (path[0] == '/') {
		n = snprintf(out, cap, "%s", path);
	} else {
		while (path[0] == '.' && path[1] == '/')
			path += 2;
		n = snprintf(out, cap, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" :
			     "/", path);
	}
	return n >= 0 && (size_t)n < cap ? SG_OK : SG_E_LIMIT;
}

static enum sg_err check_path(const struct checked *c)
{
	size_t max = c->kw->max ? (size_t)c->kw->max : c->kw->size - 1;
	char resolved[SG_CONF_PATH_MAX * 2], why[200];

	if (sg_conf_resolve_path(c->st->dir, c->v->text, resolved, sizeof(resolved)) != SG_OK ||
	    strlen(resolved) > max) {
		snprintf(why, sizeof(why), "longer than %zu bytes once resolved against %s", max,
			 c->v->text[0] == '/' ? "/" : c->st->dir);
		return fail_at(c, 0, SG_E_LIMIT, why);
	}
	memcpy(c->field, resolved, strlen(resolved) + 1);
	return SG_OK;
}

static enum sg_err check_key_template(const struct checked *c)
{
	const char *t = c->v->text;
	bool has_d = false, has_s = false;

	for (size_t i = 0; t[i] != '\0'; i++) {
		if (t[i] != '%')
			continue;
		if (strncmp(t + i, "%{d}", 4) == 0) {
			has_d = true;
		} else if (strncmp(t + i, "%{s}", 4) == 0) {
			has_s = true;
		} else {
			return fail_at(c, i, SG_E_SYNTAX, "unknown placeholder (a '%' starts "
				       "%{d}, the domain, or %{s}, the selector)");
		}
		i += 3;
	}
	if (has_s && !has_d && (c->st->scope & (SG_SC_DKIM | SG_SC_DK)))
		return fail_at(c, 0, SG_E_SYNTAX, "%{s} without %{d} would give every domain "
			       "the same key files; add %{d} or set it in a dk_domain");
	return check_path(c);
}

static enum sg_err check_domain(const struct checked *c, bool selector)
{
	const char *t = c->v->text;
	bool ok = selector ? sg_selector_valid(t, strlen(t)) : sg_domain_valid(t, strlen(t));

	if (!ok)
		return fail(c, "\"%s\" is not a %s", c->quoted, selector ?
			    "selector (labels of letters, digits and '-', joined by dots)" :
			    "domain name");
	return store_text(c);
}

/* The domain part of an identity is a domain, %{d}, or LABELS.%{d}. */
static bool identity_domain_valid(const char *dom)
{
	size_t n = strlen(dom);

	if (strcmp(dom, "%{d}") == 0)
		return true;
	if (n > 5 && strcmp(dom + n - 5, ".%{d}") == 0)
		return sg_selector_valid(dom, n - 5);
	return sg_domain_valid(dom, n);
}

static bool is_atext(unsigned char ch)
{
	return sg_lex_is_alpha(ch) || sg_lex_is_digit(ch) || ch >= 0x80 ||
	       (ch > 0x20 && ch < 0x7f && strchr("!#$%&'*+-/=?^_`{|}~.", ch) != NULL);
}

static enum sg_err check_identity(const struct checked *c)
{
	const char *t = c->v->text, *at = strchr(t, '@');

	if (at == NULL || strchr(at + 1, '@') != NULL || !identity_domain_valid(at + 1))
		return fail(c, "\"%s\" is not [local-part]@domain (the domain may be %%{d})",
			    c->quoted);
	for (const char *p = t; p < at; p++) {
		if (!is_atext((unsigned char)*p))
			return fail_at(c, (size_t)(p - t), SG_E_SYNTAX,
				       "character not allowed in the local part");
	}
	return store_text(c);
}

bool sg_conf_identity_within(const char *identity, const char *d)
{
	const char *at = strchr(identity, '@');
	size_t n;

	if (at == NULL)
		return true;	/* no identity */
	n = strlen(++at);
	if (strcmp(at, "%{d}") == 0 || (n > 5 && strcmp(at + n - 5, ".%{d}") == 0))
		return true;
	return sg_domain_within(at, n, d, strlen(d));
}

static enum sg_err check_headerlist(const struct checked *c)
{
	struct sg_headerlist hl;
	struct sg_error why;
	enum sg_err rc = fits(c);

	if (rc != SG_OK)
		return rc;
	sg_error_clear(&why);
	rc = sg_headerlist_parse(c->v->text, &hl, &why);
	if (rc != SG_OK)
		return sg_conf_error(c->st->err, c->st->src,
				     sg_conf_pos_advance(c->st->src, c->v->pos, c->v->quoted,
							 (size_t)why.offset), rc, "%s", why.msg);
	return store_text(c);
}

static enum sg_err check_group(const struct checked *c)
{
	const char *t = c->v->text;
	bool ok = sg_lex_is_alpha((unsigned char)t[0]) || t[0] == '_' ||
		  sg_lex_is_digit((unsigned char)t[0]);

	for (size_t i = 1; ok && t[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)t[i];

		ok = sg_lex_is_alpha(ch) || sg_lex_is_digit(ch) || ch == '_' || ch == '-' ||
		     ch == '.';
	}
	if (!ok || strlen(t) > 32)
		return fail(c, "\"%s\" is not a group name or number", c->quoted);
	return store_text(c);
}

static enum sg_err check_backend(const struct checked *c)
{
	static const char *const plain[] = { "auto", "evp", "ifma", "cryptodev" };
	static const char *const with_arg[] = { "cryptodev:", "engine:", "provider:" };
	const char *t = c->v->text;

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(t, plain[i]) == 0)
			return store_text(c);
	}
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(with_arg[i]);

		if (strncmp(t, with_arg[i], n) == 0 && t[n] != '\0')
			return store_text(c);
	}
	return fail(c, "unknown backend \"%s\" (expected auto, evp, ifma, cryptodev[:OPTIONS], "
		    "engine:ID or provider:NAME)", c->quoted);
}

static enum sg_err check_address(const struct checked *c)
{
	if (!sg_conf_address_valid(c->v->text))
		return fail(c, "expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got \"%s\"",
			    c->quoted);
	if (c->kw->loopback_only && !sg_conf_address_is_loopback(c->v->text))
		return fail(c, "\"%s\" is not a loopback address: %s only listens on "
			    "127.0.0.0/8 or [::1] (put a proxy in front to publish it)", c->quoted,
			    c->kw->name);
	return store_text(c);
}

static enum sg_err check_networks(const struct checked *c)
{
	char item[SG_CONF_QUOTE_CAP], why[200];
	size_t off, len;

	if (sg_conf_network_list_valid(c->v->text, &off, &len))
		return store_text(c);
	snprintf(item, sizeof(item), "%.*s", (int)(len < 48 ? len : 48), c->v->text + off);
	snprintf(why, sizeof(why), "\"%s\" is not an IP address or IP/PREFIX network", item);
	return fail_at(c, off, SG_E_SYNTAX, why);
}

static enum sg_err check_typed(const struct checked *c)
{
	switch (c->kw->type) {
	case SG_TYPE_STRING: return store_text(c);
	case SG_TYPE_PATH: return check_path(c);
	case SG_TYPE_KEY_TEMPLATE: return check_key_template(c);
	case SG_TYPE_INT: return check_int(c);
	case SG_TYPE_SIZE: return check_size(c);
	case SG_TYPE_DURATION: return check_duration(c);
	case SG_TYPE_BOOL: return check_bool(c);
	case SG_TYPE_ENUM: return check_enum(c);
	case SG_TYPE_ADDRESS: return check_address(c);
	case SG_TYPE_CIDR_LIST: return check_networks(c);
	case SG_TYPE_DOMAIN: return check_domain(c, false);
	case SG_TYPE_SELECTOR: return check_domain(c, true);
	case SG_TYPE_IDENTITY: return check_identity(c);
	case SG_TYPE_HEADERLIST: return check_headerlist(c);
	case SG_TYPE_GROUP: return check_group(c);
	case SG_TYPE_BACKEND: return check_backend(c);
	}
	return fail(c, "internal error: unknown type %d", (int)c->kw->type);
}

enum sg_err sg_conf_store_value(const struct sg_conf_store *st, const struct sg_conf_keyword *kw,
				const struct sg_conf_value *v, void *target)
{
	struct checked c = { .st = st, .kw = kw, .v = v, .field = (char *)target + kw->offset };

	sg_conf_quote(v->text, c.quoted);
	if (v->text[0] == '\0') {
		if (!kw->empty_ok)
			return fail(&c, "a value is required (\"\" is not allowed here)");
		memset(c.field, 0, kw->size);
		return SG_OK;
	}
	return check_typed(&c);
}

enum sg_err sg_conf_store_defaults(const struct sg_conf_store *st, enum sg_conf_target target,
				   void *obj)
{
	for (size_t i = 0; i < sg_conf_nkeywords; i++) {
		const struct sg_conf_keyword *kw = &sg_conf_keywords[i];
		struct sg_conf_value v = { .text = kw->def, .quoted = true };
		enum sg_err rc;

		if (kw->target != target || !(kw->scopes & st->scope))
			continue;
		rc = sg_conf_store_value(st, kw, &v, obj);
		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}
