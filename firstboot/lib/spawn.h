/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Runs commands without a shell: argv[0] is a bare name looked up on a fixed search path (never the
 * caller's $PATH), the child gets a minimal environment, stdin from /dev/null (or the given data), and is
 * killed with its whole process group when the timeout passes. Started with vfork()+execve() in a new
 * session, the command gets descriptors 0-2 and nothing else because every other descriptor of the
 * program is close-on-exec: those it inherited are marked so before main(), and all it opens must be
 * (tests/abi/check-abi.py refuses an open, socket, pipe, dup or fopen without the flag in firstboot/). */

#define SPAWN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* Environment variable that replaces the search path; the tests point it at recording stand-ins. */
#define SPAWN_PATH_ENV "KUBE_FIRSTBOOT_PATH"

struct spawn_result {
        int exit_status;   /* exit code, or 128+signal when killed; -1 when it never ran */
        int timed_out;
        char *output;      /* combined stdout+stderr when captured (NUL-terminated), else NULL */
        size_t output_size;
};

struct spawn_options {
        int timeout_ms;             /* 0: default of 5 minutes */
        int log_fd;                 /* >= 0: copy the command's output here (the 0600 agent log), redacted
                                     * line by line (redact.h); the captured output is not */
        size_t capture_max;         /* > 0: keep up to this many bytes of output in result->output */
        const char *stdin_data;     /* NULL: /dev/null */
        size_t stdin_size;
        const char *const *extra_env; /* NULL-terminated "KEY=value" additions, or NULL */
};

/* Resolves a command name on the search path into an absolute path. -ENOENT when absent. */
int spawn_find(const char *name, char *ret, size_t size);

/* Returns 0 when the command ran (whatever its exit status), -errno when it could not be started.
 * result is always initialised; free it with spawn_result_done(). */
int spawn_run(const char *const argv[], const struct spawn_options *opts, struct spawn_result *result);

/* Convenience: runs and returns its exit status (>= 0), -ETIMEDOUT or -errno. */
int spawn_simple(const char *const argv[], int timeout_ms, int log_fd);

void spawn_result_done(struct spawn_result *result);
