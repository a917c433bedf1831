/* backend_cryptodev.c - not yet written */
typedef int sg_placeholder_backend_cryptodev;
