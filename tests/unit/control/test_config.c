/*
 * NAME
 *   test_config.c - unit tests for control/config/config.c
 *
 * SUMMARY
 *   Loading files from a temporary folder: relative paths resolve against
 *   the file's real folder (also through a symbolic link), the shipped
 *   docs/examples/signet.conf parses with the values it shows, missing
 *   files, folders and files over 1 MiB are refused with "FILE: reason".
 *   Parsing text: the folder argument (absolute, relative, NULL), the
 *   size and keyword-count limits, CRLF / LF / tabs / BOM / comments giving
 *   the same configuration, UTF-8 in strings and domain names. The
 *   built-in default. Lookups of scopes and domains (case-blind,
 *   base_domain as d=). Key path expansion: placeholders, lower case,
 *   refusal of names that could leave the key folder, the output cap.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "buf.h"
#include "config.h"

struct tmp {
	char dir[64];
	char files[8][128];
	size_t nfiles;
};

static const char *tmp_file(struct tmp *t, const char *name, const char *text, size_t len)
{
	char *path = t->files[t->nfiles++];
	char full[sizeof(t->files[0])];
	FILE *f;

	snprintf(full, sizeof(full), "%.60s/%.60s", t->dir, name);
	memcpy(path, full, sizeof(full));
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void tmp_init(struct tmp *t)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->dir, "/tmp/signet-config-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
}

static void tmp_clean(struct tmp *t)
{
	for (size_t i = t->nfiles; i-- > 0;) {
		if (unlink(t->files[i]) != 0)
			rmdir(t->files[i]);
	}
	assert_int_equal(rmdir(t->dir), 0);
}

static struct sg_config *load_ok(const char *path)
{
	struct sg_config *c = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_config_load(path, &c, &err) != SG_OK)
		fail_msg("%s", err.msg);
	return c;
}

static struct sg_config *parse_ok(const char *text, size_t len, const char *dir)
{
	struct sg_config *c = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_config_parse(text, len, "t.conf", dir, &c, &err) != SG_OK)
		fail_msg("%s", err.msg);
	return c;
}

static void test_load_relative_paths(void **state)
{
	static const char text[] = "control { socket = run/c.sock state_dir = \"./run/st\" }\n"
				   "dkim_sign \"a\" { key = \"k/%{d}/%{s}.pem\" }\n";
	struct tmp t;
	struct sg_config *c;
	char expect[300], real[256];
	const char *path;

	(void)state;
	tmp_init(&t);
	path = tmp_file(&t, "signet.conf", text, sizeof(text) - 1);
	c = load_ok(path);
	assert_non_null(realpath(t.dir, real));
	assert_string_equal(c->dir, real);
	snprintf(expect, sizeof(expect), "%s/signet.conf", real);
	assert_string_equal(c->path, expect);
	snprintf(expect, sizeof(expect), "%s/run/c.sock", real);
	assert_string_equal(c->control.socket, expect);
	snprintf(expect, sizeof(expect), "%s/run/st", real);
	assert_string_equal(c->control.state_dir, expect);
	snprintf(expect, sizeof(expect), "%s/k/%%{d}/%%{s}.pem", real);
	assert_string_equal(c->scopes[0].opt.key, expect);
	sg_config_free(c);
	tmp_clean(&t);
}

/* A link to the file: paths are relative to the real file's folder. */
static void test_load_through_symlink(void **state)
{
	static const char text[] = "control { state_dir = st }\n";
	struct tmp t, other;
	struct sg_config *c;
	char link_path[128], expect[300], real[256];

	(void)state;
	tmp_init(&t);
	tmp_init(&other);
	tmp_file(&t, "real.conf", text, sizeof(text) - 1);
	snprintf(link_path, sizeof(link_path), "%s/link.conf", other.dir);
	assert_int_equal(symlink(t.files[0], link_path), 0);
	strcpy(other.files[other.nfiles++], link_path);
	c = load_ok(link_path);
	assert_non_null(realpath(t.dir, real));
	snprintf(expect, sizeof(expect), "%s/st", real);
	assert_string_equal(c->control.state_dir, expect);
	sg_config_free(c);
	tmp_clean(&other);
	tmp_clean(&t);
}

static void test_example_config(void **state)
{
	const char *path = tu_srcdir("docs/examples/signet.conf");
	struct sg_config *c = load_ok(path);
	char expect[SG_CONF_PATH_MAX + 32];
	const struct sg_sign_scope *s;

	(void)state;
	snprintf(expect, sizeof(expect), "%s/run/control.sock", c->dir);
	assert_string_equal(c->control.socket, expect);
	snprintf(expect, sizeof(expect), "%s/run/state", c->dir);
	assert_string_equal(c->control.state_dir, expect);
	assert_string_equal(c->control.metrics_listen, "127.0.0.1:9187");
	assert_string_equal(c->control.admin_group, "");
	assert_true(c->has_esmtp);
	assert_string_equal(c->esmtp.listen, "127.0.0.1:2525");
	assert_int_equal(c->esmtp.max_message_size, 50 * 1024 * 1024);
	s = sg_config_find_scope(c, SG_KIND_DKIM, "default");
	assert_non_null(s);
	snprintf(expect, sizeof(expect), "%s/keys/%%{d}/%%{s}.key", c->dir);
	assert_string_equal(s->opt.key, expect);
	assert_int_equal(s->opt.pos_keycache_ttl, 300);
	assert_int_equal(s->opt.neg_keycache_ttl, 3600);
	assert_int_equal(s->ndomains, 1);
	assert_string_equal(s->domains[0].opt.selector, "s2026");
	assert_int_equal(s->domains[0].opt.lifetime, 7 * 24);
	s = sg_config_find_scope(c, SG_KIND_DOMAINKEYS, "legacy");
	assert_non_null(s);
	assert_int_equal(s->opt.header_canon, SG_CANON_DK_NOFWS);
	assert_string_equal(s->domains[0].opt.selector, "dk2026");
	sg_config_free(c);
}

static void expect_load_error(const char *path, enum sg_err code, uint32_t line,
			      const char *msg)
{
	struct sg_config *c = (struct sg_config *)1;
	struct sg_error err;

	sg_error_clear(&err);
	assert_int_equal(sg_config_load(path, &c, &err), code);
	assert_null(c);
	assert_string_equal(err.msg, msg);
	assert_int_equal(err.line, line);
}

static void test_load_errors(void **state)
{
	struct tmp t;
	char path[160], msg[256];
	char *big = malloc(SG_CONF_FILE_MAX + 1);

	(void)state;
	tmp_init(&t);
	snprintf(path, sizeof(path), "%s/missing.conf", t.dir);
	snprintf(msg, sizeof(msg), "%s: cannot open: No such file or directory", path);
	expect_load_error(path, SG_E_IO, 0, msg);
	snprintf(msg, sizeof(msg), "%s: not a regular file", t.dir);
	expect_load_error(t.dir, SG_E_IO, 0, msg);
	/* exactly the limit is fine, one byte more is not */
	assert_non_null(big);
	memset(big, '\n', SG_CONF_FILE_MAX + 1);
	big[0] = '#';
	sg_config_free(load_ok(tmp_file(&t, "max.conf", big, SG_CONF_FILE_MAX)));
	snprintf(msg, sizeof(msg), "%s/big.conf: more than the limit of 1048576 bytes", t.dir);
	expect_load_error(tmp_file(&t, "big.conf", big, SG_CONF_FILE_MAX + 1), SG_E_LIMIT, 0,
			  msg);
	/* a syntax error names the path as it was given */
	snprintf(msg, sizeof(msg), "%s/bad.conf:2:1: unexpected '}' (no block is open)", t.dir);
	expect_load_error(tmp_file(&t, "bad.conf", "control { }\n}\n", 14), SG_E_SYNTAX, 2, msg);
	free(big);
	tmp_clean(&t);
}

static void test_parse_dir_argument(void **state)
{
	static const char text[] = "control { state_dir = s }";
	char cwd[512], expect[600];
	struct sg_config *c;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	c = parse_ok(text, sizeof(text) - 1, NULL);
	snprintf(expect, sizeof(expect), "%s/s", cwd);
	assert_string_equal(c->control.state_dir, expect);
	snprintf(expect, sizeof(expect), "%s/t.conf", cwd);
	assert_string_equal(c->path, expect);
	sg_config_free(c);
	c = parse_ok(text, sizeof(text) - 1, "sub/dir");
	snprintf(expect, sizeof(expect), "%s/sub/dir/s", cwd);
	assert_string_equal(c->control.state_dir, expect);
	sg_config_free(c);
	c = parse_ok(text, sizeof(text) - 1, "/");
	assert_string_equal(c->control.state_dir, "/s");
	assert_string_equal(c->path, "/t.conf");
	sg_config_free(c);
}

static void test_parse_limits(void **state)
{
	struct sg_config *c = (struct sg_config *)1;
	struct sg_error err;
	struct sg_buf text;

	(void)state;
	sg_error_clear(&err);
	assert_int_equal(sg_config_parse("", SG_CONF_FILE_MAX + 1, "t.conf", "/", &c, &err),
			 SG_E_LIMIT);
	assert_string_equal(err.msg, "t.conf: more than the limit of 1048576 bytes");
	assert_null(c);
	/* 10000 statements: one scope and 9999 domains */
	sg_buf_init(&text, SIZE_MAX);
	assert_int_equal(sg_buf_puts(&text, "dk_sign \"x\" {\n"), SG_OK);
	for (int i = 1; i < 10000; i++)
		assert_int_equal(sg_buf_printf(&text, "dk_domain \"d%d.example\" {}\n", i), SG_OK);
	assert_int_equal(sg_buf_puts(&text, "}\n"), SG_OK);
	c = parse_ok(text.data, text.len, "/");
	assert_int_equal(c->scopes[0].ndomains, 9999);
	sg_config_free(c);
	text.len -= 2;	/* one more domain before the '}' */
	assert_int_equal(sg_buf_puts(&text, "dk_domain \"one.too.many\" {}\n}\n"), SG_OK);
	sg_error_clear(&err);
	assert_int_equal(sg_config_parse(text.data, text.len, "t.conf", "/", &c, &err),
			 SG_E_LIMIT);
	assert_string_equal(err.msg, "t.conf:10001:1: more than 10000 keywords and blocks");
	sg_buf_free(&text);
}

static void expect_same(const struct sg_config *a, const struct sg_config *b)
{
	assert_string_equal(a->control.socket, b->control.socket);
	assert_string_equal(a->dataplane.eal_args, b->dataplane.eal_args);
	assert_int_equal(a->dataplane.workers, b->dataplane.workers);
	assert_int_equal(a->nscopes, b->nscopes);
	assert_string_equal(a->scopes[0].name, b->scopes[0].name);
	assert_int_equal(a->scopes[0].ndomains, b->scopes[0].ndomains);
	assert_string_equal(a->scopes[0].domains[0].opt.identity,
			    b->scopes[0].domains[0].opt.identity);
	assert_int_equal(a->scopes[0].domains[0].opt.lifetime,
			 b->scopes[0].domains[0].opt.lifetime);
}

/* Line ends, tabs, odd spacing, a BOM and comments do not change meaning. */
static void test_layout_does_not_matter(void **state)
{
	static const char plain[] =
		"control {\n  socket = \"/s\"\n}\n"
		"dataplane {\n  workers = 3\n  eal_args = \"a  b\"\n}\n"
		"dkim_sign \"x\" {\n  dk_domain \"example.com\" {\n    identity = \"@%{d}\"\n"
		"    lifetime = 5\n  }\n}\n";
	static const char odd[] =
		"\xef\xbb\xbf# a comment first\n"
		"control{socket=\"/s\"}dataplane\t{\tworkers\t=\t3 eal_args=\"a  b\"#c\n}"
		"\n\n\n   dkim_sign\"x\"{dk_domain\"example.com\"{identity=\"@%{d}\"lifetime=5}}"
		"  # no newline at the end";
	struct sg_config *a, *b, *crlf;
	char *crlf_text;
	size_t crlf_len;

	(void)state;
	a = parse_ok(plain, sizeof(plain) - 1, "/");
	b = parse_ok(odd, sizeof(odd) - 1, "/");
	crlf_text = tu_crlf(plain, sizeof(plain) - 1, &crlf_len);
	crlf = parse_ok(crlf_text, crlf_len, "/");
	expect_same(a, b);
	expect_same(a, crlf);
	assert_string_equal(a->dataplane.eal_args, "a  b");
	assert_int_equal(a->scopes[0].line, crlf->scopes[0].line);
	assert_int_equal(a->scopes[0].domains[0].line, 9);
	assert_int_equal(crlf->scopes[0].domains[0].line, 9);
	sg_config_free(a);
	sg_config_free(b);
	sg_config_free(crlf);
	free(crlf_text);
}

static void test_empty_and_comment_only(void **state)
{
	struct sg_config *c = parse_ok("", 0, "/");

	(void)state;
	assert_int_equal(c->nscopes, 0);
	assert_string_equal(c->control.socket, "/run/signet/control.sock");
	sg_config_free(c);
	c = parse_ok("# nothing\r\n\t \n#", 15, "/");
	assert_int_equal(c->nscopes, 0);
	sg_config_free(c);
}

static void test_utf8_strings(void **state)
{
	static const char text[] =
		"dataplane { eal_args = \"--file-prefix=\xc3\xa9t\xc3\xa9 \xe2\x82\xac "
		"\xf0\x9f\x94\x91\" }\n"
		"dkim_sign \"x\" { dk_domain \"b\xc3\xbc\x63her.example\" {\n"
		"  identity = \"j\xc3\xb6rg@b\xc3\xbc\x63her.example\" } }\n"
		"control { state_dir = \"/var/lib/\xe7\xbd\xb2\xe5\x90\x8d\" }\n";
	struct sg_config *c = parse_ok(text, sizeof(text) - 1, "/");

	(void)state;
	assert_string_equal(c->dataplane.eal_args,
			    "--file-prefix=\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91");
	assert_string_equal(c->scopes[0].domains[0].domain, "b\xc3\xbc\x63her.example");
	assert_string_equal(c->control.state_dir, "/var/lib/\xe7\xbd\xb2\xe5\x90\x8d");
	sg_config_free(c);
}

static void test_default(void **state)
{
	struct sg_config *c = NULL;
	struct sg_error err;

	(void)state;
	sg_error_clear(&err);
	assert_int_equal(sg_config_default(&c, &err), SG_OK);
	assert_string_equal(c->path, "");
	assert_string_equal(c->dir, SG_CONF_DEFAULT_DIR);
	assert_string_equal(c->control.socket, "/run/signet/control.sock");
	assert_string_equal(c->control.state_dir, "/var/lib/signet");
	assert_string_equal(c->control.metrics_listen, "127.0.0.1:9187");
	assert_string_equal(c->control.resolver, "");
	assert_string_equal(c->control.admin_group, "signet");
	assert_int_equal(c->dataplane.workers, 0);
	assert_string_equal(c->dataplane.eal_args, "--no-huge --no-shconf --no-pci");
	assert_string_equal(c->dataplane.crypto_backend, "auto");
	assert_int_equal(c->dataplane.batch_size, 8);
	assert_int_equal(c->dataplane.batch_timeout_us, 200);
	assert_false(c->has_esmtp);
	assert_string_equal(c->esmtp.listen, "127.0.0.1:2525");
	assert_string_equal(c->esmtp.relay_hosts, "127.0.0.0/8 ::1/128");
	assert_string_equal(c->esmtp.next_hop, "127.0.0.1:2526");
	assert_int_equal(c->esmtp.max_message_size, 52428800);
	assert_int_equal(c->esmtp.max_connections, 10000);
	assert_int_equal(c->nscopes, 0);
	assert_null(sg_config_find_scope(c, SG_KIND_DKIM, "x"));
	sg_config_free(c);
	sg_config_free(NULL);
}

static void test_lookups(void **state)
{
	static const char text[] =
		"dkim_sign \"a\" { selector = top\n"
		"  dk_domain \"Example.COM\" { selector = ex }\n"
		"  dk_domain \"news.example.com\" { base_domain = example.com }\n}\n"
		"dk_sign \"a\" { selector = dk }\n";
	struct sg_config *c = parse_ok(text, sizeof(text) - 1, "/");
	const struct sg_sign_scope *dkim = sg_config_find_scope(c, SG_KIND_DKIM, "a");
	const struct sg_sign_scope *dk = sg_config_find_scope(c, SG_KIND_DOMAINKEYS, "a");
	const struct sg_sign_options *o;
	const char *d = NULL;

	(void)state;
	assert_ptr_equal(dkim, &c->scopes[0]);
	assert_ptr_equal(dk, &c->scopes[1]);
	assert_null(sg_config_find_scope(c, SG_KIND_DKIM, "A"));
	o = sg_config_domain_options(dkim, "example.com", &d);
	assert_string_equal(o->selector, "ex");
	assert_string_equal(d, "example.com");
	o = sg_config_domain_options(dkim, "EXAMPLE.com", &d);
	assert_string_equal(o->selector, "ex");
	o = sg_config_domain_options(dkim, "news.example.com", &d);
	assert_string_equal(o->selector, "top");
	assert_string_equal(d, "example.com");
	o = sg_config_domain_options(dkim, "other.example.com", &d);
	assert_ptr_equal(o, &dkim->opt);
	assert_string_equal(d, "other.example.com");
	o = sg_config_domain_options(dk, "example.com", NULL);
	assert_string_equal(o->selector, "dk");
	sg_config_free(c);
}

static void expect_key_path(const char *tmpl, const char *d, const char *s, enum sg_err code,
			    const char *out)
{
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(sg_config_key_path(tmpl, d, s, buf, sizeof(buf)), code);
	assert_string_equal(buf, out);
}

static void test_key_path(void **state)
{
	char small[9];

	(void)state;
	expect_key_path("/k/%{d}/%{s}.key", "example.com", "s1", SG_OK, "/k/example.com/s1.key");
	expect_key_path("/k/%{d}/%{s}.key", "Example.COM", "S1", SG_OK, "/k/example.com/s1.key");
	expect_key_path("/k/%{d}%{d}", "a.bc", NULL, SG_OK, "/k/a.bca.bc");
	expect_key_path("/k/fixed.pem", NULL, NULL, SG_OK, "/k/fixed.pem");
	expect_key_path("/k/%{d}.pem", "b\xc3\xbc\x63her.example", NULL, SG_OK,
			"/k/b\xc3\xbc\x63her.example.pem");
	/* names that could leave the folder, or are missing */
	expect_key_path("/k/%{d}/%{s}.key", "../etc", "s", SG_E_ARG, "");
	expect_key_path("/k/%{d}/%{s}.key", "a/b.com", "s", SG_E_ARG, "");
	expect_key_path("/k/%{d}/%{s}.key", "..", "s", SG_E_ARG, "");
	expect_key_path("/k/%{d}/%{s}.key", "example.com", "../x", SG_E_ARG, "");
	expect_key_path("/k/%{d}/%{s}.key", "example.com", "", SG_E_ARG, "");
	expect_key_path("/k/%{d}/%{s}.key", "example.com", NULL, SG_E_ARG, "");
	expect_key_path("/k/%{d}", NULL, "s", SG_E_ARG, "");
	expect_key_path("/k/%{x}", "example.com", "s", SG_E_ARG, "");
	expect_key_path("/k/%", "example.com", "s", SG_E_ARG, "");
	/* the cap counts the NUL */
	assert_int_equal(sg_config_key_path("/k/%{d}", "ab.cd", NULL, small, 9), SG_OK);
	assert_string_equal(small, "/k/ab.cd");
	assert_int_equal(sg_config_key_path("/k/%{d}", "ab.c", NULL, small, 8), SG_OK);
	assert_string_equal(small, "/k/ab.c");
	assert_int_equal(sg_config_key_path("/k/%{d}", "ab.cd", NULL, small, 8), SG_E_LIMIT);
	assert_string_equal(small, "");
	assert_int_equal(sg_config_key_path("12345678", NULL, NULL, small, 8), SG_E_LIMIT);
	assert_int_equal(sg_config_key_path("1234567", NULL, NULL, small, 8), SG_OK);
	assert_int_equal(sg_config_key_path("x", NULL, NULL, small, 0), SG_E_LIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_relative_paths),
		cmocka_unit_test(test_load_through_symlink),
		cmocka_unit_test(test_example_config),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_parse_dir_argument),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_layout_does_not_matter),
		cmocka_unit_test(test_empty_and_comment_only),
		cmocka_unit_test(test_utf8_strings),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_key_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
