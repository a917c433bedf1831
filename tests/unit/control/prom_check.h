/*
 * NAME
 *   prom_check.h - a strict reader of the Prometheus text exposition format
 *                  (0.0.4) for the unit tests
 *
 * SUMMARY
 *   pc_parse(text, &doc) reads an exposition and fails the test (with the
 *   line number and why) unless:
 *     - it ends with a newline and has no blank or stray lines;
 *     - every family has one HELP and one TYPE (counter, gauge, histogram),
 *       both before its samples, and its samples are contiguous;
 *     - metric and label names match [a-zA-Z_:][a-zA-Z0-9_:]* (labels
 *       without ':'), no label twice in a sample, no series twice;
 *     - label values use only the escapes \\ \" \n;
 *     - values are decimal numbers, +Inf, -Inf or NaN;
 *     - counters end in _total and are not negative;
 *     - histograms have per label set buckets with le, non-decreasing in
 *       le and in count, ending with le="+Inf" equal to _count, and _sum.
 *   pc_value(&doc, name, "k=v,k=v") finds a sample by name and a subset of
 *   its labels (unescaped values; NULL or "" for none) and returns its
 *   value; pc_count(&doc, name) the number of samples of a metric.
 *   Header-only, for the tests.
 */
#ifndef SIGNET_TEST_PROM_CHECK_H
#define SIGNET_TEST_PROM_CHECK_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PC_MAX_LABELS 8

struct pc_sample {
	char name[128];
	size_t nlabels;
	char label[PC_MAX_LABELS][32];
	char value[PC_MAX_LABELS][300];
	double v;
	size_t line;
};

struct pc_family {
	char name[128];
	char type[16];
	bool help, has_samples, closed;
};

struct pc_doc {
	struct pc_sample *s;
	size_t n, cap;
	struct pc_family f[64];
	size_t nf;
};

static inline bool pc_name_ok(const char *p, size_t n, bool colon)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');

		if (!ok)
			return false;
	}
	return true;
}

static inline struct pc_family *pc_family_of(struct pc_doc *d, const char *name, size_t line)
{
	for (size_t i = 0; i < d->nf; i++) {
		if (strcmp(d->f[i].name, name) == 0)
			return &d->f[i];
	}
	if (d->nf == sizeof(d->f) / sizeof(d->f[0]))
		fail_msg("line %zu: too many families for the checker", line);
	snprintf(d->f[d->nf].name, sizeof(d->f[0].name), "%s", name);
	return &d->f[d->nf++];
}

/* The family a sample name belongs to (histogram suffixes stripped when
 * that family is a histogram). */
static inline struct pc_family *pc_owner(struct pc_doc *d, const char *name, size_t line)
{
	static const char *const suffix[] = { "_bucket", "_sum", "_count" };
	char base[128];

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(name), k = strlen(suffix[i]);

		if (n > k && strcmp(name + n - k, suffix[i]) == 0) {
			snprintf(base, sizeof(base), "%.*s", (int)(n - k), name);
			for (size_t j = 0; j < d->nf; j++) {
				if (strcmp(d->f[j].name, base) == 0 &&
				    strcmp(d->f[j].type, "histogram") == 0)
					return &d->f[j];
			}
		}
	}
	for (size_t j = 0; j < d->nf; j++) {
		if (strcmp(d->f[j].name, name) == 0)
			return &d->f[j];
	}
	fail_msg("line %zu: sample %s before its TYPE", line, name);
	return NULL;
}

static inline void pc_comment(struct pc_doc *d, const char *line, size_t len, size_t no)
{
	char kw[8], name[128], rest[256];
	struct pc_family *f;
	int n = 0;

	if (len >= sizeof(rest) || sscanf(line, "# %7s %127s %n", kw, name, &n) < 2)
		fail_msg("line %zu: comment is neither HELP nor TYPE", no);
	snprintf(rest, sizeof(rest), "%.*s", (int)len - n, line + n);
	if (!pc_name_ok(name, strlen(name), true))
		fail_msg("line %zu: bad metric name %s", no, name);
	f = pc_family_of(d, name, no);
	if (f->has_samples)
		fail_msg("line %zu: %s %s after its samples", no, kw, name);
	if (strcmp(kw, "HELP") == 0) {
		if (f->help)
			fail_msg("line %zu: second HELP for %s", no, name);
		f->help = true;
	} else if (strcmp(kw, "TYPE") == 0) {
		if (f->type[0] != '\0')
			fail_msg("line %zu: second TYPE for %s", no, name);
		if (strcmp(rest, "counter") != 0 && strcmp(rest, "gauge") != 0 &&
		    strcmp(rest, "histogram") != 0)
			fail_msg("line %zu: unexpected type \"%s\"", no, rest);
		snprintf(f->type, sizeof(f->type), "%.15s", rest);
	} else {
		fail_msg("line %zu: comment is neither HELP nor TYPE", no);
	}
}

/* Reads {a="x",b="y"} at p; returns the position after '}'. */
static inline const char *pc_labels(struct pc_sample *s, const char *p, size_t no)
{
	p++;
	while (*p != '}') {
		const char *eq = strchr(p, '=');
		size_t k = 0;

		if (s->nlabels == PC_MAX_LABELS || eq == NULL || eq[1] != '"' ||
		    !pc_name_ok(p, (size_t)(eq - p), false) || (size_t)(eq - p) >= 32)
			fail_msg("line %zu: bad label near \"%.20s\"", no, p);
		snprintf(s->label[s->nlabels], 32, "%.*s", (int)(eq - p), p);
		for (size_t i = 0; i < s->nlabels; i++) {
			if (strcmp(s->label[i], s->label[s->nlabels]) == 0)
				fail_msg("line %zu: label %s twice", no, s->label[i]);
		}
		for (p = eq + 2; *p != '"'; p++) {
			char c = *p;

			if (c == '\0' || c == '\n')
				fail_msg("line %zu: unterminated label value", no);
			if (c == '\\') {
				c = *++p;
				if (c != '\\' && c != '"' && c != 'n')
					fail_msg("line %zu: bad escape \\%c", no, c);
				c = c == 'n' ? '\n' : c;
			}
			if (k + 1 >= sizeof(s->value[0]))
				fail_msg("line %zu: label value too long", no);
			s->value[s->nlabels][k++] = c;
		}
		s->value[s->nlabels++][k] = '\0';
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			fail_msg("line %zu: expected ',' or '}' after a label", no);
	}
	return p + 1;
}

static inline double pc_number(const char *p, size_t no)
{
	char *end;
	double v;

	if (strcmp(p, "+Inf") == 0)
		return INFINITY;
	if (strcmp(p, "-Inf") == 0)
		return -INFINITY;
	if (strcmp(p, "NaN") == 0)
		return NAN;
	v = strtod(p, &end);
	if (end == p || *end != '\0' || !(p[0] == '-' || (p[0] >= '0' && p[0] <= '9')))
		fail_msg("line %zu: bad value \"%s\"", no, p);
	return v;
}

static inline bool pc_same_series(const struct pc_sample *a, const struct pc_sample *b)
{
	if (strcmp(a->name, b->name) != 0 || a->nlabels != b->nlabels)
		return false;
	for (size_t i = 0; i < a->nlabels; i++) {
		if (strcmp(a->label[i], b->label[i]) != 0 || strcmp(a->value[i], b->value[i]) != 0)
			return false;
	}
	return true;
}

static inline void pc_sample_line(struct pc_doc *d, const char *line, size_t len, size_t no)
{
	struct pc_sample s;
	const char *p = line;
	struct pc_family *f;
	char val[64];

	memset(&s, 0, sizeof(s));
	s.line = no;
	while (p < line + len && *p != '{' && *p != ' ')
		p++;
	if (!pc_name_ok(line, (size_t)(p - line), true) || (size_t)(p - line) >= sizeof(s.name))
		fail_msg("line %zu: bad sample name", no);
	snprintf(s.name, sizeof(s.name), "%.*s", (int)(p - line), line);
	if (*p == '{')
		p = pc_labels(&s, p, no);
	if (*p != ' ' || (size_t)(line + len - p - 1) >= sizeof(val) || p + 1 >= line + len)
		fail_msg("line %zu: expected one space and a value", no);
	snprintf(val, sizeof(val), "%.*s", (int)(line + len - p - 1), p + 1);
	s.v = pc_number(val, no);
	f = pc_owner(d, s.name, no);
	if (f->closed)
		fail_msg("line %zu: samples of %s are not together", no, f->name);
	for (size_t i = 0; i < d->nf; i++) {
		if (&d->f[i] != f && d->f[i].has_samples)
			d->f[i].closed = true;
	}
	f->has_samples = true;
	if (strcmp(f->type, "counter") == 0 &&
	    ((strlen(s.name) < 6 || strcmp(s.name + strlen(s.name) - 6, "_total") != 0) || s.v < 0))
		fail_msg("line %zu: counter %s without _total or negative", no, s.name);
	for (size_t i = 0; i < d->n; i++) {
		if (pc_same_series(&d->s[i], &s))
			fail_msg("line %zu: series repeats line %zu", no, d->s[i].line);
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->s = realloc(d->s, d->cap * sizeof(*d->s));
		assert_non_null(d->s);
	}
	d->s[d->n++] = s;
}

static inline const char *pc_label(const struct pc_sample *s, const char *name)
{
	for (size_t i = 0; i < s->nlabels; i++) {
		if (strcmp(s->label[i], name) == 0)
			return s->value[i];
	}
	return NULL;
}

/* Same labels apart from le. */
static inline bool pc_same_but_le(const struct pc_sample *a, const struct pc_sample *b)
{
	size_t na = 0, nb = 0;

	for (size_t i = 0; i < a->nlabels; i++) {
		const char *v;

		if (strcmp(a->label[i], "le") == 0)
			continue;
		na++;
		v = pc_label(b, a->label[i]);
		if (v == NULL || strcmp(v, a->value[i]) != 0)
			return false;
	}
	for (size_t i = 0; i < b->nlabels; i++)
		nb += strcmp(b->label[i], "le") != 0;
	return na == nb;
}

static inline double pc_series_value(const struct pc_doc *d, const char *name,
				     const struct pc_sample *like)
{
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->s[i].name, name) == 0 && pc_same_but_le(&d->s[i], like))
			return d->s[i].v;
	}
	fail_msg("no %s for the histogram of line %zu", name, like->line);
	return 0;
}

static inline void pc_check_histogram(const struct pc_doc *d, const struct pc_family *f)
{
	char bucket[160], sum[160], count[160];

	snprintf(bucket, sizeof(bucket), "%s_bucket", f->name);
	snprintf(sum, sizeof(sum), "%s_sum", f->name);
	snprintf(count, sizeof(count), "%s_count", f->name);
	for (size_t i = 0; i < d->n; i++) {
		const struct pc_sample *first = &d->s[i];
		double le = -INFINITY, v = 0;
		size_t j;

		if (strcmp(first->name, bucket) != 0 ||
		    (i > 0 && strcmp(d->s[i - 1].name, bucket) == 0 &&
		     pc_same_but_le(&d->s[i - 1], first)))
			continue;	/* not the first bucket of a label set */
		for (j = i; j < d->n && strcmp(d->s[j].name, bucket) == 0 &&
			    pc_same_but_le(&d->s[j], first); j++) {
			const char *l = pc_label(&d->s[j], "le");
			double x;

			if (l == NULL)
				fail_msg("line %zu: bucket without le", d->s[j].line);
			x = pc_number(l, d->s[j].line);
			if (x <= le || d->s[j].v < v)
				fail_msg("line %zu: buckets not increasing", d->s[j].line);
			le = x;
			v = d->s[j].v;
		}
		if (!isinf(le) || le < 0)
			fail_msg("line %zu: last bucket is not +Inf", d->s[j - 1].line);
		if (pc_series_value(d, count, first) != v)
			fail_msg("line %zu: _count differs from the +Inf bucket", first->line);
		(void)pc_series_value(d, sum, first);
	}
}

static inline void pc_parse(const char *text, struct pc_doc *d)
{
	size_t no = 0;

	memset(d, 0, sizeof(*d));
	if (text[0] == '\0' || text[strlen(text) - 1] != '\n')
		fail_msg("exposition does not end with a newline");
	for (const char *p = text; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p);

		no++;
		if (len == 0)
			fail_msg("line %zu: blank line", no);
		if (p[0] == '#')
			pc_comment(d, p, len, no);
		else
			pc_sample_line(d, p, len, no);
		p = nl + 1;
	}
	for (size_t i = 0; i < d->nf; i++) {
		if (!d->f[i].help || d->f[i].type[0] == '\0')
			fail_msg("family %s lacks HELP or TYPE", d->f[i].name);
		if (strcmp(d->f[i].type, "histogram") == 0)
			pc_check_histogram(d, &d->f[i]);
	}
}

static inline void pc_free(struct pc_doc *d)
{
	free(d->s);
	memset(d, 0, sizeof(*d));
}

/* Does s carry every k=v of want ("k=v,k=v", values without quotes)? */
static inline bool pc_matches(const struct pc_sample *s, const char *want)
{
	char buf[512], *save = NULL;

	if (want == NULL || want[0] == '\0')
		return true;
	snprintf(buf, sizeof(buf), "%s", want);
	for (char *kv = strtok_r(buf, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		const char *v;

		assert_non_null(eq);
		*eq = '\0';
		v = pc_label(s, kv);
		if (v == NULL || strcmp(v, eq + 1) != 0)
			return false;
	}
	return true;
}

static inline double pc_value(const struct pc_doc *d, const char *name, const char *want)
{
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->s[i].name, name) == 0 && pc_matches(&d->s[i], want))
			return d->s[i].v;
	}
	fail_msg("no sample %s{%s}", name, want ? want : "");
	return NAN;
}

static inline size_t pc_count(const struct pc_doc *d, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += strcmp(d->s[i].name, name) == 0;
	return n;
}

#endif
