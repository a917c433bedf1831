/*
 * NAME
 *   test_dp_scope.c - which scope signs a domain (dk_domain entry first,
 *                     then a block with its own selector, then the first
 *                     block of the kind) and domain normalization
 */
#include "testutil.h"
#include "core_testutil.h"
#include "dp_scope.h"

#define CONF \
	"dkim_sign \"first\" { dk_domain \"news.a.example\" { base_domain = \"a.example\" } }\n" \
	"dkim_sign \"withsel\" { selector = \"s9\" }\n" \
	"dkim_sign \"third\" { dk_domain \"c.example\" { } }\n" \
	"dk_sign \"dk\" { }\n"

static void test_scope_choice(void **state)
{
	struct sg_config *c = ct_config(CONF);
	const struct sg_sign_scope *s;
	const char *d = NULL;

	(void)state;
	s = dp_scope_for(c, SG_KIND_DKIM, "C.Example");
	assert_string_equal(s->name, "third");
	s = dp_scope_for(c, SG_KIND_DKIM, "news.a.example");
	assert_string_equal(s->name, "first");
	(void)sg_config_domain_options(s, "news.a.example", &d);
	assert_string_equal(d, "a.example");
	s = dp_scope_for(c, SG_KIND_DKIM, "other.example");
	assert_string_equal(s->name, "withsel");
	s = dp_scope_for(c, SG_KIND_DKIM, NULL);
	assert_string_equal(s->name, "withsel");
	s = dp_scope_for(c, SG_KIND_DOMAINKEYS, "a.example");
	assert_string_equal(s->name, "dk");
	assert_null(dp_scope_for(NULL, SG_KIND_DKIM, "a.example"));
	sg_config_free(c);
	c = ct_config("dkim_sign \"only\" { }\n");
	assert_string_equal(dp_scope_for(c, SG_KIND_DKIM, "x.example")->name, "only");
	assert_null(dp_scope_for(c, SG_KIND_DOMAINKEYS, "x.example"));
	sg_config_free(c);
}

static void test_normalize(void **state)
{
	char out[256], longname[300];

	(void)state;
	assert_true(dp_domain_normalize("Mail.EXAMPLE.com.", out, sizeof(out)));
	assert_string_equal(out, "mail.example.com");
	assert_false(dp_domain_normalize("example..com", out, sizeof(out)));
	assert_false(dp_domain_normalize("-bad.example", out, sizeof(out)));
	assert_false(dp_domain_normalize("single", out, sizeof(out)));
	assert_false(dp_domain_normalize("", out, sizeof(out)));
	assert_false(dp_domain_normalize(".", out, sizeof(out)));
	assert_false(dp_domain_normalize(NULL, out, sizeof(out)));
	assert_false(dp_domain_normalize("a.example", out, 16));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (size_t i = 60; i < sizeof(longname) - 1; i += 61)
		longname[i] = '.';
	assert_false(dp_domain_normalize(longname, out, sizeof(out)));	/* > 253 bytes */
	longname[253] = '\0';
	longname[252] = 'a';
	assert_true(dp_domain_normalize(longname, out, sizeof(out)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope_choice),
		cmocka_unit_test(test_normalize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
