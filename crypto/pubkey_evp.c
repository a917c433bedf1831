/* pubkey_evp.c - not yet written */
typedef int sg_placeholder_pubkey_evp;
