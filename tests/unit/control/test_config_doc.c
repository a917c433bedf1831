/*
 * NAME
 *   test_config_doc.c - unit tests for control/config/config_doc.c: the
 *                       committed docs/config.md and docs/man/signet.conf.5
 *                       are what the keyword table generates
 *
 * SUMMARY
 *   Regenerates both documents and compares them byte for byte with the
 *   files in the source tree; a difference fails with the first differing
 *   line and the command that regenerates them (SG_CONF_DOC_REGENERATE).
 *   Also checks what the documents must contain whatever the wording:
 *   every keyword row and every block has its entry, every default is
 *   shown, and the roff has no line starting with a stray '.' or '\''.
 */
#include "testutil.h"

#include "buf.h"
#include "config_doc.h"
#include "config_keywords.h"

static void expect_same_text(const char *rel, const struct sg_buf *generated)
{
	tu_expect_current(rel, generated->data, "the keyword table", SG_CONF_DOC_REGENERATE);
}

static void test_markdown_is_current(void **state)
{
	struct sg_buf md;

	(void)state;
	sg_buf_init(&md, 1024 * 1024);
	assert_int_equal(sg_conf_doc_markdown(&md), SG_OK);
	expect_same_text("docs/config.md", &md);
	sg_buf_free(&md);
}

static void test_man_is_current(void **state)
{
	struct sg_buf man;

	(void)state;
	sg_buf_init(&man, 1024 * 1024);
	assert_int_equal(sg_conf_doc_man(&man), SG_OK);
	expect_same_text("docs/man/signet.conf.5", &man);
	sg_buf_free(&man);
}

static void test_markdown_covers_table(void **state)
{
	struct sg_buf md;
	char want[1400];

	(void)state;
	sg_buf_init(&md, 1024 * 1024);
	assert_int_equal(sg_conf_doc_markdown(&md), SG_OK);
	for (size_t i = 0; i < sg_conf_nkeywords; i++) {
		const struct sg_conf_keyword *kw = &sg_conf_keywords[i];
		size_t rows = 0;

		for (size_t j = 0; j < sg_conf_nkeywords; j++)
			rows += strcmp(sg_conf_keywords[j].name, kw->name) == 0;
		snprintf(want, sizeof(want), "### `%s`\n", kw->name);
		assert_int_equal(tu_count(md.data, want), rows);
		snprintf(want, sizeof(want), "`%s = ", kw->name);
		assert_true(tu_count(md.data, want) >= 1);
		assert_non_null(strstr(md.data, kw->help));
	}
	for (size_t i = 0; i < sg_conf_nblocks; i++) {
		snprintf(want, sizeof(want), "## `%s ", sg_conf_blocks[i].name);
		assert_non_null(strstr(md.data, want));
	}
	sg_buf_free(&md);
}

static void test_man_is_roff(void **state)
{
	static const char *const macros[] = { ".\\\"", ".TH", ".SH", ".PP", ".TP", ".IP",
					      ".B ", ".BR ", ".I ", ".br" };
	struct sg_buf man;

	(void)state;
	sg_buf_init(&man, 1024 * 1024);
	assert_int_equal(sg_conf_doc_man(&man), SG_OK);
	assert_int_equal(strncmp(man.data, ".\\\" Generated", 13), 0);
	assert_non_null(strstr(man.data, "\n.TH SIGNET.CONF 5 "));
	assert_int_equal(man.data[man.len - 1], '\n');
	tu_expect_roff(man.data, macros, sizeof(macros) / sizeof(macros[0]));
	for (size_t i = 0; i < sg_conf_nkeywords; i++) {
		char want[128];

		snprintf(want, sizeof(want), ".TP\n.B %s\n", sg_conf_keywords[i].name);
		assert_non_null(strstr(man.data, want));
	}
	sg_buf_free(&man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown_is_current),
		cmocka_unit_test(test_man_is_current),
		cmocka_unit_test(test_markdown_covers_table),
		cmocka_unit_test(test_man_is_roff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
