/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Every line on its way to a log sink (stderr and the journal, the 0600 agent log, a progress report's
 * message) goes through redact() first; command output that the agent copies into its log goes through
 * a struct redact_stream. What is recognised, by its shape, wherever it stands:
 *  - a bootstrap token [a-z0-9]{6}.[a-z0-9]{16}: its id stays, its secret half becomes REDACTED;
 *  - a 32-byte key in base64 (43 characters and "=", the cluster key's form): REDACTED;
 *  - the password of a URL's userinfo, scheme://user:password@host: scheme://user:<redacted>@host;
 *  - the value of a flag whose name ends in token, key, password, secret or bearer (--token X,
 *    --certificate-key=X: kubeadm's printed join commands), and of such a key in YAML or JSON
 *    (token: X, "cluster_key": "X"), when the value is quoted or the last word before the end of the line,
 *    a comma or a closing bracket (so "kube_firstboot.token: is not a bootstrap token ..." stays as it
 *    is); a quoted value after "token " (kubeadm: the bootstrap token "X" was not of the form ...);
 *  - "Bearer X" (an Authorization header). */

#define REDACTED "<redacted>"

/* Copies len bytes of text into out (size bytes, always NUL-terminated, cut short when it does not fit)
 * with every secret above replaced; text may hold newlines and need not be NUL-terminated. Returns the
 * length written. Output can be longer than the input (a one-character password becomes REDACTED):
 * 2 * len + 16 bytes always suffice. */
size_t redact(const char *text, size_t len, char *out, size_t size);

/* Command output arrives in chunks that may cut a token or a "--token X" in two: the stream keeps the
 * unfinished line and redacts whole lines. A line longer than the buffer is cut at its last blank (or
 * before the last run of characters a secret is made of), so that no secret is split. The buffer is
 * erased when the stream is done. */
#define REDACT_LINE_MAX 8192
struct redact_stream {
        int fd;
        size_t len;
        char line[REDACT_LINE_MAX];
};

void redact_stream_init(struct redact_stream *s, int fd);
/* Writes what is complete (up to the last newline) to fd, redacted; keeps the rest. */
void redact_stream_write(struct redact_stream *s, const char *data, size_t n);
/* Writes what is left, redacted, and erases the buffer. */
void redact_stream_done(struct redact_stream *s);
