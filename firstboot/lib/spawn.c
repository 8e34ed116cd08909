/* SPDX-License-Identifier: MIT */
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
#include "spawn.h"
#include "time-util.h"

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

static _noreturn_ void child(const char *exe, const char *const argv[], int in_fd, int out_fd,
                             const struct spawn_options *opts) {
        char path_env[PATH_MAX + 8];
        const char *env[32];
        size_t n = 0;
        int fd;

        (void) setsid(); /* own process group, so a timeout kills everything it started */

        if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(out_fd, STDERR_FILENO) < 0)
                _exit(127);
        for (fd = 3; fd < 1024; fd++)
                (void) close(fd);

        /* Signals blocked or ignored by us must not leak into the command. */
        {
                sigset_t all;
                int sig;
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                for (sig = 1; sig < NSIG; sig++)
                        (void) signal(sig, SIG_DFL);
        }

        snprintf(path_env, sizeof(path_env), "PATH=%s", search_path());
        env[n++] = path_env;
        env[n++] = "LANG=C";
        env[n++] = "LC_ALL=C";
        env[n++] = "HOME=/root";
        if (opts && opts->extra_env)
                for (size_t i = 0; opts->extra_env[i] && n < ELEMENTSOF(env) - 1; i++)
                        env[n++] = opts->extra_env[i];
        env[n] = NULL;

        execve(exe, (char *const *) argv, (char *const *) env);
        _exit(127);
}

int spawn_run(const char *const argv[], const struct spawn_options *opts, struct spawn_result *result) {
        static const struct spawn_options defaults = { .log_fd = -1 };
        char exe[PATH_MAX];
        int out_pipe[2] = { -1, -1 }, in_pipe[2] = { -1, -1 };
        struct buffer output;
        size_t stdin_done = 0;
        usec_t deadline;
        sigset_t sigchld, saved_mask;
        bool out_open = true;
        pid_t pid;
        int status = 0, r;

        memset(result, 0, sizeof(*result));
        result->exit_status = -1;
        if (!opts)
                opts = &defaults;
        buffer_init(&output, opts->capture_max);

        r = spawn_find(argv[0], exe, sizeof(exe));
        if (r < 0)
                return r;

        sigemptyset(&sigchld);
        sigaddset(&sigchld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &sigchld, &saved_mask);

        if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(in_pipe, O_CLOEXEC) < 0) {
                r = negative_errno();
                goto finish;
        }

        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                goto finish;
        }
        if (pid == 0)
                child(exe, argv, in_pipe[0], out_pipe[1], opts);

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
                char buf[4096];
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
                        (void) !write(opts->log_fd, buf, n);
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

        /* The output closed: the command is exiting, or still running (a daemon that closed its stdout).
         * SIGCHLD is blocked, so sigtimedwait() wakes the moment it exits, without polling. */
        while (!result->timed_out && !out_open) {
                long long left;
                struct timespec ts;
                pid_t w = waitpid(pid, &status, WNOHANG);

                if (w == pid)
                        goto reaped;
                if (w < 0 && errno != EINTR)
                        break;
                left = deadline_remaining_ms(deadline);
                if (left <= 0) {
                        result->timed_out = 1;
                        break;
                }
                ts.tv_sec = left / 1000;
                ts.tv_nsec = (left % 1000) * 1000000;
                (void) sigtimedwait(&sigchld, NULL, &ts);
        }

        if (result->timed_out || out_open) {
                /* Timed out, or the output pipe broke: stop the whole group, politely first. */
                kill(-pid, SIGTERM);
                for (int i = 0; i < 20; i++) {
                        if (waitpid(pid, &status, WNOHANG) == pid)
                                goto reaped;
                        sleep_ms(50);
                }
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
