/* selectors.c - not yet written */
typedef int sg_placeholder_selectors;
