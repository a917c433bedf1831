/*
 * NAME
 *   reference.c - signetctl's reference, docs/signetctl.md and
 *                 signetctl(8), written from the option and command
 *                 tables (see ctl.h)
 *
 * SUMMARY
 *   One text, two forms. The prose is written here once with `code`
 *   spans; struct doc turns each piece (section, paragraph, list item,
 *   code block) into Markdown (folded at 78 columns) or roff for man(7)
 *   (\fB for code, '-' '\' '"' '\'' '~' escaped, no line starting with
 *   '.').
 *   Options come from ctl_option_docs, commands from sg_commands with the
 *   example of each from the table below, and the JSON sample is what
 *   "signetctl --json help keycache" prints. The output depends on
 *   nothing else, so a unit test compares it with the committed files.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Control plane. */
#include "ctl.h"

struct doc {
	FILE *out;
	enum ctl_doc_format format;
};

/* ---- the pieces ---- */

/* Text with `code` spans as roff: code in bold, escapes, and "\&" before
 * a '.' or '\'' that would start a line. */
static void roff_text(FILE *out, const char *text, bool code_spans)
{
	bool code = false, line_start = true;

	for (const char *s = text; *s != '\0'; s++) {
		if (line_start && *s == '.')
			fputs("\\&", out);
		line_start = *s == '\n';
		if (*s == '`' && code_spans) {
			fputs(code ? "\\fR" : "\\fB\\%", out);	/* \% no hyphenation */
			code = !code;
		} else if (*s == '\\') {
			fputs("\\e", out);
		} else if (*s == '-') {
			fputs("\\-", out);
		} else if (*s == '"') {
			fputs("\\(dq", out);
		} else if (*s == '\'') {
			fputs("\\(aq", out);
		} else if (*s == '~') {
			fputs("\\(ti", out);
		} else {
			fputc(*s, out);
		}
	}
	if (code)
		fputs("\\fR", out);
}

static void doc_section(struct doc *d, const char *title)
{
	if (d->format == CTL_DOC_MARKDOWN) {
		fprintf(d->out, "## %c", title[0]);
		for (const char *s = title + 1; *s != '\0'; s++)
			fputc(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s, d->out);
		fputs("\n\n", d->out);
	} else {
		fprintf(d->out, ".SH %s\n", title);
	}
}

/* A subsection headed by code (a command's syntax). */
static void doc_code_heading(struct doc *d, const char *code)
{
	if (d->format == CTL_DOC_MARKDOWN) {
		fprintf(d->out, "### `%s`\n\n", code);
	} else {
		fputs(".SS ", d->out);
		roff_text(d->out, code, false);
		fputc('\n', d->out);
	}
}

static void doc_para(struct doc *d, const char *text)
{
	if (d->format == CTL_DOC_MARKDOWN) {
		ctl_wrap(d->out, text, 0, 0);
		fputc('\n', d->out);
	} else {
		fputs(".PP\n", d->out);
		roff_text(d->out, text, true);
		fputc('\n', d->out);
	}
}

/* A list item "term: text"; doc_list_end after the last. */
static void doc_item(struct doc *d, const char *term, const char *text)
{
	if (d->format == CTL_DOC_MARKDOWN) {
		size_t n = strlen(term) + strlen(text) + 8;
		char *line = malloc(n);

		if (line == NULL)
			return;
		snprintf(line, n, "- %s: %s", term, text);
		ctl_wrap(d->out, line, 0, 2);
		free(line);
	} else {
		fputs(".TP\n", d->out);
		roff_text(d->out, term, true);
		fputc('\n', d->out);
		roff_text(d->out, text, true);
		fputc('\n', d->out);
	}
}

static void doc_list_end(struct doc *d)
{
	if (d->format == CTL_DOC_MARKDOWN)
		fputc('\n', d->out);
}

/* Lines shown as they are (NULL-terminated). */
static void doc_code(struct doc *d, const char *const *lines)
{
	if (d->format == CTL_DOC_MAN)
		fputs(".PP\n.RS 4\n.nf\n", d->out);
	for (size_t i = 0; lines[i] != NULL; i++) {
		if (d->format == CTL_DOC_MARKDOWN) {
			fprintf(d->out, "%s%s\n", lines[i][0] ? "    " : "", lines[i]);
		} else {
			roff_text(d->out, lines[i], false);
			fputc('\n', d->out);
		}
	}
	fputs(d->format == CTL_DOC_MAN ? ".fi\n.RE\n" : "\n", d->out);
}

/* ---- the examples ---- */

static const struct {
	const char *pattern;
	const char *example;
} examples[] = {
	{ "version", "version" },
	{ "summary", "summary" },
	{ "signing_stats reset", "signing_stats reset" },
	{ "signing_stats [<DOMAIN>]", "signing_stats example.com" },
	{ "dkim_sign:<NAME> flush keycache", "dkim_sign:corporate flush keycache" },
	{ "dk_sign:<NAME> flush keycache", "dk_sign:legacy flush keycache" },
	{ "keycache list", "keycache list" },
	{ "keycache flush [<DOMAIN>]", "keycache flush example.com" },
	{ "selector list", "selector list" },
	{ "selector show <NAME>", "selector show s2026" },
	{ "selector create <NAME> --domain <DOMAIN> [--type dkim|domainkeys] "
	  "[--key-type rsa|ed25519] [--bits <N>]",
	  "selector create s2026 --domain example.com --bits 3072" },
	{ "selector enable <NAME> <DOMAIN>", "selector enable s2026 example.com" },
	{ "selector disable <NAME> <DOMAIN>", "selector disable s2026 example.com" },
	{ "selector rotate <DOMAIN> [--type dkim|domainkeys]", "selector rotate example.com" },
	{ "selector retire <NAME>", "selector retire s2025" },
	{ "dns record <NAME> [<DOMAIN>]", "dns record s2026 example.com" },
	{ "dns test <NAME> [<DOMAIN>]", "dns test s2026 example.com" },
	{ "config check", "config check" },
	{ "config reload", "config reload" },
	{ "workers", "workers" },
	{ "shutdown", "shutdown" },
	{ "help [<WORD>]", "help selector" },
};

const char *ctl_command_example(const struct sg_command *c)
{
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		if (strcmp(examples[i].pattern, c->pattern) == 0)
			return examples[i].example;
	return NULL;
}

/* ---- the document ---- */

static void doc_command(struct doc *d, const struct sg_command *c)
{
	const char *example = ctl_command_example(c);
	char line[512];

	doc_code_heading(d, c->pattern);
	doc_para(d, c->help);
	if (c->changes_state)
		doc_para(d, "Changes state: only root, the user signet-controld runs as, and "
			 "members of `admin_group` may run it.");
	else if (c->id != SG_CMD_HELP)
		doc_para(d, "Changes nothing: anyone who may open the socket may run it.");
	if (example != NULL) {
		snprintf(line, sizeof(line), "Example: `signetctl %s`", example);
		doc_para(d, line);
	}
}

static void doc_options(struct doc *d)
{
	size_t n;
	const struct ctl_option_doc *opt = ctl_option_docs(&n);
	char term[128], text[256];

	doc_section(d, "OPTIONS");
	for (size_t i = 0; i < n; i++) {
		snprintf(term, sizeof(term), "%s%s%s`%s%s%s`", opt[i].short_name ? "`" : "",
			 opt[i].short_name ? opt[i].short_name : "",
			 opt[i].short_name ? "`, " : "", opt[i].long_name, opt[i].arg ? " " : "",
			 opt[i].arg ? opt[i].arg : "");
		snprintf(text, sizeof(text), "%c%s.", opt[i].help[0] - 'a' + 'A', opt[i].help + 1);
		doc_item(d, term, text);
	}
	doc_list_end(d);
	doc_para(d, "The socket is the one given with `-s`, else `control.socket` of the "
		 "configuration given with `-c`, else `$SIGNET_SOCKET`, else "
		 "`" SG_CTL_DEFAULT_SOCKET "`.");
}

static void doc_description(struct doc *d)
{
	doc_section(d, "DESCRIPTION");
	doc_para(d, "`signetctl` is the console of `signet-controld`, the control plane of the "
		 "signet DKIM signing appliance: it creates selectors and their keys, prints "
		 "and tests their DNS records, enables, rotates and retires them, flushes the "
		 "keycache, reloads the configuration and reads the signing statistics. It "
		 "talks to the daemon over its control socket.");
	doc_para(d, "With a COMMAND, signetctl runs it and exits with its status. Without one "
		 "it reads commands: interactively when standard input is a terminal (prompt "
		 "`signet> `, line editing, tab completion of commands, options and their "
		 "values, history in `~/.signetctl_history`; `quit`, `exit` or end of input "
		 "leaves), else one command per line, as a script.");
	doc_para(d, "A typed line is cut into words at blanks. `'...'` keeps everything up to "
		 "the next `'`; `\"...\"` too, except that a backslash escapes the next "
		 "character there, as it does outside quotes; `#` at the start of a word "
		 "begins a comment. A line holds at most 4096 bytes, a command at most 16 "
		 "words of 1 to 255 bytes each.");
	doc_para(d, "In a script, blank lines and comments are skipped, every error starts "
		 "with its line number (`signetctl: line 3: ...`), and a bad line does not "
		 "stop the script: only losing the daemon does.");
	doc_para(d, "Every command line is checked against the command table before it is "
		 "sent, so a typing error is reported at once and never reaches the daemon; "
		 "`help` is answered without the daemon. The daemon checks the command again "
		 "and decides, from the connection's credentials, who may run it.");
}

static void doc_commands(struct doc *d)
{
	size_t count;
	const struct sg_command *rows = sg_commands(&count);

	doc_section(d, "COMMANDS");
	doc_para(d, "`<NAME>` is a selector name (after `dkim_sign:` or `dk_sign:`, the name "
		 "of that configuration scope), `<DOMAIN>` a domain name (ASCII: the `xn--` "
		 "form of an international name), `<N>` a number, `<WORD>` any word. `[...]` "
		 "is optional and `a|b` a choice. Options may come anywhere after the first "
		 "word, as `--bits 2048` or `--bits=2048`.");
	for (size_t i = 0; i < count; i++)
		doc_command(d, &rows[i]);
}

static void doc_output(struct doc *d)
{
	char *sample = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&sample, &len);
	const char *lines[3] = { "$ signetctl --json help keycache", NULL, NULL };

	doc_section(d, "OUTPUT");
	doc_para(d, "An answer is a table: a title line, a header row and the rows (text "
		 "left-aligned, numbers right-aligned, columns two spaces apart, control "
		 "characters shown as `?`), then a message line. Errors are one line on "
		 "standard error starting with `signetctl: `; nothing else is printed there.");
	doc_para(d, "With `--json`, each answer is one JSON document on one line: "
		 "`{\"title\": TEXT, \"message\": TEXT, \"rows\": [{COLUMN: VALUE, ...}, ...]}`. "
		 "The keys of a row are the table's columns in their order; a number column "
		 "gives JSON numbers (null when empty), the others strings. For example:");
	if (f != NULL) {
		ctl_help(f, "keycache", true);
		fclose(f);
	}
	if (sample != NULL && len > 0 && sample[len - 1] == '\n')
		sample[len - 1] = '\0';
	lines[1] = sample != NULL ? sample : "";
	doc_code(d, lines);
	free(sample);
}

static void doc_status_and_files(struct doc *d)
{
	doc_section(d, "EXIT STATUS");
	doc_item(d, "0", "The command succeeded.");
	doc_item(d, "1", "signet-controld refused or failed the command, the command "
		 "reports a failure (`dns test`: anything but \"found and matching\"), or "
		 "the output could not be written.");
	doc_item(d, "2", "A usage error (unknown option or command, bad argument), or "
		 "signet-controld could not be reached.");
	doc_list_end(d);
	doc_para(d, "With commands from standard input the status is the worst of all "
		 "lines. The interactive console exits with 0, or 2 when it cannot connect.");
	doc_section(d, "ENVIRONMENT");
	doc_item(d, "`SIGNET_SOCKET`", "The control socket when neither `-s` nor `-c` is "
		 "given.");
	doc_item(d, "`HOME`", "Where the interactive history is kept.");
	doc_list_end(d);
	doc_section(d, "FILES");
	doc_item(d, "`" SG_CTL_DEFAULT_SOCKET "`", "The control socket by default.");
	doc_item(d, "`~/.signetctl_history`", "The console's history, mode 0600; not used "
		 "when it is a symbolic link or not the user's own file.");
	doc_list_end(d);
}

static void doc_examples(struct doc *d)
{
	static const char *const flow[] = {
		"signetctl selector create s2026 --domain example.com",
		"signetctl dns record s2026 example.com   # publish this TXT record",
		"signetctl dns test s2026 example.com     # status 0: found and matching",
		"signetctl selector enable s2026 example.com",
		"signetctl selector rotate example.com    # later: a new key, the old retiring",
		"signetctl --json signing_stats example.com",
		NULL,
	};
	static const char *const script[] = {
		"printf 'version\\nworkers\\n' | signetctl -c /etc/signet/signet.conf", NULL,
	};

	doc_section(d, "EXAMPLES");
	doc_para(d, "A selector's life: create it, publish and test its record, enable it, "
		 "and later rotate it; then read the statistics.");
	doc_code(d, flow);
	doc_para(d, "Several commands in one connection, the socket taken from the "
		 "configuration:");
	doc_code(d, script);
}

void ctl_print_reference(FILE *out, enum ctl_doc_format format)
{
	struct doc d = { .out = out, .format = format };

	if (format == CTL_DOC_MARKDOWN) {
		fputs("# signetctl(8)\n\n<!-- Generated by `signetctl --print-reference` from "
		      "the option and command\n     tables; do not edit. Regenerate: see "
		      "control/ctl/ctl.h (CTL_DOC_REGENERATE). -->\n\n", out);
		doc_para(&d, "signetctl - the console of signet-controld");
	} else {
		fputs(".\\\" Generated by signetctl --print-man from the option and command "
		      "tables;\n.\\\" do not edit. Regenerate: " CTL_DOC_REGENERATE "\n"
		      ".TH SIGNETCTL 8 \"\" \"signet " SG_CTL_VERSION "\" \"signet manual\"\n"
		      ".SH NAME\nsignetctl \\- the console of signet\\-controld\n", out);
	}
	doc_section(&d, "SYNOPSIS");
	doc_para(&d, "`" SG_CTL_SYNOPSIS "`");
	doc_description(&d);
	doc_options(&d);
	doc_commands(&d);
	doc_output(&d);
	doc_status_and_files(&d);
	doc_examples(&d);
	doc_section(&d, "SEE ALSO");
	doc_para(&d, "`signet-controld`(8), `signet.conf`(5) (docs/config.md), `signet`(1); "
		 "docs/operations.md (key rotation), docs/control-protocol.md (the socket).");
}
