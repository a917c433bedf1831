/*
 * NAME
 *   test_selstate.c - the selector state file: format, parse (every error
 *                     with its line), config overrides, atomic save
 *                     (control/keys/selstate.c)
 */
#include "keys_testutil.h"
#include "selectors.h"

static const char *CONF =
	"dkim_sign \"main\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  dk_domain \"example.com\" { selector = \"s1\" }\n"
	"  dk_domain \"example.net\" { selector = \"s1\" }\n"
	"}\n";

struct fixture {
	char *dir;
	struct sg_config *conf;
	struct selset set;
};

static void fresh_set(struct fixture *f, struct selset *s)
{
	struct sg_error err;

	selset_init(s);
	if (selset_add_config(s, f->conf->scopes, f->conf->nscopes, &err) != SG_OK)
		fail_msg("%s", err.msg);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = kt_tmpdir();
	f->conf = kt_config(f->dir, CONF);
	fresh_set(f, &f->set);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	selset_free(&f->set);
	sg_config_free(f->conf);
	kt_rmtree(f->dir);
	free(f);
	return 0;
}

/* A state selector n1 (enabled for example.com, which switches s1 off
 * there) and an Ed25519 one never enabled. */
static void populate(struct fixture *f)
{
	struct selector *n1, *n2;
	struct sel_domain *d;

	assert_int_equal(sel_add(&f->set, "n1", SG_KIND_DKIM, SEL_STATE, &n1), SG_OK);
	snprintf(n1->canon, sizeof(n1->canon), "relaxed/simple");
	n1->bits = 2048;
	n1->created = 1700000000;
	assert_int_equal(sel_domain_add(n1, "example.com", &d), SG_OK);
	assert_int_equal(sel_enable(&f->set, n1, "example.com", 1700000100, 604800, NULL, NULL),
			 SG_OK);
	assert_int_equal(sel_add(&f->set, "e1", SG_KIND_DOMAINKEYS, SEL_STATE, &n2), SG_OK);
	snprintf(n2->canon, sizeof(n2->canon), "nofws");
	n2->key_type = SG_KEY_ED25519;
	n2->bits = 256;
	n2->created = 1700000200;
	assert_int_equal(sel_domain_add(n2, "example.org", &d), SG_OK);
}

static const char *EXPECTED =
	"signet-selectors 1\n"
	"selector s1 dkim config - - 0 0\n"
	"domain s1 dkim example.com off 1 1700604900\n"
	"selector n1 dkim state relaxed/simple rsa 2048 1700000000\n"
	"domain n1 dkim example.com on 1 0\n"
	"selector e1 domainkeys state nofws ed25519 256 1700000200\n"
	"domain e1 domainkeys example.org off 0 0\n";

static void test_format(void **state)
{
	struct fixture *f = *state;
	struct sg_buf out;
	const char *body;

	populate(f);
	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(selstate_format(&f->set, &out), SG_OK);
	body = strchr(sg_buf_cstr(&out), '\n');	/* after the comment line */
	assert_non_null(body);
	assert_true(sg_buf_cstr(&out)[0] == '#');
	assert_string_equal(body + 1, EXPECTED);
	sg_buf_free(&out);
}

static void test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct sg_buf a, b;
	struct selset back;
	struct sg_error err;
	struct selector *s1, *n1, *e1;

	populate(f);
	sg_buf_init(&a, SIZE_MAX);
	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(selstate_format(&f->set, &a), SG_OK);
	fresh_set(f, &back);
	if (selstate_parse(&back, a.data, a.len, "state", &err) != SG_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(selstate_format(&back, &b), SG_OK);
	assert_string_equal(sg_buf_cstr(&a), sg_buf_cstr(&b));
	s1 = sel_find(&back, "s1", SG_KIND_DKIM);
	n1 = sel_find(&back, "n1", SG_KIND_DKIM);
	e1 = sel_find(&back, "e1", SG_KIND_DOMAINKEYS);
	assert_non_null(s1);
	assert_non_null(n1);
	assert_non_null(e1);
	assert_false(sel_domain_find(s1, "example.com")->enabled);
	assert_true(sel_domain_find(s1, "example.com")->from_config);
	assert_true(sel_domain_find(s1, "example.net")->enabled);	/* untouched */
	assert_int_equal(sel_domain_find(s1, "example.com")->delete_after, 1700604900);
	assert_string_equal(sel_resolve(&back, SG_KIND_DKIM, "example.com")->name, "n1");
	assert_int_equal(n1->bits, 2048);
	assert_int_equal(n1->created, 1700000000);
	assert_string_equal(n1->canon, "relaxed/simple");
	assert_int_equal(e1->key_type, SG_KEY_ED25519);
	assert_int_equal(sel_domain_status(sel_domain_find(e1, "example.org"), 0), SEL_ST_NEW);
	selset_free(&back);
	sg_buf_free(&a);
	sg_buf_free(&b);
}

static void test_config_overrides(void **state)
{
	struct fixture *f = *state;
	const char *text =
		"signet-selectors 1\n"
		"# a config selector enabled from the console for a new domain\n"
		"selector s1 dkim config - - 0 0\n"
		"domain s1 dkim extra.example on 1 0\n"
		"# a config selector signet.conf no longer has: dropped\n"
		"selector gone dkim config - - 0 0\n"
		"domain gone dkim example.com on 1 0\n"
		"\n";
	struct sg_buf out;
	struct sg_error err;
	struct selector *s1;

	if (selstate_parse(&f->set, text, strlen(text), "state", &err) != SG_OK)
		fail_msg("%s", err.msg);
	assert_null(sel_find(&f->set, "gone", SG_KIND_DKIM));
	s1 = sel_find(&f->set, "s1", SG_KIND_DKIM);
	assert_int_equal(s1->ndomains, 3);
	assert_true(sel_domain_find(s1, "extra.example")->enabled);
	assert_false(sel_domain_find(s1, "extra.example")->from_config);
	/* Only the difference from signet.conf is written back. */
	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(selstate_format(&f->set, &out), SG_OK);
	assert_non_null(strstr(sg_buf_cstr(&out), "\nselector s1 dkim config - - 0 0\n"
			       "domain s1 dkim extra.example on 1 0\n"));
	assert_null(strstr(sg_buf_cstr(&out), "example.com"));
	assert_null(strstr(sg_buf_cstr(&out), "gone"));
	sg_buf_free(&out);
	/* Nothing differs: no record at all. */
	selset_free(&f->set);
	fresh_set(f, &f->set);
	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(selstate_format(&f->set, &out), SG_OK);
	assert_null(strstr(sg_buf_cstr(&out), "\nselector "));
	sg_buf_free(&out);
}

static void test_state_record_named_like_config(void **state)
{
	struct fixture *f = *state;
	const char *text = "signet-selectors 1\n"
			   "selector s1 dkim state relaxed/relaxed rsa 1024 1600000000\n"
			   "domain s1 dkim example.com off 1 1600600000\n";
	struct sg_error err;
	struct selector *s1;

	assert_int_equal(selstate_parse(&f->set, text, strlen(text), "state", &err), SG_OK);
	s1 = sel_find(&f->set, "s1", SG_KIND_DKIM);
	assert_int_equal(s1->origin, SEL_CONFIG);	/* signet.conf wins */
	assert_int_equal(s1->bits, 1024);
	assert_false(sel_domain_find(s1, "example.com")->enabled);
	assert_int_equal(f->set.n, 1);
}

static void test_parse_errors(void **state)
{
	struct fixture *f = *state;
	static const char *const H = "signet-selectors 1\n";
	static const char *const S = "selector n1 dkim state relaxed/relaxed rsa 2048 1\n";
	char toolong[SELSTATE_LINE_MAX + 40];
	const struct {
		const char *text;
		enum sg_err code;
		const char *msg;
	} cases[] = {
		{ "selector n1 dkim state - rsa 0 0\n", SG_E_SYNTAX,
		  "state:1: not a selector state file" },
		{ "signet-selectors 2\n", SG_E_UNSUPPORTED,
		  "state:1: unsupported state file version \"2\"" },
		{ "# only a comment\n", SG_E_SYNTAX, "no \"signet-selectors 1\" line" },
		{ "signet-selectors 1\nfoo bar\n", SG_E_SYNTAX, "state:2: unknown record type \"foo\"" },
		{ "signet-selectors 1\nselector n1 dkim\n", SG_E_SYNTAX,
		  "state:2: wrong number of fields in a record of type \"selector\"" },
		{ "signet-selectors 1\nselector a b c d e f g h i j\n", SG_E_SYNTAX,
		  "wrong number of fields" },
		{ "signet-selectors 1\nselector n/1 dkim state - rsa 0 0\n", SG_E_SYNTAX,
		  "state:2: selector has a forbidden byte 0x2f" },
		{ "signet-selectors 1\nselector n1 dkim2 state - rsa 0 0\n", SG_E_SYNTAX,
		  "field 3: expected dkim or domainkeys, got \"dkim2\"" },
		{ "signet-selectors 1\nselector n1 dkim both - rsa 0 0\n", SG_E_SYNTAX,
		  "field 4: expected state or config" },
		{ "signet-selectors 1\nselector n1 dkim state Relaxed rsa 0 0\n", SG_E_SYNTAX,
		  "field 5: bad canonicalization" },
		{ "signet-selectors 1\nselector n1 dkim state - dsa 0 0\n", SG_E_SYNTAX,
		  "field 6: expected rsa, ed25519 or -" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 16385 0\n", SG_E_SYNTAX,
		  "field 7: bad key size \"16385\"" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa -1 0\n", SG_E_SYNTAX,
		  "field 7: bad key size" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 99999999999999999999\n",
		  SG_E_SYNTAX, "field 8: bad creation time" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 1 \n", SG_E_SYNTAX,
		  "wrong number of fields" },
		{ "signet-selectors 1\ndomain n1 dkim example.com on 1 0\n", SG_E_SYNTAX,
		  "state:2: domain line does not follow the line of its selector \"n1\"" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 0\n"
		  "domain n2 dkim example.com on 1 0\n", SG_E_SYNTAX,
		  "state:3: domain line does not follow" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 0\n"
		  "domain n1 domainkeys example.com on 1 0\n", SG_E_SYNTAX,
		  "state:3: domain line does not follow" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 0\n"
		  "domain n1 dkim Example.com on 1 0\n", SG_E_SYNTAX,
		  "field 4: domain not in lowercase canonical form" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 0\n"
		  "domain n1 dkim * on 1 0\n", SG_E_SYNTAX, "state:3: domain has a forbidden byte" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 0\n"
		  "domain n1 dkim example.com yes 1 0\n", SG_E_SYNTAX,
		  "field 5: expected on or off" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 0\n"
		  "domain n1 dkim example.com on 2 0\n", SG_E_SYNTAX, "field 6: expected 0 or 1" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 0\n"
		  "domain n1 dkim example.com on 1 x\n", SG_E_SYNTAX, "field 7: bad deletion time" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 0\n"
		  "domain n1 dkim example.com on 1 0\ndomain n1 dkim example.com on 1 0\n",
		  SG_E_SYNTAX, "state:4: domain listed twice: \"example.com\"" },
		{ "signet-selectors 1\nselector n1 dkim state - rsa 0 0\n"
		  "selector n1 dkim state - rsa 0 0\n", SG_E_SYNTAX,
		  "state:3: selector listed twice: \"n1\"" },
		{ "signet-selectors 1\r\n", SG_E_SYNTAX, "state:1: NUL or CR byte" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct selset s;
		struct sg_error err;
		enum sg_err rc;

		fresh_set(f, &s);
		sg_error_clear(&err);
		rc = selstate_parse(&s, cases[i].text, strlen(cases[i].text), "state", &err);
		if (rc != cases[i].code || strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: got %s \"%s\", expected %s \"%s\"", i, sg_err_name(rc),
				 err.msg, sg_err_name(cases[i].code), cases[i].msg);
		selset_free(&s);
	}
	/* A NUL byte inside a line. */
	{
		static const char nul[] = "signet-selectors 1\nselector n1\0 dkim\n";
		struct selset s;
		struct sg_error err;

		fresh_set(f, &s);
		assert_int_equal(selstate_parse(&s, nul, sizeof(nul) - 1, "state", &err),
				 SG_E_SYNTAX);
		assert_non_null(strstr(err.msg, "state:2: NUL or CR byte"));
		selset_free(&s);
	}
	/* A line over the limit. */
	{
		struct selset s;
		struct sg_error err;
		int n = snprintf(toolong, sizeof(toolong), "%s", H);

		memset(toolong + n, 'x', SELSTATE_LINE_MAX + 1);
		toolong[n + SELSTATE_LINE_MAX + 1] = '\n';
		fresh_set(f, &s);
		assert_int_equal(selstate_parse(&s, toolong, (size_t)n + SELSTATE_LINE_MAX + 2,
						"state", &err), SG_E_LIMIT);
		assert_non_null(strstr(err.msg, "state:2: line too long"));
		selset_free(&s);
	}
	/* The file limit is checked before anything is read. */
	{
		struct selset s;
		struct sg_error err;

		fresh_set(f, &s);
		assert_int_equal(selstate_parse(&s, S, SELSTATE_FILE_MAX + 1, "state", &err),
				 SG_E_LIMIT);
		selset_free(&s);
	}
	/* Empty text: an empty state. */
	{
		struct selset s;
		struct sg_error err;

		fresh_set(f, &s);
		assert_int_equal(selstate_parse(&s, "", 0, "state", &err), SG_OK);
		selset_free(&s);
	}
}

static void test_save_and_load(void **state)
{
	struct fixture *f = *state;
	char sdir[4096], path[4200];
	struct sg_error err;
	struct selset back;
	struct stat st;
	struct sg_buf a, b;
	int entries = 0;

	populate(f);
	snprintf(sdir, sizeof(sdir), "%s/var/state", f->dir);
	snprintf(path, sizeof(path), "%s/%s", sdir, SELSTATE_FILE);
	/* Missing file: empty state. */
	fresh_set(f, &back);
	assert_int_equal(selstate_load(&back, path, &err), SG_OK);
	assert_int_equal(back.n, 1);
	selset_free(&back);

	if (selstate_save(&f->set, sdir, &err) != SG_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(sdir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Saved twice: still one file, no temporary left behind. */
	assert_int_equal(selstate_save(&f->set, sdir, &err), SG_OK);
	{
		FILE *ls;
		char cmd[4300], line[512];

		snprintf(cmd, sizeof(cmd), "ls -A '%s'", sdir);
		ls = popen(cmd, "r");
		assert_non_null(ls);
		while (fgets(line, sizeof(line), ls))
			entries++;
		pclose(ls);
	}
	assert_int_equal(entries, 1);
	fresh_set(f, &back);
	if (selstate_load(&back, path, &err) != SG_OK)
		fail_msg("%s", err.msg);
	sg_buf_init(&a, SIZE_MAX);
	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(selstate_format(&f->set, &a), SG_OK);
	assert_int_equal(selstate_format(&back, &b), SG_OK);
	assert_string_equal(sg_buf_cstr(&a), sg_buf_cstr(&b));
	sg_buf_free(&a);
	sg_buf_free(&b);
	selset_free(&back);
	/* A state_dir that is a file: a clear error. */
	snprintf(sdir, sizeof(sdir), "%s/var/state/%s", f->dir, SELSTATE_FILE);
	assert_int_equal(selstate_save(&f->set, sdir, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, sdir));
	/* A broken state file: the error names it and the line. */
	{
		FILE *out = fopen(path, "w");

		assert_non_null(out);
		fputs("signet-selectors 1\nbogus\n", out);
		fclose(out);
	}
	fresh_set(f, &back);
	assert_int_equal(selstate_load(&back, path, &err), SG_E_SYNTAX);
	assert_non_null(strstr(err.msg, SELSTATE_FILE ":2: unknown record type"));
	selset_free(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_record_named_like_config, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_and_load, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
