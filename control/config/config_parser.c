/*
 * NAME
 *   config_parser.c - statements and blocks of signet.conf into a tree
 *                     (see config_tree.h)
 *
 * SUMMARY
 *   A loop over tokens with a stack of open blocks (no recursion): a word
 *   starts a statement; '=' makes it an assignment, '{' (after an optional
 *   label) a block; '}' closes the innermost block. Errors say what was
 *   expected and where, e.g. "expected '=' or '{' after "digest"" or
 *   "block "dkim_sign" opened at line 3 is not closed".
 *
 * UNTRUSTED INPUT
 *   The configuration text; depth and statement count are limited (see
 *   config_tree.h), the text arena by the input size.
 */
#include <stdlib.h>
#include <string.h>

#include "config_tree.h"

struct parser {
	const struct sg_conf_src *src;
	struct sg_conf_lexer lx;
	struct sg_conf_tree *tree;
	struct sg_error *err;
	int32_t open[SG_CONF_DEPTH_MAX];	/* open blocks, outermost first */
	int32_t last[SG_CONF_DEPTH_MAX + 1];	/* last statement at each level */
	size_t depth;
};

static const char *token_name(enum sg_conf_tok kind)
{
	switch (kind) {
	case SG_TOK_EOF: return "the end of the file";
	case SG_TOK_WORD: return "a word";
	case SG_TOK_STRING: return "a string";
	case SG_TOK_LBRACE: return "'{'";
	case SG_TOK_RBRACE: return "'}'";
	case SG_TOK_EQUALS: return "'='";
	}
	return "?";
}

static enum sg_err save_text(struct parser *p, const struct sg_conf_token *tok,
			     struct sg_conf_text *out)
{
	enum sg_err rc;

	out->off = (uint32_t)p->tree->text.len;
	out->quoted = tok->kind == SG_TOK_STRING;
	out->pos = tok->pos;
	rc = sg_conf_token_text(tok, &p->tree->text);
	if (rc != SG_OK)
		return sg_conf_error(p->err, p->src, tok->pos, rc, "out of memory");
	return SG_OK;
}

/* Appends a statement at the current level; *idx receives its index. */
static enum sg_err add_node(struct parser *p, enum sg_conf_node_kind kind,
			    const struct sg_conf_token *name, int32_t *idx)
{
	struct sg_conf_tree *t = p->tree;
	struct sg_conf_node *n;
	int32_t prev = p->last[p->depth];

	if (t->count >= SG_CONF_STATEMENTS_MAX)
		return sg_conf_error(p->err, p->src, name->pos, SG_E_LIMIT,
				     "more than %d keywords and blocks", SG_CONF_STATEMENTS_MAX);
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct sg_conf_node *nodes = realloc(t->nodes, cap * sizeof(*nodes));

		if (nodes == NULL)
			return sg_conf_error(p->err, p->src, name->pos, SG_E_NOMEM,
					     "out of memory");
		t->nodes = nodes;
		t->cap = cap;
	}
	*idx = (int32_t)t->count;
	n = &t->nodes[t->count++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->first_child = -1;
	n->next = -1;
	if (prev >= 0)
		t->nodes[prev].next = *idx;
	else if (p->depth == 0)
		t->first = *idx;
	else
		t->nodes[p->open[p->depth - 1]].first_child = *idx;
	p->last[p->depth] = *idx;
	return save_text(p, name, &n->name);
}

static enum sg_err expect_value(struct parser *p, const struct sg_conf_token *name,
				struct sg_conf_token *val)
{
	enum sg_err rc = sg_conf_lex(&p->lx, val, p->err);

	if (rc != SG_OK)
		return rc;
	if (val->kind != SG_TOK_WORD && val->kind != SG_TOK_STRING)
		return sg_conf_error(p->err, p->src, val->pos, SG_E_SYNTAX,
				     "expected a value after \"%.*s =\", got %s",
				     (int)name->raw_len, name->raw, token_name(val->kind));
	return SG_OK;
}

static enum sg_err open_block(struct parser *p, const struct sg_conf_token *name,
			      const struct sg_conf_token *label)
{
	struct sg_conf_node *n;
	int32_t idx;
	enum sg_err rc;

	if (p->depth == SG_CONF_DEPTH_MAX)
		return sg_conf_error(p->err, p->src, name->pos, SG_E_LIMIT,
				     "blocks nested deeper than %d", SG_CONF_DEPTH_MAX);
	rc = add_node(p, SG_NODE_BLOCK, name, &idx);
	if (rc != SG_OK)
		return rc;
	n = &p->tree->nodes[idx];
	if (label != NULL) {
		n->has_label = true;
		rc = save_text(p, label, &n->value);
		if (rc != SG_OK)
			return rc;
	}
	p->open[p->depth++] = idx;
	p->last[p->depth] = -1;
	return SG_OK;
}

/* A statement that starts with the word 'name'. */
static enum sg_err statement(struct parser *p, const struct sg_conf_token *name)
{
	struct sg_conf_token next, label;
	int32_t idx;
	enum sg_err rc = sg_conf_lex(&p->lx, &next, p->err);

	if (rc != SG_OK)
		return rc;
	if (next.kind == SG_TOK_EQUALS) {
		rc = expect_value(p, name, &next);
		if (rc == SG_OK)
			rc = add_node(p, SG_NODE_ASSIGN, name, &idx);
		if (rc == SG_OK)
			rc = save_text(p, &next, &p->tree->nodes[idx].value);
		return rc;
	}
	if (next.kind == SG_TOK_LBRACE)
		return open_block(p, name, NULL);
	if (next.kind == SG_TOK_WORD || next.kind == SG_TOK_STRING) {
		label = next;
		rc = sg_conf_lex(&p->lx, &next, p->err);
		if (rc != SG_OK)
			return rc;
		if (next.kind == SG_TOK_LBRACE)
			return open_block(p, name, &label);
		return sg_conf_error(p->err, p->src, next.pos, SG_E_SYNTAX,
				     "expected '{' after the label of \"%.*s\", got %s",
				     (int)name->raw_len, name->raw, token_name(next.kind));
	}
	return sg_conf_error(p->err, p->src, next.pos, SG_E_SYNTAX,
			     "expected '=' or '{' after \"%.*s\", got %s", (int)name->raw_len,
			     name->raw, token_name(next.kind));
}

static enum sg_err close_block(struct parser *p, const struct sg_conf_token *tok)
{
	if (p->depth == 0)
		return sg_conf_error(p->err, p->src, tok->pos, SG_E_SYNTAX,
				     "unexpected '}' (no block is open)");
	p->tree->nodes[p->open[--p->depth]].close_pos = tok->pos;
	return SG_OK;
}

static enum sg_err unclosed(struct parser *p, const struct sg_conf_token *eof)
{
	const struct sg_conf_node *n = &p->tree->nodes[p->open[p->depth - 1]];

	return sg_conf_error(p->err, p->src, eof->pos, SG_E_SYNTAX,
			     "expected '}' before the end of the file: block \"%s\" opened at "
			     "line %u is not closed", sg_conf_tree_str(p->tree, &n->name),
			     (unsigned)n->name.pos.line);
}

static enum sg_err parse_loop(struct parser *p)
{
	struct sg_conf_token tok;
	enum sg_err rc;

	for (;;) {
		rc = sg_conf_lex(&p->lx, &tok, p->err);
		if (rc != SG_OK)
			return rc;
		switch (tok.kind) {
		case SG_TOK_EOF:
			return p->depth == 0 ? SG_OK : unclosed(p, &tok);
		case SG_TOK_RBRACE:
			rc = close_block(p, &tok);
			break;
		case SG_TOK_WORD:
			rc = statement(p, &tok);
			break;
		default:
			rc = sg_conf_error(p->err, p->src, tok.pos, SG_E_SYNTAX,
					   "expected a keyword, got %s", token_name(tok.kind));
			break;
		}
		if (rc != SG_OK)
			return rc;
	}
}

enum sg_err sg_conf_parse_tree(const struct sg_conf_src *src, struct sg_conf_tree *tree,
			       struct sg_error *err)
{
	struct parser p = { .src = src, .tree = tree, .err = err };
	enum sg_err rc;

	memset(tree, 0, sizeof(*tree));
	tree->first = -1;
	/* Decoded text is never longer than the source; one NUL per token. */
	sg_buf_init(&tree->text, 2 * src->len + 16);
	rc = sg_buf_putc(&tree->text, '\0');	/* offset 0 is "" */
	if (rc != SG_OK)
		return sg_conf_error(err, src, (struct sg_conf_pos){ 0 }, rc, "out of memory");
	p.last[0] = -1;
	sg_conf_lexer_init(&p.lx, src);
	rc = parse_loop(&p);
	if (rc != SG_OK)
		sg_conf_tree_free(tree);
	return rc;
}

void sg_conf_tree_free(struct sg_conf_tree *tree)
{
	free(tree->nodes);
	sg_buf_free(&tree->text);
	memset(tree, 0, sizeof(*tree));
	tree->first = -1;
}
