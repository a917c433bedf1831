/* canon_header.c - not yet written */
typedef int sg_placeholder_canon_header;
