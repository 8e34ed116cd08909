/* SPDX-License-Identifier: MIT */
/* docker with the systemd cgroup driver, matching kubelet (kubeadm 1.22+ configures kubelet for systemd;
 * docker's default is cgroupfs, and with the two differing kubelet refuses to start).
 *
 * daemon.json is merged, never replaced (daemon-json.c). docker is restarted when the file changed, or
 * when a running docker still reports another driver: the second case is a run killed between the write
 * and the restart, which a "restart only if the file changed" rule would never repair. */
#include <limits.h>

#include "backoff.h"
#include "host/daemon-json.h"
#include "fileio.h"
#include "action.h"
#include "host/host.h"
#include "host/hostedit.h"
#include "host/unit.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "spawn.h"
#include "time-util.h"

#define STEP "docker"
#define DAEMON_JSON "/etc/docker/daemon.json"
#define DOCKER_INFO_TIMEOUT_MS (30 * 1000)
/* docker answers once systemctl start returns (Type=notify), but its socket can lag behind on a slow
 * first boot: retry for up to a minute, quickly at first. */
#define DOCKER_VERIFY_DEADLINE_MS (60 * 1000)

/* Whether docker.service is enabled or active (unit.h), its state word in ret_word. */
static int docker_unit_query(struct fb_run *run, enum unit_query q, char ret_word[UNIT_STATE_MAX]) {
        int r = unit_query(run, q, "docker", false, ret_word);
        if (r == -ENOENT)
                return log_error_errno(r, "docker.service does not exist: is docker installed? (the image or "
                                       "kickstart installs it)");
        return r;
}

/* `docker info --format '{{.CgroupDriver}}'` once: 0 with the driver's name, -EAGAIN when docker did not
 * answer (not running yet, socket not there), other -errno when it cannot be run at all. */
static int docker_cgroup_driver(struct fb_run *run, char *ret, size_t size) {
        const char *argv[] = { "docker", "info", "--format", "{{.CgroupDriver}}", NULL };
        struct spawn_options opts = {
                .timeout_ms = DOCKER_INFO_TIMEOUT_MS,
                .log_fd = run->log_fd,
                .capture_max = 4096,
        };
        struct spawn_result result;
        const char *p;
        size_t len;
        int r;

        r = spawn_run(argv, &opts, &result);
        if (r < 0) {
                spawn_result_done(&result);
                if (r == -ENOENT)
                        return log_error_errno(r, "docker: command not found on the search path (is docker installed?)");
                return log_error_errno(r, "docker info: cannot run: %m");
        }
        if (result.timed_out || result.exit_status != 0 || !result.output) {
                spawn_result_done(&result);
                return -EAGAIN;
        }
        p = result.output + strspn(result.output, " \t\r\n");
        len = strcspn(p, " \t\r\n");
        snprintf(ret, size, "%.*s", (int) (len >= size ? size - 1 : len), p);
        spawn_result_done(&result);
        return ret[0] ? 0 : -EAGAIN;
}

static int docker_verify(struct fb_run *run) {
        struct backoff b;
        char driver[64];
        int r;

        backoff_init(&b, 250, 5000, deadline_in_ms(DOCKER_VERIFY_DEADLINE_MS));
        for (;;) {
                r = docker_cgroup_driver(run, driver, sizeof(driver));
                if (r != -EAGAIN)
                        break;
                log_debug("docker info: no answer yet, retrying");
                if (backoff_wait(&b) < 0)
                        return log_error_errno(-ETIMEDOUT, "docker did not answer `docker info` within %d s after "
                                               "it was started: see journalctl -u docker",
                                               DOCKER_VERIFY_DEADLINE_MS / 1000);
        }
        if (r < 0)
                return r;
        if (!streq(driver, "systemd"))
                return log_error_errno(-EIO, "docker reports cgroup driver \"%s\" after the restart, not systemd: is "
                                       "exec-opts also given on dockerd's command line (docker.service, "
                                       "/etc/sysconfig/docker)? dockerd then ignores or refuses daemon.json",
                                       driver);
        log_debug("docker reports cgroup driver systemd");
        return 0;
}

static int docker_verify_action(struct fb_run *run, void *did_something) {
        int r = docker_verify(run);

        if (r >= 0 && !*(bool *) did_something)
                run_unchanged(run, STEP, "docker.service runs with the systemd cgroup driver");
        return r;
}

/* What the step needs of this host, every part checked: docker installed (its command and unit, not
 * masked) and a daemon.json it can merge into (daemon_json_merge() says what is wrong with one). */
int check_docker(struct fb_run *run) {
        struct fb_host_facts *f = &run->facts;
        _cleanup_free_ char *text = NULL, *path = NULL;
        char exe[PATH_MAX];
        size_t size = 0;
        int r, first = 0;

        if (!streq(run->config->k8s.runtime, "docker"))
                return log_error_errno(-EOPNOTSUPP, "k8s runtime \"%s\" is not supported: only docker is",
                                       run->config->k8s.runtime);

        path = root_path(DAEMON_JSON);
        if (!path)
                return log_error_errno(-ENOMEM, "%s: %m", DAEMON_JSON);
        r = root_read_file(DAEMON_JSON, DAEMON_JSON_MAX, &text, &size);
        if (r == -EFBIG)
                r = log_error_errno(r, "%s: larger than %d KiB, not a daemon.json we edit; left as it is", path,
                                    DAEMON_JSON_MAX / 1024);
        else if (r < 0 && r != -ENOENT)
                r = log_error_errno(r, "%s: cannot read: %s", path, chase_strerror(r));
        else {
                f->daemon_json_exists = r >= 0;
                daemon_json_change_done(&f->daemon_json);
                r = daemon_json_merge(path, text, size, &f->daemon_json);
        }
        first = r < 0 ? r : 0;

        r = spawn_find("docker", exe, sizeof(exe));
        if (r < 0) {
                log_error_errno(r, "docker: command not found on the search path (is docker installed?)");
                first = first ?: r;
        }

        r = docker_unit_query(run, UNIT_IS_ENABLED, f->docker_enabled_word);
        f->docker_enabled = r;
        if (r == 0 && streq(f->docker_enabled_word, "masked"))
                r = log_error_errno(-EPERM, "docker.service is masked: unmask it (systemctl unmask docker) or the "
                                    "node cannot run pods");
        first = first ?: (r < 0 ? r : 0);
        return first;
}

int step_docker(struct fb_run *run) {
        const struct fb_host_facts *f = &run->facts;
        char word[UNIT_STATE_MAX], driver[64];
        bool file_changed, did_something = false, need_verify = true;
        int r;

        file_changed = f->daemon_json.content != NULL;
        if (file_changed) {
                did_something = true;
                /* new: 0644 in a new 0755 /etc/docker, as the docker packages make them */
                r = action_take(run, &(struct action) {
                                .step = STEP,
                                .what = f->daemon_json_exists ? "merge the systemd cgroup driver into " DAEMON_JSON
                                                              : "create " DAEMON_JSON,
                                .before = f->daemon_json.exec_opts_before, .after = f->daemon_json.exec_opts_after,
                                .kind = ACTION_WRITE_FILE, .path = DAEMON_JSON, .data = f->daemon_json.content,
                                .size = f->daemon_json.size, .mode = 0644, .flags = WRITE_ATOMIC_MKDIR });
                if (r < 0)
                        return r;
        } else
                run_unchanged(run, STEP, DAEMON_JSON " asks for the systemd cgroup driver");

        if (f->docker_enabled > 0)
                run_unchanged(run, STEP, "enable docker.service");
        else {
                did_something = true;
                r = unit_action(run, STEP, "enable docker.service", f->docker_enabled_word, "enabled", "enable",
                                "docker");
                if (r < 0)
                        return r;
        }

        r = docker_unit_query(run, UNIT_IS_ACTIVE, word);
        if (r < 0)
                return r;
        if (r == 0) {
                did_something = true;
                r = unit_action(run, STEP, "start docker.service", word, "active", "start", "docker");
                if (r < 0)
                        return r;
        } else if (file_changed) {
                did_something = true;
                r = unit_action(run, STEP, "restart docker.service for the new daemon.json", "active",
                                "active, cgroup driver systemd", "restart", "docker");
                if (r < 0)
                        return r;
        } else {
                r = docker_cgroup_driver(run, driver, sizeof(driver));
                if (r < 0 && r != -EAGAIN)
                        return r;
                if (r == 0 && !streq(driver, "systemd")) {
                        /* daemon.json is right but docker was not restarted after it was written */
                        did_something = true;
                        r = unit_action(run, STEP, "restart docker.service: it still runs with the old cgroup driver",
                                        driver, "systemd", "restart", "docker");
                        if (r < 0)
                                return r;
                } else if (r == 0) {
                        run_unchanged(run, STEP, "docker.service runs with the systemd cgroup driver");
                        need_verify = false;
                } else if (run->dry_run)
                        run_unchanged(run, STEP, "docker.service is active (docker info did not answer: run checks "
                                      "its cgroup driver)");
        }

        if (need_verify) {
                /* no line of its own: run checks what docker reports after the changes above (or, when it
                 * did not answer before, that nothing needs changing) */
                r = action_take(run, &(struct action) { .step = STEP, .verify = docker_verify_action,
                                                        .userdata = &did_something, .live = true });
                if (r < 0)
                        return r;
        }
        return did_something;
}
