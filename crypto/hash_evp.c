/* hash_evp.c - not yet written */
typedef int sg_placeholder_hash_evp;
