/* cmd_dnsrecord.c - not yet written */
typedef int sg_placeholder_cmd_dnsrecord;
