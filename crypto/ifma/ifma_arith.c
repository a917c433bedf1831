/* ifma_arith.c - not yet written */
typedef int sg_placeholder_ifma_arith;
