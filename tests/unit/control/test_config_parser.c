/*
 * NAME
 *   test_config_parser.c - unit tests for control/config/config_parser.c
 *
 * SUMMARY
 *   The tree of a small file: node kinds, names, labels and values (quoted
 *   or not, decoded), positions, child and sibling links, the '}' position.
 *   Nesting at exactly SG_CONF_DEPTH_MAX and one deeper; exactly
 *   SG_CONF_STATEMENTS_MAX statements and one more. Every grammar error
 *   with its exact message; a lexer error inside a block. A failed parse
 *   leaves an empty tree (and no leak, under ASan).
 */
#include "testutil.h"

#include "config_tree.h"

static enum sg_err parse(const char *text, size_t len, struct sg_conf_tree *t,
			 struct sg_error *err)
{
	struct sg_conf_src src = { .name = "t", .text = text, .len = len };

	sg_error_clear(err);
	return sg_conf_parse_tree(&src, t, err);
}

static const char *str(const struct sg_conf_tree *t, const struct sg_conf_text *x)
{
	return sg_conf_tree_str(t, x);
}

static void test_tree_shape(void **state)
{
	static const char text[] =
		"a = 1\n"
		"blk \"L b\" {\n"
		"  x = \"q\\\"v\"\n"
		"  inner lbl { }\n"
		"  y = w\n"
		"}\n"
		"plain { }\n";
	struct sg_conf_tree t;
	struct sg_error err;
	const struct sg_conf_node *n;

	(void)state;
	assert_int_equal(parse(text, sizeof(text) - 1, &t, &err), SG_OK);
	assert_int_equal(t.count, 6);
	assert_int_equal(t.first, 0);
	n = &t.nodes[0];
	assert_int_equal(n->kind, SG_NODE_ASSIGN);
	assert_string_equal(str(&t, &n->name), "a");
	assert_string_equal(str(&t, &n->value), "1");
	assert_false(n->value.quoted);
	assert_int_equal(n->value.pos.col, 5);
	assert_int_equal(n->next, 1);
	n = &t.nodes[1];
	assert_int_equal(n->kind, SG_NODE_BLOCK);
	assert_true(n->has_label);
	assert_string_equal(str(&t, &n->value), "L b");
	assert_true(n->value.quoted);
	assert_int_equal(n->value.pos.col, 5);
	assert_int_equal(n->first_child, 2);
	assert_int_equal(n->close_pos.line, 6);
	assert_int_equal(n->close_pos.col, 1);
	assert_int_equal(n->next, 5);
	n = &t.nodes[2];
	assert_string_equal(str(&t, &n->value), "q\"v");
	assert_int_equal(n->name.pos.line, 3);
	assert_int_equal(n->name.pos.col, 3);
	assert_int_equal(n->next, 3);
	n = &t.nodes[3];
	assert_string_equal(str(&t, &n->name), "inner");
	assert_string_equal(str(&t, &n->value), "lbl");
	assert_false(n->value.quoted);
	assert_int_equal(n->first_child, -1);
	assert_int_equal(n->next, 4);
	assert_int_equal(t.nodes[4].next, -1);
	n = &t.nodes[5];
	assert_false(n->has_label);
	assert_string_equal(str(&t, &n->value), "");
	assert_int_equal(n->first_child, -1);
	assert_int_equal(n->next, -1);
	sg_conf_tree_free(&t);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.first, -1);
}

static void test_empty(void **state)
{
	struct sg_conf_tree t;
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("", 0, &t, &err), SG_OK);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.first, -1);
	sg_conf_tree_free(&t);
}

static char *nested(int depth)
{
	char *s = malloc((size_t)depth * 6 + 1), *p = s;

	assert_non_null(s);
	for (int i = 0; i < depth; i++)
		p += sprintf(p, "b {");
	for (int i = 0; i < depth; i++)
		*p++ = '}';
	*p = '\0';
	return s;
}

static void test_depth_limit(void **state)
{
	struct sg_conf_tree t;
	struct sg_error err;
	char *s = nested(SG_CONF_DEPTH_MAX);

	(void)state;
	assert_int_equal(parse(s, strlen(s), &t, &err), SG_OK);
	assert_int_equal(t.count, SG_CONF_DEPTH_MAX);
	assert_int_equal(t.nodes[SG_CONF_DEPTH_MAX - 2].first_child, SG_CONF_DEPTH_MAX - 1);
	sg_conf_tree_free(&t);
	free(s);
	s = nested(SG_CONF_DEPTH_MAX + 1);
	assert_int_equal(parse(s, strlen(s), &t, &err), SG_E_LIMIT);
	assert_string_equal(err.msg, "t:1:13: blocks nested deeper than 4");
	assert_int_equal(t.count, 0);
	free(s);
}

static void test_statement_limit(void **state)
{
	struct sg_conf_tree t;
	struct sg_error err;
	struct sg_buf text;

	(void)state;
	sg_buf_init(&text, SIZE_MAX);
	for (int i = 0; i < SG_CONF_STATEMENTS_MAX; i++)
		assert_int_equal(sg_buf_puts(&text, "k=v\n"), SG_OK);
	assert_int_equal(parse(text.data, text.len, &t, &err), SG_OK);
	assert_int_equal(t.count, SG_CONF_STATEMENTS_MAX);
	sg_conf_tree_free(&t);
	assert_int_equal(sg_buf_puts(&text, "k {"), SG_OK);
	assert_int_equal(parse(text.data, text.len, &t, &err), SG_E_LIMIT);
	assert_string_equal(err.msg, "t:10001:1: more than 10000 keywords and blocks");
	sg_buf_free(&text);
}

static const char *const grammar_errors[][2] = {
	{ "}", "t:1:1: unexpected '}' (no block is open)" },
	{ "a { }\n}", "t:2:1: unexpected '}' (no block is open)" },
	{ "a {\n  b {\n", "t:3:1: expected '}' before the end of the file: block \"b\" opened at "
	  "line 2 is not closed" },
	{ "a", "t:1:2: expected '=' or '{' after \"a\", got the end of the file" },
	{ "a }", "t:1:3: expected '=' or '{' after \"a\", got '}'" },
	{ "a =", "t:1:4: expected a value after \"a =\", got the end of the file" },
	{ "a = {", "t:1:5: expected a value after \"a =\", got '{'" },
	{ "a = =", "t:1:5: expected a value after \"a =\", got '='" },
	{ "a \"x\" = 1", "t:1:7: expected '{' after the label of \"a\", got '='" },
	{ "a x y { }", "t:1:5: expected '{' after the label of \"a\", got a word" },
	{ "\"a\" = 1", "t:1:1: expected a keyword, got a string" },
	{ "= 1", "t:1:1: expected a keyword, got '='" },
	{ "{ }", "t:1:1: expected a keyword, got '{'" },
	{ "a = 1 2", "t:1:8: expected '=' or '{' after \"2\", got the end of the file" },
	{ "a {\n b = \"\xff\" }", "t:2:7: invalid UTF-8 byte 0xff in a string" },
};

static void test_grammar_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(grammar_errors) / sizeof(grammar_errors[0]); i++) {
		const char *text = grammar_errors[i][0];
		struct sg_conf_tree t;
		struct sg_error err;

		if (parse(text, strlen(text), &t, &err) == SG_OK)
			fail_msg("case %zu accepted", i);
		if (strcmp(err.msg, grammar_errors[i][1]) != 0)
			fail_msg("case %zu: \"%s\", expected \"%s\"", i, err.msg,
				 grammar_errors[i][1]);
		assert_int_equal(err.code, SG_E_SYNTAX);
		assert_int_equal(t.count, 0);
		assert_null(t.nodes);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_shape),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_statement_limit),
		cmocka_unit_test(test_grammar_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
