/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "action.h"
#include "fileio.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "spawn.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

bool text_next_line(const char **p, const char *end, const char **line, size_t *len) {
        const char *nl;

        if (*p >= end)
                return false;
        nl = memchr(*p, '\n', end - *p);
        *line = *p;
        *len = nl ? (size_t) (nl - *p) : (size_t) (end - *p);
        *p = nl ? nl + 1 : end;
        return true;
}

int host_read_file(const char *abs_path, size_t max, char **ret, size_t *ret_size) {
        int r;

        r = root_read_file(abs_path, max, ret, ret_size);
        if (r == -ENOENT)
                return r;
        if (r == -EFBIG)
                return log_error_errno(r, "%s%s: larger than %zu bytes, refusing to edit it", root_get(), abs_path, max);
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot read: %s", root_get(), abs_path, chase_strerror(r));
        return 0;
}

void host_clean_stale_temps(int dir_fd, const char *shown_dir) {
        _cleanup_close_ int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3); /* closedir() closes its own */
        DIR *d;
        struct dirent *de;

        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d)
                return;
        fd = -1;
        while ((de = readdir(d))) {
                struct stat st;

                if (strncmp(de->d_name, HOST_TEMP_PREFIX, strlen(HOST_TEMP_PREFIX)) != 0)
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) == 0)
                        log_debug("%s/%s: removed the temporary file of an interrupted write", shown_dir, de->d_name);
        }
        closedir(d);
}

int host_write_file(const char *abs_path, const void *data, size_t size, mode_t mode, unsigned flags) {
        _cleanup_free_ char *name = NULL, *shown_dir = NULL;
        _cleanup_close_ int dir_fd = -1;
        int r;

        r = root_open_parent(abs_path, CHASE_NOFOLLOW | (flags & WRITE_ATOMIC_MKDIR ? CHASE_MKDIR : 0), &dir_fd,
                             &name);
        if (r >= 0) {
                const char *slash = strrchr(abs_path, '/');
                if (asprintf(&shown_dir, "%s%.*s", root_get(), slash ? (int) (slash - abs_path) : 0, abs_path) < 0)
                        shown_dir = NULL;
                host_clean_stale_temps(dir_fd, shown_dir ? shown_dir : abs_path);
                r = write_file_atomic_at(dir_fd, name, data, size, mode, flags);
        }
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot write: %s (the file is as it was)", root_get(), abs_path,
                                       chase_strerror(r));
        return r;
}

int host_update_file(struct fb_run *run, const char *step, const char *abs_path, const char *old,
                     size_t old_size, const char *data, size_t size, mode_t mode, unsigned flags,
                     const char *what, const char *before, const char *after) {

        if (old && old_size == size && memcmp(old, data, size) == 0) {
                run_unchanged(run, step, what);
                return 0;
        }
        return action_take(run, &(struct action) { .step = step, .what = what, .before = before, .after = after,
                                                   .kind = ACTION_WRITE_FILE, .path = abs_path, .data = data,
                                                   .size = size, .mode = mode, .flags = flags });
}

static bool on_kernel_fs(int fd) {
        struct statfs sfs;

        if (fstatfs(fd, &sfs) < 0)
                return false;
        return (unsigned long) sfs.f_type == (unsigned long) PROC_SUPER_MAGIC ||
               (unsigned long) sfs.f_type == (unsigned long) SYSFS_MAGIC ||
               (unsigned long) sfs.f_type == (unsigned long) SELINUX_MAGIC;
}

int host_write_kernel_value(const char *abs_path, const char *value) {
        char line[HOST_KERNEL_VALUE_MAX];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(value);
        ssize_t n;

        if (len + 2 > sizeof(line))
                return log_error_errno(-E2BIG, "%s%s: value too long", root_get(), abs_path);

        fd = root_open_file(abs_path, 0, O_WRONLY | O_NOCTTY, 0);
        if (fd < 0)
                return log_error_errno(fd, "%s%s: cannot open for writing: %s", root_get(), abs_path,
                                       chase_strerror(fd));

        if (!on_kernel_fs(fd)) {
                int r;

                memcpy(line, value, len);
                line[len] = '\n';
                close(fd);
                fd = -1;
                r = host_write_file(abs_path, line, len + 1, 0644, 0);
                return r < 0 ? r : 0;
        }

        /* The kernel takes the value from one write(2); a short write would set a truncated value. */
        n = write(fd, value, len);
        if (n < 0)
                return log_error_errno(-errno, "%s%s: cannot write \"%s\": %m", root_get(), abs_path, value);
        if ((size_t) n != len)
                return log_error_errno(-EIO, "%s%s: short write of \"%s\"", root_get(), abs_path, value);
        return 0;
}

int host_read_kernel_value(const char *abs_path, char *ret, size_t size) {
        _cleanup_free_ char *text = NULL;
        size_t n;
        char *p;
        int r;

        r = root_read_file(abs_path, HOST_KERNEL_VALUE_MAX, &text, &n);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot read: %s", root_get(), abs_path, chase_strerror(r));
        while (n > 0 && isspace((unsigned char) text[n - 1]))
                text[--n] = 0;
        for (p = text; isspace((unsigned char) *p); p++)
                ;
        if (strscpy(ret, size, p) < 0)
                return log_error_errno(-E2BIG, "%s%s: value longer than %zu bytes", root_get(), abs_path, size - 1);
        return 0;
}

bool kernel_value_equal(const char *a, const char *b) {
        for (;;) {
                while (*a == ' ' || *a == '\t')
                        a++;
                while (*b == ' ' || *b == '\t')
                        b++;
                if (!*a || !*b)
                        return !*a && !*b;
                /* compare one word */
                while (*a && *a != ' ' && *a != '\t' && *a == *b)
                        a++, b++;
                if ((*a && *a != ' ' && *a != '\t') || (*b && *b != ' ' && *b != '\t'))
                        return false;
        }
}

int host_command(struct fb_run *run, const char *const argv[], bool quiet_missing, char **ret_output) {
        struct spawn_options opts = {
                .timeout_ms = HOST_COMMAND_TIMEOUT_MS,
                .log_fd = run->log_fd,
                .capture_max = ret_output ? HOST_COMMAND_OUTPUT_MAX : 0,
        };
        struct spawn_result result;
        char cmdline[512];
        size_t n = 0;
        int r;

        for (size_t i = 0; argv[i] && n < sizeof(cmdline) - 1; i++) {
                int k = snprintf(cmdline + n, sizeof(cmdline) - n, "%s%s", i ? " " : "", argv[i]);
                if (k < 0)
                        break;
                n += (size_t) k;
                if (n >= sizeof(cmdline))
                        n = sizeof(cmdline) - 1;
        }
        cmdline[n] = 0;
        log_debug("running %s", cmdline);

        r = spawn_run(argv, &opts, &result);
        if (r == -ENOENT) {
                spawn_result_done(&result);
                if (!quiet_missing)
                        log_error("%s: command not found on the search path (is it installed?)", argv[0]);
                return r;
        }
        if (r < 0) {
                spawn_result_done(&result);
                return log_error_errno(r, "%s: cannot run: %m", cmdline);
        }
        if (result.timed_out) {
                spawn_result_done(&result);
                return log_error_errno(-ETIMEDOUT, "%s: timed out after %d s, killed", cmdline,
                                       HOST_COMMAND_TIMEOUT_MS / 1000);
        }
        if (ret_output) {
                if (!result.output) {
                        result.output = strdup("");
                        if (!result.output)
                                return log_error_errno(-ENOMEM, "out of memory");
                }
                *ret_output = result.output;
                result.output = NULL;
        }
        spawn_result_done(&result);
        return result.exit_status;
}

int host_query(struct fb_run *run, const char *const argv[], char **ret_output) {
        char words[160] = "";
        int r;

        r = host_command(run, argv, false, ret_output);
        if (r <= 0)
                return r;
        for (size_t i = 0; argv[i]; i++)
                snprintf(words + strlen(words), sizeof(words) - strlen(words), "%s%s", i ? " " : "", argv[i]);
        return log_error_errno(-EIO, "%s failed (exit status %d; see the agent log)", words, r);
}

int host_command_ok(struct fb_run *run, const char *const argv[], const char *what_fmt, ...) {
        char what[256];
        va_list ap;
        int r;

        r = host_command(run, argv, false, NULL);
        if (r <= 0)
                return r;
        va_start(ap, what_fmt);
        vsnprintf(what, sizeof(what), what_fmt, ap);
        va_end(ap);
        return log_error_errno(-EIO, "%s failed (exit status %d; see the agent log)", what, r);
}

