/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "macro.h"
#include "parse.h"
#include "redact.h"
#include "secret.h"
#include "spawn.h"
#include "time-util.h"

/* Descriptors the agent inherited from whoever started it (a shell, a test harness) are not its own and
 * may lack close-on-exec; commands must not get them. They are marked once, before main(), while they are
 * the only ones open; everything opened later is close-on-exec where it is opened. */
__attribute__((constructor)) static void mark_inherited_cloexec(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        long max;

        if (d) {
                while ((de = readdir(d))) {
                        unsigned long long fd;
                        if (parse_uint(de->d_name, STDERR_FILENO + 1, INT_MAX, &fd) >= 0 && (int) fd != dirfd(d))
                                (void) fcntl((int) fd, F_SETFD, FD_CLOEXEC);
                }
                closedir(d);
                return;
        }
        /* no /proc yet: every descriptor number up to the limit */
        max = sysconf(_SC_OPEN_MAX);
        if (max < 0 || max > 65536)
                max = 65536;
        for (int fd = STDERR_FILENO + 1; fd < max; fd++)
                (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static const char *search_path(void) {
        const char *p = getenv(SPAWN_PATH_ENV);
        return p && *p ? p : SPAWN_DEFAULT_PATH;
}

int spawn_find(const char *name, char *ret, size_t size) {
        const char *p = search_path();

        if (strchr(name, '/'))
                return -EINVAL; /* only names: absolute paths come from the search path */

        while (*p) {
                const char *end = strchr(p, ':');
                size_t len = end ? (size_t) (end - p) : strlen(p);
                struct stat st;

                if (len > 0 && p[0] == '/') {
                        int n = snprintf(ret, size, "%.*s/%s", (int) len, p, name);
                        if (n > 0 && (size_t) n < size && stat(ret, &st) == 0 && S_ISREG(st.st_mode) &&
                            access(ret, X_OK) == 0)
                                return 0;
                }
                if (!end)
                        break;
                p = end + 1;
        }
        return -ENOENT;
}

void spawn_result_done(struct spawn_result *result) {
        free(result->output);
        result->output = NULL;
        result->output_size = 0;
}

/* What the child needs, all prepared by the parent: the child runs on the parent's memory until execve(). */
struct child_setup {
        const char *exe;
        char *const *argv;
        char *const *envp;
        int in_fd, out_fd;
};

/* The vfork()ed child. It shares the parent's memory (the parent is suspended until execve() or _exit()),
 * so it makes system calls only: no stdio, no malloc, nothing written but its stack frame and errno. Nothing
 * is closed by hand: every descriptor of the agent is close-on-exec (tests/abi/check-abi.py refuses an
 * open, socket, pipe or dup without it), and the three dup2()s here are the only ones the command gets. */
static _noreturn_ void exec_child(const struct child_setup *c) {
        struct sigaction dfl;
        sigset_t none;
        int sig;

        (void) setsid(); /* own session and process group, so a timeout kills everything it started */

        if (dup2(c->in_fd, STDIN_FILENO) < 0 || dup2(c->out_fd, STDOUT_FILENO) < 0 ||
            dup2(c->out_fd, STDERR_FILENO) < 0)
                _exit(127);

        /* Signals handled, ignored or blocked by us must not leak into the command. The parent blocked
         * every signal before vfork(), so none of its handlers runs here on its memory; the dispositions
         * are reset before the mask is cleared. */
        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        for (sig = 1; sig < NSIG; sig++)
                (void) sigaction(sig, &dfl, NULL);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);

        execve(c->exe, c->argv, c->envp);
        _exit(127);
}

/* vfork() in a frame of its own: the child never returns into spawn_run(), whose locals stay the
 * parent's. glibc 2.17's posix_spawn() would do the same, but has no way to start a new session
 * (POSIX_SPAWN_SETSID came with 2.26), and the command has always had one. */
static __attribute__((noinline)) pid_t start_child(const struct child_setup *c) {
        pid_t pid = vfork();

        if (pid == 0)
                exec_child(c);
        return pid;
}

/* A pipe end that landed on 0-2 (the agent was started with one of them closed) would be overwritten,
 * or left close-on-exec, by the child's dup2()s: moves it above. */
static int move_above_stdio(int *fd) {
        int moved;

        if (*fd > STDERR_FILENO)
                return 0;
        moved = fcntl(*fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        if (moved < 0)
                return negative_errno();
        close(*fd);
        *fd = moved;
        return 0;
}

/* Reaps pid into *status as soon as it exits: 1 when reaped, 0 when it still runs at the deadline, -errno
 * when waitpid() fails. SIGCHLD is blocked, so sigtimedwait() wakes the moment the child exits, without
 * polling. */
static int reap_until(pid_t pid, const sigset_t *sigchld, usec_t deadline, int *status) {
        for (;;) {
                struct timespec ts;
                long long left;
                pid_t w = waitpid(pid, status, WNOHANG);

                if (w == pid)
                        return 1;
                if (w < 0 && errno != EINTR)
                        return negative_errno();
                left = deadline_remaining_ms(deadline);
                if (left <= 0)
                        return 0;
                ts.tv_sec = left / 1000;
                ts.tv_nsec = (left % 1000) * 1000000;
                (void) sigtimedwait(sigchld, NULL, &ts);
        }
}

int spawn_run(const char *const argv[], const struct spawn_options *opts, struct spawn_result *result) {
        static const struct spawn_options defaults = { .log_fd = -1 };
        char exe[PATH_MAX], path_env[PATH_MAX + 8];
        const char *env[32];
        struct child_setup setup;
        size_t n_env = 0;
        int out_pipe[2] = { -1, -1 }, in_pipe[2] = { -1, -1 };
        struct buffer output;
        struct redact_stream log_copy; /* the log's copy of the output, whole lines redacted */
        char buf[4096];                 /* output as it comes: it may be a secret (kubeadm token create) */
        CLEANUP_ERASE(buf);
        size_t stdin_done = 0;
        usec_t deadline;
        sigset_t sigchld, saved_mask, loop_mask, all;
        bool out_open = true;
        pid_t pid;
        int status = 0, r;

        memset(result, 0, sizeof(*result));
        result->exit_status = -1;
        if (!opts)
                opts = &defaults;
        buffer_init(&output, opts->capture_max);
        redact_stream_init(&log_copy, opts->log_fd);

        r = spawn_find(argv[0], exe, sizeof(exe));
        if (r < 0)
                return r;

        snprintf(path_env, sizeof(path_env), "PATH=%s", search_path());
        env[n_env++] = path_env;
        env[n_env++] = "LANG=C";
        env[n_env++] = "LC_ALL=C";
        env[n_env++] = "HOME=/root";
        if (opts->extra_env)
                for (size_t i = 0; opts->extra_env[i] && n_env < ELEMENTSOF(env) - 1; i++)
                        env[n_env++] = opts->extra_env[i];
        env[n_env] = NULL;

        sigemptyset(&sigchld);
        sigaddset(&sigchld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &sigchld, &saved_mask);

        if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(in_pipe, O_CLOEXEC) < 0) {
                r = negative_errno();
                goto finish;
        }
        r = move_above_stdio(&in_pipe[0]);
        if (r >= 0)
                r = move_above_stdio(&out_pipe[1]);
        if (r < 0)
                goto finish;

        setup = (struct child_setup) {
                .exe = exe,
                .argv = (char *const *) argv,
                .envp = (char *const *) env,
                .in_fd = in_pipe[0],
                .out_fd = out_pipe[1],
        };
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, &loop_mask);
        pid = start_child(&setup);
        r = pid < 0 ? negative_errno() : 0;
        sigprocmask(SIG_SETMASK, &loop_mask, NULL);
        if (r < 0)
                goto finish;

        close(out_pipe[1]);
        out_pipe[1] = -1;
        close(in_pipe[0]);
        in_pipe[0] = -1;
        (void) fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
        (void) fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
        if (!opts->stdin_data || opts->stdin_size == 0) {
                close(in_pipe[1]);
                in_pipe[1] = -1;
        }

        deadline = deadline_in_ms(opts->timeout_ms > 0 ? opts->timeout_ms : 300000);
        while (out_open) {
                struct pollfd fds[2] = { { out_pipe[0], POLLIN, 0 }, { in_pipe[1], POLLOUT, 0 } };
                long long left = deadline_remaining_ms(deadline);
                ssize_t n;

                if (left <= 0) {
                        result->timed_out = 1;
                        break;
                }
                if (poll(fds, in_pipe[1] >= 0 ? 2 : 1, (int) (left > 1000 ? 1000 : left)) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (in_pipe[1] >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
                        n = write(in_pipe[1], opts->stdin_data + stdin_done, opts->stdin_size - stdin_done);
                        if (n > 0)
                                stdin_done += n;
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                                stdin_done = opts->stdin_size;
                        if (stdin_done >= opts->stdin_size) {
                                close(in_pipe[1]);
                                in_pipe[1] = -1;
                        }
                }
                if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;
                n = read(out_pipe[0], buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                continue;
                        break;
                }
                if (n == 0) {
                        out_open = false;
                        break;
                }
                if (opts->log_fd >= 0)
                        redact_stream_write(&log_copy, buf, (size_t) n);
                if (opts->capture_max > 0 && output.len < opts->capture_max) {
                        size_t take = (size_t) n;
                        if (take > opts->capture_max - output.len)
                                take = opts->capture_max - output.len;
                        r = buffer_append(&output, buf, take);
                        if (r < 0) {
                                result->timed_out = 0;
                                kill(-pid, SIGKILL);
                                (void) waitpid(pid, &status, 0);
                                goto finish;
                        }
                }
        }

        /* The output closed: the command is exiting, or still running (a daemon that closed its stdout). */
        if (!result->timed_out && !out_open) {
                int k = reap_until(pid, &sigchld, deadline, &status);
                if (k > 0)
                        goto reaped;
                if (k == 0)
                        result->timed_out = 1;
        }

        if (result->timed_out || out_open) {
                /* Timed out, or the output pipe broke: stop the whole group, politely first (a second). */
                kill(-pid, SIGTERM);
                if (reap_until(pid, &sigchld, deadline_in_ms(1000), &status) > 0)
                        goto reaped;
                kill(-pid, SIGKILL);
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
reaped:
        if (WIFEXITED(status))
                result->exit_status = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
                result->exit_status = 128 + WTERMSIG(status);
        r = output.data ? buffer_steal(&output, &result->output, &result->output_size) : 0;

finish:
        if (opts->log_fd >= 0)
                redact_stream_done(&log_copy);
        buffer_free(&output);
        sigprocmask(SIG_SETMASK, &saved_mask, NULL);
        for (int i = 0; i < 2; i++) {
                if (out_pipe[i] >= 0)
                        close(out_pipe[i]);
                if (in_pipe[i] >= 0)
                        close(in_pipe[i]);
        }
        return r;
}

int spawn_simple(const char *const argv[], int timeout_ms, int log_fd) {
        struct spawn_options opts = { .timeout_ms = timeout_ms, .log_fd = log_fd };
        struct spawn_result result;
        int r;

        r = spawn_run(argv, &opts, &result);
        spawn_result_done(&result);
        if (r < 0)
                return r;
        if (result.timed_out)
                return -ETIMEDOUT;
        return result.exit_status;
}
