/*
 * NAME
 *   commands.c - the console's command table, matching and completion
 *                (see commands.h)
 *
 * SUMMARY
 *   The rows below are the whole console grammar: signetctl's help,
 *   completion and reference (signetctl --print-reference) come from them,
 *   and the daemon matches what it receives against the same rows.
 *
 *   A pattern is read as tokens: literal words ("selector"), a literal
 *   with a placeholder after ':' ("dkim_sign:<NAME>"), placeholders
 *   ("<NAME>", "<DOMAIN>", "<N>", "<WORD>"), an optional trailing
 *   placeholder ("[<DOMAIN>]"), and options after the words: "--domain
 *   <DOMAIN>" (required) or "[--type dkim|domainkeys]" (optional; the value
 *   a placeholder or a list of choices). Typed options may come anywhere
 *   after the command's first word, as "--bits 2048" or "--bits=2048".
 *
 *   Matching tries every row and keeps the one that got furthest, so the
 *   error names the real problem: an unknown command (with a suggestion),
 *   an unknown or missing subcommand (with the choices), a missing or
 *   extra argument (with the usage), or a bad value.
 *
 * UNTRUSTED INPUT
 *   argv: from the keyboard (signetctl) or from the socket (the daemon).
 *   The word count, word lengths and bytes are checked before anything
 *   else; every placeholder value is checked (domain and selector syntax,
 *   number range, choice lists) before it is copied into the parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command_pattern.h"
#include "commands.h"

#define RSA_BITS_MIN 1024	/* as the key generator (crypto/) accepts */
#define RSA_BITS_MAX 4096
#define DNS_NAME_MAX 253
#define DNS_LABEL_MAX 63

static const struct sg_command command_table[] = {
	{ SG_CMD_VERSION, "version",
	  "Shows the versions of signet-controld and of the control protocol.", false },
	{ SG_CMD_SUMMARY, "summary",
	  "One screen about the running appliance: workers, keys cached, selectors, "
	  "messages signed.", false },
	{ SG_CMD_SIGNING_STATS_RESET, "signing_stats reset",
	  "Sets every signing counter back to zero.", true },
	{ SG_CMD_SIGNING_STATS, "signing_stats [<DOMAIN>]",
	  "Signing counters, DKIM and DomainKeys apart: messages processed, signed, failed, "
	  "skipped, bytes, signing time; with DOMAIN, that domain's counters.", false },
	{ SG_CMD_SCOPE_FLUSH, "dkim_sign:<NAME> flush keycache",
	  "Drops the cached keys of the dkim_sign scope NAME; they are read again from the "
	  "key store when next needed.", true },
	{ SG_CMD_SCOPE_FLUSH, "dk_sign:<NAME> flush keycache",
	  "Drops the cached keys of the dk_sign scope NAME; they are read again from the "
	  "key store when next needed.", true },
	{ SG_CMD_KEYCACHE_LIST, "keycache list",
	  "Lists the keycache: the keys loaded and the keys remembered as missing.", false },
	{ SG_CMD_KEYCACHE_FLUSH, "keycache flush [<DOMAIN>]",
	  "Drops every cached key and remembered miss, or only those of DOMAIN.", true },
	{ SG_CMD_SELECTOR_LIST, "selector list",
	  "Lists the selectors with their type, domains and state.", false },
	{ SG_CMD_SELECTOR_SHOW, "selector show <NAME>",
	  "Shows one selector: DNS record name, type, canonicalization, key, and per domain "
	  "whether it is enabled.", false },
	{ SG_CMD_SELECTOR_CREATE,
	  "selector create <NAME> --domain <DOMAIN> [--type dkim|domainkeys] "
	  "[--key-type rsa|ed25519] [--bits <N>]",
	  "Generates the key of a new selector for DOMAIN (RSA 2048 bits unless told: --bits "
	  "1024 to 4096, RSA only) and prints the DNS record to publish. The selector starts "
	  "disabled: publish the record, run dns test, then enable it.", true },
	{ SG_CMD_SELECTOR_ENABLE, "selector enable <NAME> <DOMAIN>",
	  "Signs DOMAIN with the selector from now on; the selector of the same type that "
	  "was enabled for DOMAIN is disabled.", true },
	{ SG_CMD_SELECTOR_DISABLE, "selector disable <NAME> <DOMAIN>",
	  "Stops signing DOMAIN with the selector.", true },
	{ SG_CMD_SELECTOR_ROTATE, "selector rotate <DOMAIN> [--type dkim|domainkeys]",
	  "Makes a new selector the active one for DOMAIN; the old one is kept as retiring, "
	  "with the earliest date its DNS record may be deleted. Rotates the DKIM and the "
	  "DomainKeys selector enabled for DOMAIN, or only the --type given.", true },
	{ SG_CMD_SELECTOR_RETIRE, "selector retire <NAME>",
	  "Retires the selector: it signs nothing any more.", true },
	{ SG_CMD_DNS_RECORD, "dns record <NAME> [<DOMAIN>]",
	  "Prints the DNS TXT record that publishes the selector's public key, whole and "
	  "split for zone files.", false },
	{ SG_CMD_DNS_TEST, "dns test <NAME> [<DOMAIN>]",
	  "Looks up NAME._domainkey.DOMAIN through the configured resolver and says: found "
	  "and matching, not found, syntax error, key does not match the private key, or "
	  "testing flag set. Exit status 0 only when found and matching.", false },
	{ SG_CMD_CONFIG_CHECK, "config check",
	  "Reads the configuration file and reports its errors (file:line:column) without "
	  "applying it.", false },
	{ SG_CMD_CONFIG_RELOAD, "config reload",
	  "Reads the configuration file and applies it; on an error the running "
	  "configuration stays.", true },
	{ SG_CMD_WORKERS, "workers",
	  "Lists the dataplane workers and their state.", false },
	{ SG_CMD_SHUTDOWN, "shutdown",
	  "Stops signet-controld.", true },
	{ SG_CMD_HELP, "help [<WORD>]",
	  "Lists the commands, or those that start with WORD, with their help "
	  "(answered by signetctl itself).", false },
};
#define NCOMMANDS (sizeof(command_table) / sizeof(command_table[0]))

const struct sg_command *sg_commands(size_t *count)
{
	*count = NCOMMANDS;
	return command_table;
}

/* ---- values ---- */

static bool is_ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A domain or selector: dot-separated labels of letters, digits, '-' and
 * '_', no label empty, longer than 63 or starting/ending with '-'. */
static bool check_dns_name(const char *what, const char *s, char *why, size_t cap)
{
	size_t n = strlen(s), label = 0;

	if (n > DNS_NAME_MAX) {
		snprintf(why, cap, "%s is %zu bytes long (at most %d)", what, n, DNS_NAME_MAX);
		return false;
	}
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || s[i - 1] == '-') {
				snprintf(why, cap, "bad %s \"%.64s\": %s label at byte %zu", what, s,
					 label == 0 ? "empty" : "'-' ending a", label == 0 ? i + 1 : i);
				return false;
			}
			label = 0;
			continue;
		}
		if (!is_ascii_alnum(c) && c != '-' && c != '_') {
			snprintf(why, cap, "bad %s \"%.64s\": byte 0x%02x at %zu is not a letter, "
				 "digit, '-', '_' or '.'%s", what, s, c, i + 1,
				 c >= 0x80 ? " (use the xn-- form)" : "");
			return false;
		}
		if (c == '-' && label == 0) {
			snprintf(why, cap, "bad %s \"%.64s\": label starting with '-' at byte %zu",
				 what, s, i + 1);
			return false;
		}
		if (++label > DNS_LABEL_MAX) {
			snprintf(why, cap, "bad %s \"%.64s\": label longer than %d bytes at byte %zu",
				 what, s, DNS_LABEL_MAX, i + 1);
			return false;
		}
	}
	return true;
}

static bool parse_bits(const char *s, unsigned *out, char *why, size_t cap)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i] != '\0' && i < 6; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i == 0 || s[i] != '\0' || v < RSA_BITS_MIN || v > RSA_BITS_MAX) {
		snprintf(why, cap, "bad --bits \"%.32s\": a number from %d to %d", s, RSA_BITS_MIN,
			 RSA_BITS_MAX);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

/* Is v one of the '|'-separated choices? */
static bool is_choice(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *c = choices; c != NULL; c = strchr(c, '|')) {
		if (*c == '|')
			c++;
		if (strncmp(c, v, n) == 0 && (c[n] == '|' || c[n] == '\0'))
			return n > 0;
	}
	return false;
}

static void copy_word(char *out, size_t cap, const char *v)
{
	snprintf(out, cap, "%s", v);
}

/* Stores value v of a placeholder (spec "<X>") or of an option (name, choices). */
static bool bind_value(struct sg_cmd_params *p, const struct sg_tok *t, const char *v,
		       char *why, size_t cap)
{
	const char *spec = t->value;

	if (spec[0] != '<') {
		if (!is_choice(spec, v)) {
			snprintf(why, cap, "bad %s \"%.32s\" (one of: %s)", t->text, v, spec);
			return false;
		}
		copy_word(strcmp(t->text, "--type") == 0 ? p->type : p->key_type,
			  sizeof(p->type), v);
		return true;
	}
	if (strcmp(spec, "<DOMAIN>") == 0) {
		if (!check_dns_name("domain", v, why, cap))
			return false;
		copy_word(p->domain, sizeof(p->domain), v);
	} else if (strcmp(spec, "<N>") == 0) {
		return parse_bits(v, &p->bits, why, cap);
	} else if (strcmp(spec, "<WORD>") == 0) {
		copy_word(p->word, sizeof(p->word), v);
	} else if (t->kind == SG_TOK_LIT_ARG) {		/* a scope name */
		if (v[0] == '\0') {
			snprintf(why, cap, "%s needs a scope name (%s%s)", t->text, t->text, spec);
			return false;
		}
		copy_word(p->name, sizeof(p->name), v);
		snprintf(p->scope_kind, sizeof(p->scope_kind), "%.*s", (int)strlen(t->text) - 1,
			 t->text);
	} else {					/* a selector name */
		if (!check_dns_name("selector", v, why, cap))
			return false;
		copy_word(p->name, sizeof(p->name), v);
	}
	return true;
}

/* ---- matching one row ---- */

enum fail_kind { FAIL_NONE, FAIL_LITERAL, FAIL_OTHER };

struct attempt {
	const char *argv[SG_CMD_MAX_ARGS];	/* the positional words */
	size_t nwords;
	enum fail_kind fail;
	size_t fail_at;				/* token index */
	char why[400];
};

/* Options of argv (words from index 1 that start with '-') into p; the
 * other words into a->argv. */
static bool match_options(const struct sg_pattern *pt, const struct sg_command *c, size_t argc,
			  const char *const *argv, struct sg_cmd_params *p, struct attempt *a)
{
	bool seen[SG_PATTERN_MAX_TOKS] = { false };
	char *why = a->why;
	size_t cap = sizeof(a->why), j;

	a->argv[a->nwords++] = argv[0];
	for (size_t i = 1; i < argc; i++) {
		const char *w = argv[i], *eq = strchr(w, '=');
		size_t n = eq ? (size_t)(eq - w) : strlen(w);

		if (w[0] != '-') {
			a->argv[a->nwords++] = w;
			continue;
		}
		j = sg_pattern_find_option(pt, w, n);
		if (j == pt->n) {
			snprintf(why, cap, "unknown option \"%.*s\" (%s%s)", n > 32 ? 32 : (int)n, w,
				 pt->n > pt->nwords ? "usage: " : "",
				 pt->n > pt->nwords ? c->pattern : "no options here");
			return false;
		}
		if (seen[j]) {
			snprintf(why, cap, "%s given twice", pt->t[j].text);
			return false;
		}
		seen[j] = true;
		if (eq == NULL && i + 1 == argc) {
			snprintf(why, cap, "%s needs a value (%s)", pt->t[j].text, pt->t[j].value);
			return false;
		}
		if (!bind_value(p, &pt->t[j], eq ? eq + 1 : argv[++i], why, cap))
			return false;
	}
	for (j = pt->nwords; j < pt->n; j++) {
		if (pt->t[j].required && !seen[j]) {
			snprintf(why, cap, "missing %s %s (usage: %s)", pt->t[j].text, pt->t[j].value,
				 c->pattern);
			return false;
		}
	}
	return true;
}

/* The positional words against the word tokens. */
static void match_words(const struct sg_pattern *pt, const struct sg_command *c,
			struct sg_cmd_params *p, struct attempt *a)
{
	size_t j;

	for (j = 0; j < pt->nwords; j++) {
		const struct sg_tok *t = &pt->t[j];
		const char *w = j < a->nwords ? a->argv[j] : NULL;

		a->fail_at = j;
		if (t->kind == SG_TOK_LIT || t->kind == SG_TOK_LIT_ARG) {
			size_t n = strlen(t->text);

			a->fail = FAIL_LITERAL;
			if (w == NULL || strncmp(w, t->text, n) != 0 ||
			    (t->kind == SG_TOK_LIT && w[n] != '\0'))
				return;
			a->fail = FAIL_OTHER;
			if (t->kind == SG_TOK_LIT_ARG && !bind_value(p, t, w + n, a->why, sizeof(a->why)))
				return;
			continue;
		}
		a->fail = FAIL_OTHER;
		if (w == NULL && t->kind == SG_TOK_OPT_ARG)
			break;
		if (w == NULL) {
			snprintf(a->why, sizeof(a->why), "missing %s (usage: %s)", t->value,
				 c->pattern);
			return;
		}
		if (!bind_value(p, t, w, a->why, sizeof(a->why)))
			return;
	}
	a->fail_at = pt->nwords;
	if (a->nwords > pt->nwords) {
		a->fail = FAIL_OTHER;
		snprintf(a->why, sizeof(a->why), "unexpected argument \"%.64s\" (usage: %s)",
			 a->argv[pt->nwords], c->pattern);
		return;
	}
	a->fail = FAIL_NONE;
}

static void match_row(const struct sg_command *c, size_t argc, const char *const *argv,
		      struct sg_cmd_params *p, struct attempt *a)
{
	struct sg_pattern pt;
	char why[sizeof(a->why)];

	memset(p, 0, sizeof(*p));
	memset(a, 0, sizeof(*a));
	p->cmd = c;
	if (!sg_pattern_parse(c->pattern, &pt)) {
		a->fail = FAIL_OTHER;
		snprintf(a->why, sizeof(a->why), "internal error: bad pattern \"%s\"", c->pattern);
		return;
	}
	for (size_t j = pt.nwords; j < pt.n; j++) {
		if (strcmp(pt.t[j].text, "--type") == 0)
			copy_word(p->type, sizeof(p->type), "dkim");
		if (strcmp(pt.t[j].text, "--key-type") == 0)
			copy_word(p->key_type, sizeof(p->key_type), "rsa");
	}
	if (!match_options(&pt, c, argc, argv, p, a)) {
		/* Judge the words first: an option error only counts once the
		 * literal words name this command. */
		memcpy(why, a->why, sizeof(why));
		match_words(&pt, c, p, a);
		if (a->fail != FAIL_LITERAL) {
			a->fail = FAIL_OTHER;
			a->fail_at = pt.nwords;
			memcpy(a->why, why, sizeof(why));
		}
		return;
	}
	match_words(&pt, c, p, a);
	if (a->fail == FAIL_NONE && p->bits != 0 && strcmp(p->key_type, "rsa") != 0) {
		a->fail = FAIL_OTHER;
		snprintf(a->why, sizeof(a->why), "--bits applies to RSA keys only");
	}
}

/* ---- errors ---- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[SG_CMD_WORD_MAX + 1];

	if (la > SG_CMD_WORD_MAX || lb > SG_CMD_WORD_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void join_choices(const struct sg_pattern_next *c, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < c->n && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "", c->w[i]);
}

/* The words typed were not a command: say what could have come at word k. */
static void literal_error(const struct attempt *a, size_t k, char *why, size_t cap)
{
	struct sg_pattern_next c = { .prefix = "", .literals_only = true, .display = true };
	char choices[400], typed[300] = "", near[96] = "";
	size_t used = 0, best = 3;

	sg_pattern_next(k, a->argv, &c);
	join_choices(&c, choices, sizeof(choices));
	for (size_t i = 0; i < k && used < sizeof(typed); i++)
		used += (size_t)snprintf(typed + used, sizeof(typed) - used, "%s%s", i ? " " : "",
					 a->argv[i]);
	for (size_t i = 0; k < a->nwords && i < c.n; i++) {
		char cand[sizeof(c.w[0])];
		size_t d;

		snprintf(cand, sizeof(cand), "%.*s", (int)strcspn(c.w[i], "<"), c.w[i]);
		d = edit_distance(a->argv[k], cand);

		if (d < best && d < strlen(a->argv[k])) {
			best = d;
			snprintf(near, sizeof(near), " (did you mean \"%.47s\"?)", c.w[i]);
		}
	}
	if (k == 0)
		snprintf(why, cap, "unknown command \"%.64s\"%s; try \"help\"", a->argv[0], near);
	else if (k >= a->nwords)
		snprintf(why, cap, "%s: incomplete command, expected: %s", typed, choices);
	else
		snprintf(why, cap, "%s: unknown %s \"%.64s\"%s; expected: %s", typed,
			 k == 1 ? "subcommand" : "word", a->argv[k], near, choices);
}

static bool check_words(size_t argc, const char *const *argv, char *why, size_t cap)
{
	if (argc == 0) {
		snprintf(why, cap, "no command given; try \"help\"");
		return false;
	}
	if (argc > SG_CMD_MAX_ARGS) {
		snprintf(why, cap, "too many words: %zu (at most %d)", argc, SG_CMD_MAX_ARGS);
		return false;
	}
	for (size_t i = 0; i < argc; i++) {
		size_t n = strnlen(argv[i], SG_CMD_WORD_MAX);

		if (n == 0 || n == SG_CMD_WORD_MAX) {
			snprintf(why, cap, "word %zu is %s (1 to %d bytes)", i + 1,
				 n ? "too long" : "empty", SG_CMD_WORD_MAX - 1);
			return false;
		}
		for (size_t j = 0; j < n; j++) {
			unsigned char ch = (unsigned char)argv[i][j];

			if (ch < 0x20 || ch == 0x7f) {
				snprintf(why, cap, "word %zu: control byte 0x%02x at byte %zu",
					 i + 1, ch, j + 1);
				return false;
			}
		}
	}
	return true;
}

bool sg_command_match(size_t argc, const char *const *argv, struct sg_cmd_params *p,
		      char *why, size_t why_cap)
{
	struct attempt a, best;
	struct sg_cmd_params tmp;
	size_t best_score = 0;

	if (!check_words(argc, argv, why, why_cap))
		return false;
	memset(&best, 0, sizeof(best));
	for (size_t i = 0; i < NCOMMANDS; i++) {
		size_t score;

		match_row(&command_table[i], argc, argv, &tmp, &a);
		if (a.fail == FAIL_NONE) {
			*p = tmp;
			return true;
		}
		score = 2 * a.fail_at + (a.fail == FAIL_OTHER) + 1;
		if (score > best_score) {
			best_score = score;
			best = a;
		}
	}
	if (best.fail == FAIL_LITERAL) {
		literal_error(&best, best.fail_at, why, why_cap);
	} else {
		char typed[300] = "";
		size_t used = 0;

		for (size_t i = 0; i < best.fail_at && i < best.nwords && used < sizeof(typed); i++)
			used += (size_t)snprintf(typed + used, sizeof(typed) - used, "%s%s",
						 i ? " " : "", best.argv[i]);
		snprintf(why, why_cap, "%s%s%s", typed, typed[0] ? ": " : "", best.why);
	}
	return false;
}
