/*
 * NAME
 *   cryptodev_opts.c - parse "cryptodev:ARG" and build the EAL argv
 *                      (see cryptodev_opts.h for the syntax)
 *
 * UNTRUSTED INPUT
 *   ARG: length-limited; each option is matched against a table, numbers
 *   are decimal without sign and range-checked, names are limited to
 *   CDEV_NAME_MAX - 1 printable bytes without spaces.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Crypto layer. */
#include "cryptodev_opts.h"

#define KNOWN_OPTS "dev, vdev, qp, burst, sessions, pad, eal"

/* One NAME=VALUE option, located in ARG for error messages. */
struct opt_text {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
	size_t offset;			/* byte offset of the option in ARG */
};

static bool name_is(const struct opt_text *t, const char *name)
{
	return t->name_len == strlen(name) && memcmp(t->name, name, t->name_len) == 0;
}

static enum sg_err bad(struct sg_error *err, const struct opt_text *t, const char *why)
{
	return sg_error_set(err, SG_E_SYNTAX, 0, t->offset,
			    "cryptodev option \"%.*s\" at byte %zu: %s", (int)t->name_len,
			    t->name, t->offset, why);
}

static enum sg_err parse_uint(const struct opt_text *t, unsigned lo, unsigned hi,
			      unsigned *out, struct sg_error *err)
{
	unsigned long v = 0;
	char why[96];

	if (t->value_len == 0 || t->value_len > 9)
		goto range;
	for (size_t i = 0; i < t->value_len; i++) {
		if (t->value[i] < '0' || t->value[i] > '9')
			goto range;
		v = v * 10 + (unsigned long)(t->value[i] - '0');
	}
	if (v < lo || v > hi)
		goto range;
	*out = (unsigned)v;
	return SG_OK;
range:
	snprintf(why, sizeof(why), "needs a number from %u to %u, got \"%.*s\"", lo, hi,
		 (int)(t->value_len > 20 ? 20 : t->value_len), t->value);
	return bad(err, t, why);
}

static enum sg_err parse_name(const struct opt_text *t, char *out, struct sg_error *err)
{
	if (t->value_len == 0)
		return bad(err, t, "needs a name");
	if (t->value_len >= CDEV_NAME_MAX)
		return bad(err, t, "name too long (at most 63 bytes)");
	for (size_t i = 0; i < t->value_len; i++) {
		unsigned char c = (unsigned char)t->value[i];

		if (c <= ' ' || c >= 0x7f)
			return bad(err, t, "name has a space or a non-printable byte");
	}
	memcpy(out, t->value, t->value_len);
	out[t->value_len] = '\0';
	return SG_OK;
}

static enum sg_err apply(const struct opt_text *t, struct cdev_opts *o, bool *sessions_set,
			 struct sg_error *err)
{
	if (name_is(t, "dev"))
		return parse_name(t, o->dev, err);
	if (name_is(t, "vdev"))
		return parse_name(t, o->vdev, err);
	if (name_is(t, "qp"))
		return parse_uint(t, CDEV_QP_MIN, CDEV_QP_MAX, &o->qp_size, err);
	if (name_is(t, "burst"))
		return parse_uint(t, 1, CDEV_QP_MAX, &o->burst, err);
	if (name_is(t, "sessions")) {
		*sessions_set = true;
		return parse_uint(t, CDEV_SESSIONS_MIN, CDEV_SESSIONS_MAX, &o->sessions, err);
	}
	if (name_is(t, "pad")) {
		if (t->value_len == 4 && memcmp(t->value, "host", 4) == 0)
			o->device_pads = false;
		else if (t->value_len == 6 && memcmp(t->value, "device", 6) == 0)
			o->device_pads = true;
		else
			return bad(err, t, "needs \"host\" or \"device\"");
		return SG_OK;
	}
	return bad(err, t, "unknown option (known: " KNOWN_OPTS ")");
}

/* Cross-option rules, checked once every option is read. */
static enum sg_err check_combination(struct cdev_opts *o, bool sessions_set,
				     struct sg_error *err)
{
	if ((o->qp_size & (o->qp_size - 1)) != 0)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0,
				    "cryptodev option qp=%u: must be a power of two", o->qp_size);
	if (o->burst > o->qp_size)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0,
				    "cryptodev option burst=%u: larger than qp=%u", o->burst,
				    o->qp_size);
	if (!sessions_set && o->sessions < o->qp_size)
		o->sessions = o->qp_size;
	if (o->sessions < o->qp_size)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0,
				    "cryptodev option sessions=%u: must be at least qp=%u (every "
				    "job held may use a different key)", o->sessions, o->qp_size);
	return SG_OK;
}

static void set_defaults(struct cdev_opts *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->vdev, sizeof(o->vdev), "%s", CDEV_VDEV_DEFAULT);
	o->qp_size = CDEV_QP_DEFAULT;
	o->burst = 0;			/* 0: CDEV_BURST_DEFAULT capped at qp */
	o->sessions = CDEV_SESSIONS_DEFAULT;
}

/* Reads the option starting at arg[pos] into t; returns where the next starts. */
static size_t next_option(const char *arg, size_t pos, struct opt_text *t)
{
	const char *start = arg + pos, *comma = strchr(start, ',');
	size_t len = comma ? (size_t)(comma - start) : strlen(start);
	const char *eq = memchr(start, '=', len);

	t->offset = pos;
	t->name = start;
	t->name_len = eq ? (size_t)(eq - start) : len;
	t->value = eq ? eq + 1 : start + len;
	t->value_len = eq ? len - t->name_len - 1 : 0;
	return pos + len + (comma ? 1 : 0);
}

enum sg_err cdev_opts_parse(const char *arg, struct cdev_opts *o, struct sg_error *err)
{
	bool sessions_set = false;
	struct opt_text t;
	size_t pos = 0, len;
	enum sg_err rc;

	set_defaults(o);
	len = arg == NULL ? 0 : strlen(arg);
	if (len >= CDEV_ARG_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, CDEV_ARG_MAX,
				    "cryptodev argument is %zu bytes long; the limit is %d", len,
				    CDEV_ARG_MAX - 1);
	while (pos < len) {
		if (strncmp(arg + pos, "eal=", 4) == 0) {
			if (arg[pos + 4] == '\0')
				return sg_error_set(err, SG_E_SYNTAX, 0, pos,
						    "cryptodev option \"eal\" at byte %zu: needs "
						    "EAL arguments", pos);
			snprintf(o->eal, sizeof(o->eal), "%s", arg + pos + 4);
			break;
		}
		pos = next_option(arg, pos, &t);
		if (pos == len && arg[len - 1] == ',')
			return sg_error_set(err, SG_E_SYNTAX, 0, len,
					    "cryptodev argument: empty option at byte %zu", len);
		if (t.name_len == 0)
			return sg_error_set(err, SG_E_SYNTAX, 0, t.offset,
					    "cryptodev argument: empty option at byte %zu", t.offset);
		if (t.value == t.name + t.name_len)
			return bad(err, &t, "needs NAME=VALUE");
		rc = apply(&t, o, &sessions_set, err);
		if (rc != SG_OK)
			return rc;
	}
	if (o->burst == 0)
		o->burst = CDEV_BURST_DEFAULT < o->qp_size ? CDEV_BURST_DEFAULT : o->qp_size;
	return check_combination(o, sessions_set, err);
}

/* Appends one word to out; false when out is full. */
static bool push_word(struct cdev_eal_argv *out, size_t *used, const char *w, size_t n)
{
	if (out->argc >= CDEV_EAL_WORDS_MAX || *used + n + 1 > sizeof(out->store))
		return false;
	memcpy(out->store + *used, w, n);
	out->store[*used + n] = '\0';
	out->argv[out->argc++] = out->store + *used;
	out->argv[out->argc] = NULL;
	*used += n + 1;
	return true;
}

static bool names_lcores(const char *w)
{
	return strcmp(w, "-l") == 0 || strcmp(w, "-c") == 0 || strncmp(w, "--lcores", 8) == 0 ||
	       (w[0] == '-' && (w[1] == 'l' || w[1] == 'c') && w[2] != '\0' && w[1] != '-');
}

/* Splits o->eal on spaces into out (after the program name). */
static enum sg_err split_eal(const char *eal, struct cdev_eal_argv *out, size_t *used,
			     bool *has_lcores, struct sg_error *err)
{
	const char *p = eal;

	while (*p != '\0') {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (out->argc >= CDEV_EAL_WORDS_MAX - 2 || !push_word(out, used, p, n))
			return sg_error_set(err, SG_E_LIMIT, 0, (uint64_t)(p - eal),
					    "cryptodev option eal: more than %d EAL arguments",
					    CDEV_EAL_WORDS_MAX - 3);
		if (names_lcores(out->argv[out->argc - 1]))
			*has_lcores = true;
		p += n;
	}
	return SG_OK;
}

enum sg_err cdev_opts_eal_argv(const struct cdev_opts *o, int cpu, struct cdev_eal_argv *out,
			       struct sg_error *err)
{
	static const char *const fixed[] = {
		"signet", "--no-huge", "--no-shconf", "--no-pci", "--no-telemetry",
	};
	char vdev[CDEV_NAME_MAX + 8], lcore[16];
	bool has_lcores = false;
	size_t used = 0;
	enum sg_err rc;

	out->argc = 0;
	out->argv[0] = NULL;
	snprintf(lcore, sizeof(lcore), "%d", cpu < 0 ? 0 : cpu);
	if (o->eal[0] != '\0') {
		push_word(out, &used, "signet", 6);
		rc = split_eal(o->eal, out, &used, &has_lcores, err);
		if (rc != SG_OK)
			return rc;
	} else {
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			push_word(out, &used, fixed[i], strlen(fixed[i]));
		snprintf(vdev, sizeof(vdev), "--vdev=%s", o->vdev);
		push_word(out, &used, vdev, strlen(vdev));
		push_word(out, &used, "--log-level=error", 17);
	}
	if (!has_lcores && (!push_word(out, &used, "-l", 2) ||
			    !push_word(out, &used, lcore, strlen(lcore))))
		return sg_error_set(err, SG_E_LIMIT, 0, 0,
				    "cryptodev option eal: no room to add \"-l %s\"", lcore);
	return SG_OK;
}
