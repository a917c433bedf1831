/* canon_body.c - not yet written */
typedef int sg_placeholder_canon_body;
