/* key_load.c - not yet written */
typedef int sg_placeholder_key_load;
