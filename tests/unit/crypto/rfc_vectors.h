/*
 * NAME
 *   rfc_vectors.h - known-answer signatures from the RFC example messages
 *
 * SUMMARY
 *   For two signatures in ../shared/testdata/rfc-examples, the exact bytes
 *   a signer hashes for the header part (RFC 6376 3.7: the selected header
 *   fields canonicalized, then the DKIM-Signature field with b= emptied and
 *   no final CRLF) and the b= value the message carries. Both algorithms
 *   are deterministic, so signing SHA-256 of the text with the example key
 *   must give exactly b=, and verifying b= with the published p= must pass.
 *     RFC 6376 A.2   rsa-sha256, simple/simple, key rfc6376-C-private.pem
 *                    (brisbane._domainkey.example.com in keys.txt)
 *     RFC 8463 A.3   ed25519-sha256, relaxed/relaxed, first signature, key
 *                    rfc8463-A.1-ed25519-seed.b64 (RFC 8032 7.1 TEST 1)
 *   The texts were written by hand from the .eml files and cross-checked
 *   with an independent implementation (Python "cryptography").
 */
#ifndef SIGNET_TEST_RFC_VECTORS_H
#define SIGNET_TEST_RFC_VECTORS_H

#define RFC6376_A2_KEY "rfc-examples/rfc6376-C-private.pem"
#define RFC6376_A2_HEADERS \
	"Received: from client1.football.example.com  [192.0.2.1]\r\n" \
	"      by submitserver.example.com with SUBMISSION;\r\n" \
	"      Fri, 11 Jul 2003 21:01:54 -0700 (PDT)\r\n" \
	"From: Joe SixPack <joe@football.example.com>\r\n" \
	"To: Suzie Q <suzie@shopping.example.net>\r\n" \
	"Subject: Is dinner ready?\r\n" \
	"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n" \
	"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n" \
	"DKIM-Signature: v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n" \
	"      c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n" \
	"      h=Received : From : To : Subject : Date : Message-ID;\r\n" \
	"      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n" \
	"      b=;"
#define RFC6376_A2_B \
	"AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB" \
	"4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut" \
	"KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV" \
	"4bmp/YzhwvcubU4="
#define RFC6376_C_RECORD "rfc-examples/keys.txt", "brisbane._domainkey.example.com"

#define RFC8463_A3_KEY "rfc-examples/rfc8463-A.1-ed25519-seed.b64"
#define RFC8463_A3_HEADERS \
	"from:Joe SixPack <joe@football.example.com>\r\n" \
	"to:Suzie Q <suzie@shopping.example.net>\r\n" \
	"subject:Is dinner ready?\r\n" \
	"date:Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n" \
	"message-id:<20030712040037.46341.5F8J@football.example.com>\r\n" \
	"dkim-signature:v=1; a=ed25519-sha256; c=relaxed/relaxed; " \
	"d=football.example.com; i=@football.example.com; q=dns/txt; s=brisbane; " \
	"t=1528637909; h=from : to : subject : date : message-id : from : subject : " \
	"date; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b="
#define RFC8463_A3_B \
	"/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus" \
	"Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw=="
#define RFC8463_ED25519_PUB "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

#endif
