/*
 * NAME
 *   test_selectors.c - selectors from signet.conf, the one-enabled rule,
 *                      resolution, statuses, normalization
 *                      (control/keys/selectors.c)
 */
#include "keys_testutil.h"
#include "selectors.h"

static const char *CONF =
	"dkim_sign \"main\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  dk_domain \"Example.com\" { selector = \"s1\" }\n"
	"  dk_domain \"mail.example.org\" { selector = \"s2\"  base_domain = \"example.org\" }\n"
	"  dk_domain \"nosel.example\" { lifetime = 1 }\n"
	"}\n"
	"dkim_sign \"catchall\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  selector = \"any1\"\n"
	"  body_canon = simple\n"
	"}\n"
	"dk_sign \"legacy\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  canon = nofws\n"
	"  dk_domain \"example.com\" { selector = \"dk1\" }\n"
	"}\n";

struct fixture {
	char *dir;
	struct sg_config *conf;
	struct selset set;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sg_error err;

	assert_non_null(f);
	f->dir = kt_tmpdir();
	f->conf = kt_config(f->dir, CONF);
	selset_init(&f->set);
	if (selset_add_config(&f->set, f->conf->scopes, f->conf->nscopes, &err) != SG_OK)
		fail_msg("%s", err.msg);
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

static const char *resolved(const struct selset *s, enum sg_sigkind kind, const char *domain)
{
	const struct selector *sel = sel_resolve(s, kind, domain);

	return sel ? sel->name : "(none)";
}

static void test_config_selectors(void **state)
{
	struct fixture *f = *state;
	struct selector *s1 = sel_find(&f->set, "s1", SG_KIND_DKIM);
	struct selector *s2 = sel_find(&f->set, "S2", SG_KIND_DKIM);	/* any case */
	struct selector *any = sel_find(&f->set, "any1", SG_KIND_DKIM);
	struct selector *dk = sel_find(&f->set, "dk1", SG_KIND_DOMAINKEYS);

	assert_int_equal(f->set.n, 4);
	assert_non_null(s1);
	assert_int_equal(s1->origin, SEL_CONFIG);
	assert_int_equal(s1->ndomains, 1);
	assert_string_equal(s1->domains[0].domain, "example.com");	/* lowercased */
	assert_true(s1->domains[0].enabled && s1->domains[0].from_config);
	assert_string_equal(s1->canon, "relaxed/relaxed");
	assert_non_null(s2);
	assert_string_equal(s2->domains[0].domain, "example.org");	/* base_domain */
	assert_non_null(any);
	assert_string_equal(any->domains[0].domain, SEL_ANY_DOMAIN);
	assert_string_equal(any->canon, "relaxed/simple");
	assert_non_null(dk);
	assert_string_equal(dk->canon, "nofws");
	assert_null(sel_find(&f->set, "dk1", SG_KIND_DKIM));

	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "example.com"), "s1");
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "example.org"), "s2");
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "other.net"), "any1");
	assert_string_equal(resolved(&f->set, SG_KIND_DOMAINKEYS, "example.com"), "dk1");
	assert_string_equal(resolved(&f->set, SG_KIND_DOMAINKEYS, "other.net"), "(none)");
}

struct seen {
	char names[8][300];
	size_t n;
};

static void seen_cb(const struct selector *sel, const char *domain, void *arg)
{
	struct seen *s = arg;

	snprintf(s->names[s->n++], sizeof(s->names[0]), "%s@%s", sel->name, domain);
}

static void test_enable_disables_the_other(void **state)
{
	struct fixture *f = *state;
	struct selector *n1, *n2, *s1 = sel_find(&f->set, "s1", SG_KIND_DKIM);
	struct seen seen = { .n = 0 };
	struct sel_domain *d;

	assert_int_equal(sel_add(&f->set, "n1", SG_KIND_DKIM, SEL_STATE, &n1), SG_OK);
	assert_int_equal(sel_domain_add(n1, "example.com", &d), SG_OK);
	assert_int_equal(sel_domain_status(d, 1000), SEL_ST_NEW);
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "example.com"), "s1");

	assert_int_equal(sel_enable(&f->set, n1, "example.com", 1000, 500, seen_cb, &seen),
			 SG_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.names[0], "s1@example.com");
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "example.com"), "n1");
	d = sel_domain_find(s1, "example.com");
	assert_false(d->enabled);
	assert_int_equal(d->delete_after, 1500);
	assert_int_equal(sel_domain_status(d, 1499), SEL_ST_RETIRING);
	assert_int_equal(sel_domain_status(d, 1500), SEL_ST_DISABLED);
	assert_int_equal(sel_domain_status(sel_domain_find(n1, "example.com"), 1000),
			 SEL_ST_ENABLED);
	/* DomainKeys is apart: dk1 still signs example.com. */
	assert_string_equal(resolved(&f->set, SG_KIND_DOMAINKEYS, "example.com"), "dk1");

	/* A second state selector takes over from the first. */
	assert_int_equal(sel_add(&f->set, "n2", SG_KIND_DKIM, SEL_STATE, &n2), SG_OK);
	seen.n = 0;
	assert_int_equal(sel_enable(&f->set, n2, "example.com", 2000, 500, seen_cb, &seen),
			 SG_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.names[0], "n1@example.com");
	assert_int_equal(sel_domain_find(n1, "example.com")->delete_after, 2500);
	/* The retired config selector keeps its earlier date. */
	assert_int_equal(d->delete_after, 1500);
	/* Enabled again: no deletion date any more. */
	assert_int_equal(sel_enable(&f->set, s1, "example.com", 3000, 500, NULL, NULL), SG_OK);
	assert_int_equal(d->delete_after, 0);
	assert_true(d->enabled);
	assert_false(sel_domain_find(n2, "example.com")->enabled);
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "example.com"), "s1");
}

static void test_enable_over_wildcard(void **state)
{
	struct fixture *f = *state;
	struct selector *n1, *any = sel_find(&f->set, "any1", SG_KIND_DKIM);
	struct seen seen = { .n = 0 };
	struct sel_domain *d;

	assert_int_equal(sel_add(&f->set, "n1", SG_KIND_DKIM, SEL_STATE, &n1), SG_OK);
	/* Prepared but not enabled: the wildcard still signs other.net. */
	assert_int_equal(sel_domain_add(n1, "other.net", &d), SG_OK);
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "other.net"), "any1");
	assert_int_equal(sel_enable(&f->set, n1, "other.net", 1000, 700, seen_cb, &seen),
			 SG_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.names[0], "any1@other.net");
	d = sel_domain_find(any, "other.net");
	assert_non_null(d);
	assert_false(d->enabled);
	assert_true(d->ever_enabled);
	assert_int_equal(d->delete_after, 1700);
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "other.net"), "n1");
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "third.net"), "any1");
	/* Disabling n1 does not give other.net back to the wildcard. */
	assert_int_equal(sel_disable(&f->set, n1, "other.net", 2000, 700, NULL), SG_OK);
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "other.net"), "(none)");
}

static void test_disable(void **state)
{
	struct fixture *f = *state;
	struct selector *s1 = sel_find(&f->set, "s1", SG_KIND_DKIM);
	struct selector *any = sel_find(&f->set, "any1", SG_KIND_DKIM);
	struct sg_error err;

	assert_int_equal(sel_disable(&f->set, s1, "example.com", 100, 50, &err), SG_OK);
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "example.com"), "(none)");
	assert_int_equal(sel_domain_find(s1, "example.com")->delete_after, 150);
	assert_int_equal(sel_disable(&f->set, s1, "example.com", 100, 50, &err), SG_E_STATE);
	assert_string_equal(err.msg, "selector s1 is not enabled for example.com");
	assert_int_equal(sel_disable(&f->set, s1, "never.example", 100, 50, &err), SG_E_STATE);
	/* The wildcard selector, for one domain: an explicit "off" entry. */
	assert_int_equal(sel_disable(&f->set, any, "x.net", 100, 50, &err), SG_OK);
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "x.net"), "(none)");
	assert_string_equal(resolved(&f->set, SG_KIND_DKIM, "y.net"), "any1");
	assert_int_equal(sel_domain_status(sel_domain_find(any, "x.net"), 100),
			 SEL_ST_RETIRING);
}

static void test_normalize(void **state)
{
	struct fixture *f = *state;
	struct selector *a, *b, *s1 = sel_find(&f->set, "s1", SG_KIND_DKIM);
	struct sel_domain *d;

	/* A state selector enabled where signet.conf names another one (as
	 * after a config edit): the state one wins. */
	assert_int_equal(sel_add(&f->set, "a", SG_KIND_DKIM, SEL_STATE, &a), SG_OK);
	assert_int_equal(sel_domain_add(a, "example.com", &d), SG_OK);
	d->enabled = d->ever_enabled = true;
	assert_int_equal(sel_add(&f->set, "b", SG_KIND_DKIM, SEL_STATE, &b), SG_OK);
	assert_int_equal(sel_domain_add(b, "example.com", &d), SG_OK);
	d->enabled = d->ever_enabled = true;
	assert_int_equal(sel_domain_add(b, "b.example", &d), SG_OK);
	d->enabled = d->ever_enabled = true;
	assert_int_equal(sel_normalize(&f->set), 2);
	assert_false(sel_domain_find(s1, "example.com")->enabled);
	assert_true(sel_domain_find(a, "example.com")->enabled);	/* first one kept */
	assert_false(sel_domain_find(b, "example.com")->enabled);
	assert_true(sel_domain_find(b, "b.example")->enabled);
	assert_int_equal(sel_normalize(&f->set), 0);
	/* DomainKeys untouched. */
	assert_string_equal(resolved(&f->set, SG_KIND_DOMAINKEYS, "example.com"), "dk1");
}

static void test_add_find_remove(void **state)
{
	struct fixture *f = *state;
	struct selector *x, *found[4];
	struct sel_domain *d, *d2;
	char name[32];

	assert_int_equal(sel_add(&f->set, "dk1", SG_KIND_DKIM, SEL_STATE, &x), SG_OK);
	assert_int_equal(sel_find_name(&f->set, "DK1", found, 4), 2);
	assert_int_equal(sel_find_name(&f->set, "dk1", NULL, 0), 2);
	assert_int_equal(sel_domain_add(x, "a.example", &d), SG_OK);
	assert_int_equal(sel_domain_add(x, "a.example", &d2), SG_OK);	/* same entry */
	assert_ptr_equal(d, d2);
	assert_int_equal(x->ndomains, 1);
	sel_remove(&f->set, x);
	assert_int_equal(sel_find_name(&f->set, "dk1", found, 4), 1);
	assert_int_equal(found[0]->kind, SG_KIND_DOMAINKEYS);
	/* Limits. */
	while (f->set.n < SEL_MAX) {
		snprintf(name, sizeof(name), "x%zu", f->set.n);
		assert_int_equal(sel_add(&f->set, name, SG_KIND_DKIM, SEL_STATE, &x), SG_OK);
	}
	assert_int_equal(sel_add(&f->set, "one-more", SG_KIND_DKIM, SEL_STATE, &x), SG_E_LIMIT);
	for (int i = 0; i < SEL_DOMAINS_MAX; i++) {
		snprintf(name, sizeof(name), "d%d.example", i);
		assert_int_equal(sel_domain_add(x, name, &d), SG_OK);
	}
	assert_int_equal(sel_domain_add(x, "more.example", &d), SG_E_LIMIT);
	assert_int_equal(sel_domain_add(x, "d7.example", &d), SG_OK);	/* existing */
}

static void test_bad_config_selector(void **state)
{
	struct sg_sign_domain dom = { .domain = "example.com" };
	struct sg_sign_scope scope = { .kind = SG_KIND_DKIM, .name = "x", .line = 7 };
	struct selset set;
	struct sg_error err;

	(void)state;
	scope.domains = &dom;
	scope.ndomains = 1;
	snprintf(dom.opt.selector, sizeof(dom.opt.selector), "bad/sel");
	selset_init(&set);
	assert_int_equal(selset_add_config(&set, &scope, 1, &err), SG_E_ARG);
	assert_int_equal(err.line, 7);
	assert_non_null(strstr(err.msg, "dkim_sign \"x\""));
	assert_non_null(strstr(err.msg, "0x2f"));
	selset_free(&set);
	snprintf(dom.opt.selector, sizeof(dom.opt.selector), "good");
	snprintf(dom.domain, sizeof(dom.domain), "localhost");
	assert_int_equal(selset_add_config(&set, &scope, 1, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "dk_domain \"localhost\""));
	selset_free(&set);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sel_kind_name(SG_KIND_DKIM), "dkim");
	assert_string_equal(sel_kind_name(SG_KIND_DOMAINKEYS), "domainkeys");
	assert_string_equal(sel_status_name(SEL_ST_ENABLED), "enabled");
	assert_string_equal(sel_status_name(SEL_ST_NEW), "new");
	assert_string_equal(sel_status_name(SEL_ST_RETIRING), "retiring");
	assert_string_equal(sel_status_name(SEL_ST_DISABLED), "disabled");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_selectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_disables_the_other, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_over_wildcard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_normalize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_find_remove, setup, teardown),
		cmocka_unit_test(test_bad_config_selector),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
