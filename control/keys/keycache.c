/* keycache.c - not yet written */
typedef int sg_placeholder_keycache;
