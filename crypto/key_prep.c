/* key_prep.c - not yet written */
typedef int sg_placeholder_key_prep;
