/*
 * NAME
 *   sd_net.h - socket addresses and client network lists of the
 *              esmtp_listener block, as the relay uses them
 *
 * SUMMARY
 *   sd_addr_parse turns "IPv4:PORT" or "[IPv6]:PORT" (listen, next_hop)
 *   into a socket address. sd_netlist_parse turns relay_hosts ("IP" or
 *   "IP/PREFIX" items separated by spaces, tabs or commas; a bare IP is a
 *   host: /32 or /128) into a list, and sd_netlist_match says whether a
 *   client's address lies in one of its networks. An IPv4-mapped IPv6
 *   client (::ffff:a.b.c.d, seen on an IPv6 socket) is matched as the
 *   IPv4 address it carries. The configuration parser already checked the
 *   syntax (config_net.c); these functions check it again and name the
 *   offending item, since they also serve tests and other callers.
 *
 * UNTRUSTED INPUT
 *   The configuration text (bounded: items over SD_NET_ITEM_MAX octets
 *   and lists over SD_NET_LIST_MAX items are refused); client addresses
 *   come from the kernel (accept/getpeername).
 */
#ifndef SIGNET_SIGNETD_SD_NET_H
#define SIGNET_SIGNETD_SD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "status.h"

#define SD_NET_ITEM_MAX 63		/* longest IP/PREFIX text accepted */
#define SD_NET_LIST_MAX 256		/* networks in one list */

struct sd_net {
	int family;			/* AF_INET or AF_INET6 */
	unsigned prefix;		/* 0..32 or 0..128 */
	uint8_t addr[16];		/* network address, host bits cleared */
};

struct sd_netlist {
	struct sd_net *nets;
	size_t n;
};

/* "IPv4:PORT" or "[IPv6]:PORT" -> *ss (*len its size). SG_E_SYNTAX with
 * err naming the text otherwise. */
SG_MUST_CHECK enum sg_err sd_addr_parse(const char *text, struct sockaddr_storage *ss,
					socklen_t *len, struct sg_error *err);
/* Parses a network list into *out (empty text: an empty list). SG_E_SYNTAX
 * naming the bad item and its offset, SG_E_LIMIT past SD_NET_LIST_MAX. */
SG_MUST_CHECK enum sg_err sd_netlist_parse(const char *text, struct sd_netlist *out,
					   struct sg_error *err);
/* True when sa (AF_INET or AF_INET6) lies in one of the networks. */
bool sd_netlist_match(const struct sd_netlist *l, const struct sockaddr *sa);
void sd_netlist_free(struct sd_netlist *l);
/* "IP:PORT" / "[IP]:PORT" text of sa for logs (buf of at least 64). */
const char *sd_addr_text(const struct sockaddr *sa, char *buf, size_t cap);

#endif
