/*
 * NAME
 *   config_tree.h - signet.conf as a tree of statements, before meaning is
 *                   given to it (private to config/)
 *
 * SUMMARY
 *   sg_conf_parse_tree reads the grammar
 *     file      = *statement
 *     statement = WORD "=" value            ; an assignment
 *               / WORD [ value ] "{" *statement "}"   ; a block
 *     value     = WORD / STRING
 *   into struct sg_conf_tree: nodes in file order, each with its name,
 *   label or value (decoded, NUL-terminated) and their positions. Children
 *   of a block are linked with first_child / next (-1 ends a list).
 *   Which names exist, which blocks nest where and what values mean is
 *   config_apply.c's business; the parser only enforces the limits.
 *
 * UNTRUSTED INPUT
 *   The configuration text: nesting at most SG_CONF_DEPTH_MAX blocks, at
 *   most SG_CONF_STATEMENTS_MAX statements (assignments and blocks).
 */
#ifndef SIGNET_CONTROL_CONFIG_TREE_H
#define SIGNET_CONTROL_CONFIG_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include "buf.h"
#include "config_lexer.h"
#include "status.h"

#define SG_CONF_DEPTH_MAX 4
#define SG_CONF_STATEMENTS_MAX 10000

enum sg_conf_node_kind { SG_NODE_ASSIGN, SG_NODE_BLOCK };

struct sg_conf_text {
	uint32_t off;			/* into the tree's text arena */
	bool quoted;			/* written as a "string" */
	struct sg_conf_pos pos;		/* of its token */
};

struct sg_conf_node {
	enum sg_conf_node_kind kind;
	struct sg_conf_text name;
	struct sg_conf_text value;	/* assignment: the value; block: the label */
	bool has_label;			/* block with a label */
	struct sg_conf_pos close_pos;	/* block: its '}' */
	int32_t first_child;		/* block: first statement inside, or -1 */
	int32_t next;			/* next statement at the same level, or -1 */
};

struct sg_conf_tree {
	struct sg_conf_node *nodes;
	size_t count;
	size_t cap;
	int32_t first;			/* first top-level statement, or -1 */
	struct sg_buf text;		/* NUL-terminated names and values */
};

SG_MUST_CHECK enum sg_err sg_conf_parse_tree(const struct sg_conf_src *src,
					     struct sg_conf_tree *tree, struct sg_error *err);
void sg_conf_tree_free(struct sg_conf_tree *tree);

static inline const char *sg_conf_tree_str(const struct sg_conf_tree *tree,
					   const struct sg_conf_text *t)
{
	return tree->text.data + t->off;
}

#endif
