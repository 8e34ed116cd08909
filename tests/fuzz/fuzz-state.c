/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the first-boot state files, /var/lib/kube-firstboot/<instance-id>/stages and
 * /var/lib/kube-firstboot/instance. The agent writes them itself (0600, atomically), so they are not
 * outside input; but a disk error, a hand edit or a half-restored backup can leave anything there, and
 * the agent must then refuse the file rather than misread it. Each input is written as both files in
 * a scratch directory (under /dev/shm when there is one: each input costs a few writes and renames),
 * then read back with state_open() and state_read_current_instance(); an accepted stages file must
 * survive state_mark_done() (write_file_atomic) and read back the same plus the new stage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "state.h"

#define INPUT_MAX 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[64];

static void cleanup(void) {
        char cmd[128];
        /* only the directory mkdtemp() made for this process */
        if (base[0] && snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base) < (int) sizeof(cmd))
                (void) !system(cmd);
}

static void put(const char *path, const uint8_t *data, size_t size) {
        FILE *f = fopen(path, "we");
        if (!f || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
                abort();
}

static bool stage_name_ok(const char *s) {
        return s[0] && strlen(s) < 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz-") == strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct state s, again;
        char path[256], instance[300];
        int r;

        if (size > INPUT_MAX)
                return 0;
        if (!base[0]) {
                log_set_max_level(LOG_CRIT);
                snprintf(base, sizeof(base), "%s/fuzz-state.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
                if (!mkdtemp(base))
                        abort();
                atexit(cleanup);
                snprintf(path, sizeof(path), "%s/iid-fuzz", base);
                if (mkdir_p(path, 0700) < 0)
                        abort();
        }

        snprintf(path, sizeof(path), "%s/iid-fuzz/stages", base);
        put(path, data, size);
        r = state_open(base, "iid-fuzz", false, &s);
        if (r == 0) {
                if (s.n_done > STATE_MAX_STAGES)
                        abort();
                for (unsigned i = 0; i < s.n_done; i++)
                        if (!stage_name_ok(s.done[i].name) || !state_stage_done(&s, s.done[i].name, NULL))
                                abort();
                if (s.n_done < STATE_MAX_STAGES && !state_stage_done(&s, "fuzz-stage", NULL)) {
                        if (state_mark_done(&s, "fuzz-stage") < 0)
                                abort();
                        if (state_open(base, "iid-fuzz", false, &again) != 0 || again.n_done != s.n_done)
                                abort();
                        for (unsigned i = 0; i < s.n_done; i++)
                                if (!streq(again.done[i].name, s.done[i].name) || again.done[i].usec != s.done[i].usec)
                                        abort();
                }
        } else if (r != -EBADMSG && r != -EFBIG && r != -E2BIG)
                abort();

        snprintf(path, sizeof(path), "%s/instance", base);
        put(path, data, size);
        r = state_read_current_instance(base, instance, sizeof(instance));
        if (r >= 0 && (!instance[0] || strchr(instance, '/') || strchr(instance, '\n')))
                abort();
        return 0;
}
