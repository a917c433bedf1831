/* key_gen.c - not yet written */
typedef int sg_placeholder_key_gen;
