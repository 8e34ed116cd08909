/* SPDX-License-Identifier: MIT */
#include "host/host.h"
#include "macro.h"

/* Order matters: the disk grows before anything is written to it; modules before sysctls (the bridge
 * keys exist only once br_netfilter is loaded); swap off before kubelet is enabled; daemon.json before
 * docker is (re)started; the fence after the firewall step, which may disable
 * firewalld (the fence then keeps its rules in a unit of its own). */
const struct fb_step host_steps[] = {
        { "growroot", "grow the root partition and filesystem to the whole disk", step_growroot },
        { "hostname", "set the hostname from meta-data (sethostname(2) and /etc/hostname)", step_hostname },
        { "hosts", "the managed block of cluster nodes in /etc/hosts", step_hosts, check_hosts },
        { "network", "static address from network-config (ifcfg on CentOS 7, .network for systemd-networkd)", step_network, check_network },
        { "swap", "swap off now and at every boot (kubelet refuses to run with swap)", step_swap },
        { "modules", "br_netfilter and overlay, now and at every boot", step_modules },
        { "sysctl", "bridge and forwarding sysctls kubeadm needs, now and at every boot", step_sysctl },
        { "selinux", "SELinux permissive, as the kubeadm guide for CentOS 7 does", step_selinux },
        { "firewall", "open the ports this role needs in firewalld", step_firewall },
        { "fence", "keep pods and non-root users away from the metadata endpoint", step_fence, check_fence },
        { "docker", "docker with the systemd cgroup driver, matching kubelet", step_docker, check_docker },
        { "kubelet", "kubelet enabled (kubeadm starts it)", step_kubelet, check_kubelet },
        { "ssh", "root's authorized_keys from the cloud-config", step_ssh, check_ssh },
};
const size_t host_steps_count = ELEMENTSOF(host_steps);
