/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* `kube-firstboot status --endpoint URL`: the lab's progress as the metadata endpoint has it
 * (GET v1/clusters/<cluster>/nodes), as a table; with watch, redrawn every few seconds until every
 * node is done or failed. Returns an exit status: FB_EXIT_OK all done, FB_EXIT_RUNTIME a node failed or the
 * endpoint is unreachable, FB_EXIT_IN_PROGRESS still in progress (no watch). */
int status_remote(const char *endpoint, const char *cluster, bool watch, FILE *out);

/* Prints the table for a nodes document, ages counted to now (Unix seconds); returns how many nodes are
 * (done, failed, other). */
/* Prints the refused seed fetches of a warnings document (GET v1/warnings); returns how many it holds,
 * or -EBADMSG. */
int status_print_warnings(const char *json, size_t size, FILE *out);

/* Copies in to out (at most size bytes with the NUL) as a terminal may show it: escape sequences (CSI,
 * OSC and the other control strings, nF), C1 controls as single bytes and as UTF-8 (U+0080-U+009F)
 * with what they introduce, C0 controls and DEL removed; tab, newline and carriage return become a
 * space; bytes that are not UTF-8 become '?'. Returns the length written. */
size_t terminal_text(const char *in, char *out, size_t size);

int status_print_nodes(const char *json, size_t size, int64_t now, FILE *out, unsigned *ret_done,
                       unsigned *ret_failed, unsigned *ret_other);
