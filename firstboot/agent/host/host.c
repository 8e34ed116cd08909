/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "host/host.h"
#include "host/hostedit.h"
#include "log.h"
#include "macro.h"
#include "path.h"

/* Order matters: the disk grows before anything is written to it; modules before sysctls (the bridge
 * keys exist only once br_netfilter is loaded); swap off before kubelet is enabled; daemon.json before
 * docker is (re)started; the fence after the firewall step, which may disable
 * firewalld (the fence then keeps its rules in a unit of its own). */
const struct fb_step host_steps[] = {
        { "growroot", "grow the root partition and filesystem to the whole disk", step_growroot, check_growroot },
        { "hostname", "set the hostname from meta-data (sethostname(2) and /etc/hostname)", step_hostname, check_hostname },
        { "hosts", "the managed block of cluster nodes in /etc/hosts", step_hosts, check_hosts },
        { "network", "static address from network-config (ifcfg on CentOS 7, .network for systemd-networkd)", step_network, check_network },
        { "swap", "swap off now and at every boot (kubelet refuses to run with swap)", step_swap, check_swap },
        { "modules", "br_netfilter and overlay, now and at every boot", step_modules, check_modules },
        { "sysctl", "bridge and forwarding sysctls kubeadm needs, now and at every boot", step_sysctl, check_sysctl },
        { "selinux", "SELinux permissive, as the kubeadm guide for CentOS 7 does", step_selinux, check_selinux },
        { "firewall", "open the ports this role needs in firewalld", step_firewall, check_firewall },
        { "fence", "keep pods and non-root users away from the metadata endpoint", step_fence, check_fence },
        { "docker", "docker with the systemd cgroup driver, matching kubelet", step_docker, check_docker },
        { "kubelet", "kubelet enabled (kubeadm starts it)", step_kubelet, check_kubelet },
        { "ssh", "root's authorized_keys from the cloud-config", step_ssh, check_ssh },
};
const size_t host_steps_count = ELEMENTSOF(host_steps);

/* The directory abs_path is in, on the heap; NULL (and 0) for "/" itself or an entry of it, whose
 * directory is the root's. */
static int parent_dir(const char *abs_path, char **ret) {
        char *slash;

        *ret = strdup(abs_path);
        if (!*ret)
                return log_error_errno(-ENOMEM, "out of memory");
        slash = strrchr(*ret, '/');
        if (!slash || slash == *ret) {
                free(*ret);
                *ret = NULL;
                return 0;
        }
        *slash = 0;
        return 0;
}

/* The directory a file is written into (atomically: a temporary beside it, then rename) must be one,
 * and on a file system that takes writes; a missing one is made by the write, under an existing parent. */
static int check_write_dir(const char *abs_dir) {
        _cleanup_close_ int fd = -1;
        struct statvfs sv;
        struct stat st;
        int r;

        r = root_lstat(abs_dir, &st);
        if (r == -ENOENT) {
                _cleanup_free_ char *parent = NULL;

                r = parent_dir(abs_dir, &parent);
                return r < 0 || !parent ? r : check_write_dir(parent);
        }
        if (r < 0)
                return log_error_errno(r, "%s%s: cannot look at it: %s", root_get(), abs_dir, chase_strerror(r));
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(-ENOTDIR, "%s%s: not a directory, so no file can be written in it", root_get(),
                                       abs_dir);
        fd = root_open_file(abs_dir, 0, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(fd, "%s%s: cannot open: %s", root_get(), abs_dir, chase_strerror(fd));
        if (fstatvfs(fd, &sv) < 0)
                return log_error_errno(-errno, "%s%s: cannot look at its file system: %m", root_get(), abs_dir);
        if (sv.f_flag & ST_RDONLY)
                return log_error_errno(-EROFS, "%s%s: on a read-only file system, so no file can be written in it",
                                       root_get(), abs_dir);
        return 0;
}

int host_check_writable(const char *abs_path) {
        _cleanup_free_ char *dir = NULL;
        struct stat st;
        int r;

        r = root_lstat(abs_path, &st);
        if (r < 0 && r != -ENOENT && r != -ENOTDIR)
                return log_error_errno(r, "%s%s: cannot look at it: %s", root_get(), abs_path, chase_strerror(r));
        if (r >= 0 && !S_ISREG(st.st_mode))
                return log_error_errno(-EEXIST, "%s%s: not a regular file (%s), refusing to replace it", root_get(),
                                       abs_path, S_ISLNK(st.st_mode) ? "a symlink" : S_ISDIR(st.st_mode) ?
                                       "a directory" : "a special file");
        r = parent_dir(abs_path, &dir);
        return r < 0 || !dir ? r : check_write_dir(dir);
}

int host_check_file(const char *abs_path, char **ret, size_t *ret_size) {
        int r;

        free(*ret);
        *ret = NULL;
        *ret_size = 0;
        r = host_check_writable(abs_path);
        if (r < 0)
                return r;
        r = host_read_file(abs_path, HOST_FILE_MAX, ret, ret_size);
        return r == -ENOENT ? 0 : r;
}
