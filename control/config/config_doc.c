/*
 * NAME
 *   config_doc.c - docs/config.md and signet.conf(5) from the keyword table
 *                  (see config_doc.h)
 *
 * SUMMARY
 *   One walk over the blocks, two renderings. Text (the prose below and
 *   the table's help) uses one markup: `code` spans, which stay as they
 *   are in Markdown and become bold in roff (where '\' and '-' are also
 *   escaped, and a line never starts with '.' or '\'').
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_doc.h"
#include "config_keywords.h"
#include "config_lexer.h"
#include "config_values.h"
#include "lex.h"

#ifndef SG_CONF_VERSION
#define SG_CONF_VERSION "unknown"
#endif

struct doc {
	struct sg_buf *out;
	bool man;
	enum sg_err rc;		/* the first failure; later writes are skipped */
};

static const char *const intro[] = {
	"signet-controld reads one configuration file, `signet.conf` (`-c FILE`). It "
	"configures the control plane itself, the dataplane that signetd runs, and the "
	"signing scopes: which mail is signed, how, and with which keys. "
	"`signetctl config check` and `signet-controld --check` read it without starting "
	"anything. An example that runs unprivileged from the source tree is "
	"`docs/examples/signet.conf`.",
	NULL,
};

static const char *const syntax[] = {
	"The file is UTF-8 text of at most 1 MiB. `#` starts a comment that runs to the end "
	"of the line. Lines end in LF or CR LF; spaces and tabs only separate words, so the "
	"layout is free.",
	"A block is a name, for some blocks a label, and statements in braces: "
	"`dkim_sign \"corporate\" { ... }`. Blocks nest at most 4 deep; a file holds at most "
	"10000 keywords and blocks.",
	"A keyword sets one value: `keyword = value`, at most once per block. A value is a "
	"quoted string (on one line; `\\\"` and `\\\\` are its only escapes) or a bare word "
	"of letters, digits and `- _ . : / %`. Anything else, such as spaces, `{`, `@`, `*` "
	"or `?`, needs quotes. Keywords are lower case; enumerated values and booleans may "
	"be written in any case.",
	"Numbers are decimal. A size may end in `k`, `M` or `G` (times 1024). A duration is "
	"a number in the unit its keyword names, or a number with one of the units `us`, "
	"`ms`, `s`, `m`, `h`, `d`, `w` (`pos_keycache_ttl = 5m`); it must come out as a "
	"whole number of the keyword's unit. Booleans are `true` or `false`, `yes` or `no`, "
	"`on` or `off`.",
	"Relative paths (`socket`, `state_dir`, `key`) are taken from the folder of the "
	"configuration file, so a configuration and its keys can move together.",
	"The options of a `dkim_sign` or `dk_sign` scope apply to every domain signed through "
	"it. A `dk_domain \"DOMAIN\"` block inside inherits them and may set any of them "
	"again for that domain alone, wherever it stands in the scope; `base_domain` is only "
	"allowed there.",
	"Errors name the file, line and column (columns count characters; a tab is one) and "
	"what was expected, for example `signet.conf:12:3: unknown keyword \"sign_conditon\" "
	"in dkim_sign (did you mean \"sign_condition\"?)`. Only the first error is reported.",
	NULL,
};

static void put(struct doc *d, const char *fmt, ...) SG_PRINTF(2, 3);

static void put(struct doc *d, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (d->rc != SG_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	d->rc = sg_buf_puts(d->out, line);
}

/* Text with `code` spans, escaped for the output format. */
static void text(struct doc *d, const char *s)
{
	bool code = false;

	if (!d->man) {
		if (d->rc == SG_OK)
			d->rc = sg_buf_puts(d->out, s);
		return;
	}
	if (*s == '.' || *s == '\'')
		put(d, "\\&");
	for (; *s && d->rc == SG_OK; s++) {
		if (*s == '`')
			put(d, (code = !code) ? "\\fB" : "\\fR");
		else if (*s == '\\')
			put(d, "\\e");
		else if (*s == '-')
			put(d, "\\-");
		else if (*s == '"')
			put(d, "\\(dq");
		else
			d->rc = sg_buf_putc(d->out, *s);
	}
}

static void paragraphs(struct doc *d, const char *const *p)
{
	for (; *p != NULL; p++) {
		put(d, d->man ? ".PP\n" : "");
		text(d, *p);
		put(d, d->man ? "\n" : "\n\n");
	}
}

/* Can be written without quotes (config_lexer.c's word bytes). */
static bool bare_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (!sg_lex_is_alpha((unsigned char)*s) && !sg_lex_is_digit((unsigned char)*s) &&
		    !strchr("-_.:/%", *s))
			return false;
	}
	return true;
}

static void describe_type(const struct sg_conf_keyword *kw, char *out, size_t cap)
{
	static const char *const names[] = {
		[SG_TYPE_STRING] = "string", [SG_TYPE_PATH] = "path",
		[SG_TYPE_KEY_TEMPLATE] = "key file template",
		[SG_TYPE_INT] = "integer", [SG_TYPE_SIZE] = "size in bytes",
		[SG_TYPE_DURATION] = "duration", [SG_TYPE_BOOL] = "boolean",
		[SG_TYPE_ENUM] = "one of", [SG_TYPE_ADDRESS] = "address IP:PORT",
		[SG_TYPE_CIDR_LIST] = "list of IP and IP/PREFIX",
		[SG_TYPE_DOMAIN] = "domain name", [SG_TYPE_SELECTOR] = "selector",
		[SG_TYPE_IDENTITY] = "identity [local-part]@domain",
		[SG_TYPE_HEADERLIST] = "header list", [SG_TYPE_GROUP] = "group name or number",
		[SG_TYPE_BACKEND] = "backend name",
	};
	size_t n = (size_t)snprintf(out, cap, "%s", names[kw->type]);

	if (kw->type == SG_TYPE_ENUM) {
		for (size_t i = 0; kw->values[i] != NULL && n < cap; i++)
			n += (size_t)snprintf(out + n, cap - n, "%s`%s`", i ? ", " : " ",
					      kw->values[i]);
	} else if (kw->type == SG_TYPE_DURATION) {
		n += (size_t)snprintf(out + n, cap - n, " in %s, %llu to %llu",
				      sg_conf_unit_name(kw->unit), (unsigned long long)kw->min,
				      (unsigned long long)kw->max);
	} else if (kw->type == SG_TYPE_INT || kw->type == SG_TYPE_SIZE) {
		n += (size_t)snprintf(out + n, cap - n, ", %llu to %llu",
				      (unsigned long long)kw->min, (unsigned long long)kw->max);
	} else if (kw->type == SG_TYPE_PATH && kw->max != 0) {
		n += (size_t)snprintf(out + n, cap - n, ", at most %llu bytes once resolved",
				      (unsigned long long)kw->max);
	}
	if (kw->empty_ok && n < cap)
		snprintf(out + n, cap - n, ", or `\"\"`");
}

static void keyword(struct doc *d, const struct sg_conf_keyword *kw)
{
	char type[256], places[128], def[1200];

	describe_type(kw, type, sizeof(type));
	sg_conf_scope_places(kw->scopes, places, sizeof(places));
	snprintf(def, sizeof(def), bare_word(kw->def) ? "`%s = %s`" : "`%s = \"%s\"`",
		 kw->name, kw->def);
	if (d->man) {
		put(d, ".TP\n.B %s\nType: ", kw->name);
	} else {
		put(d, "### `%s`\n\n- Type: ", kw->name);
	}
	text(d, type);
	put(d, d->man ? "\n.br\nDefault: " : "\n- Default: ");
	text(d, def);
	put(d, d->man ? "\n.br\nAllowed in: " : "\n- Allowed in: ");
	text(d, places);
	put(d, d->man ? "\n.IP\n" : "\n\n");
	text(d, kw->help);
	put(d, d->man ? "\n" : "\n\n");
}

/* Rows allowed in scope that an earlier block already described. */
static void shared_keywords(struct doc *d, const struct sg_conf_block *b, const bool *done)
{
	char name[SG_CONF_NAME_MAX + 3];
	size_t count = 0;

	for (size_t i = 0; i < sg_conf_nkeywords; i++) {
		const struct sg_conf_keyword *kw = &sg_conf_keywords[i];

		if (!(kw->scopes & b->opens) || !done[i])
			continue;
		snprintf(name, sizeof(name), "`%s`", kw->name);
		put(d, count++ ? ", " : d->man ? ".PP\nAlso allowed here, as described above: " :
			"Also allowed here, as described above: ");
		text(d, name);
	}
	if (count > 0)
		put(d, d->man ? ".\n" : ".\n\n");
}

static void block(struct doc *d, const struct sg_conf_block *b, bool *done)
{
	char places[128], head[160];

	sg_conf_scope_places(b->parents, places, sizeof(places));
	snprintf(head, sizeof(head), b->label ? "%s \"%s\" { ... }" : "%s { ... }", b->name,
		 b->label ? b->label : "");
	if (d->man) {
		put(d, ".SH \"");
		text(d, head);
		put(d, "\"\n.PP\n");
	} else {
		put(d, "## `%s`\n\n", head);
	}
	if (!(b->parents & SG_SC_TOP)) {
		text(d, "Inside ");
		text(d, places);
		put(d, d->man ? ".\n.PP\n" : ". ");
	}
	text(d, b->help);
	put(d, b->once ? " At most one per file." : "");
	put(d, d->man ? "\n" : "\n\n");
	shared_keywords(d, b, done);
	for (size_t i = 0; i < sg_conf_nkeywords; i++) {
		if ((sg_conf_keywords[i].scopes & b->opens) && !done[i]) {
			keyword(d, &sg_conf_keywords[i]);
			done[i] = true;
		}
	}
}

static void blocks(struct doc *d)
{
	bool done[SG_CONF_KEYWORD_ROWS_MAX] = { false };

	for (size_t i = 0; i < sg_conf_nblocks; i++)
		block(d, &sg_conf_blocks[i], done);
}

enum sg_err sg_conf_doc_markdown(struct sg_buf *out)
{
	struct doc d = { .out = out, .man = false, .rc = SG_OK };

	put(&d, "# signet.conf reference\n\n"
		"<!-- Generated from the keyword table (control/config/config_keywords.c); "
		"do not edit.\n     Regenerate: %s -->\n\n", SG_CONF_DOC_REGENERATE);
	paragraphs(&d, intro);
	put(&d, "## Syntax\n\n");
	paragraphs(&d, syntax);
	blocks(&d);
	/* one newline at the end, not two */
	if (d.rc == SG_OK && out->len > 0 && out->data[out->len - 1] == '\n' &&
	    out->data[out->len - 2] == '\n')
		out->data[--out->len] = '\0';
	return d.rc;
}

enum sg_err sg_conf_doc_man(struct sg_buf *out)
{
	struct doc d = { .out = out, .man = true, .rc = SG_OK };

	put(&d, ".\\\" Generated from the keyword table (control/config/config_keywords.c);\n"
		".\\\" do not edit. Regenerate: %s\n", SG_CONF_DOC_REGENERATE);
	put(&d, ".TH SIGNET.CONF 5 \"\" \"signet %s\" \"signet manual\"\n", SG_CONF_VERSION);
	put(&d, ".SH NAME\nsignet.conf \\- configuration of the signet DKIM signing "
		"appliance\n.SH DESCRIPTION\n");
	paragraphs(&d, intro);
	put(&d, ".SH SYNTAX\n");
	paragraphs(&d, syntax);
	blocks(&d);
	put(&d, ".SH FILES\n.TP\n.I /etc/signet/signet.conf\nthe usual place of the file\n"
		".SH SEE ALSO\n.BR signet (1),\n.B signetctl\nand\n.B signet\\-controld\n");
	return d.rc;
}
