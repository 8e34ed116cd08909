#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Figures of kube-firstboot.service from a guest's journal (read from its disk after it stopped):

  vm-unit-times.py JOURNAL_DIR

One line per boot that ran the unit, oldest first:

  boot=N result=success|failed|stopped total=S kubeadm=S wait=S own=S docker=S images=S kubectl=S

total: the unit's start ("Starting ...") to its end ("Finished"/"Failed"/"Deactivated"), from
systemd's own messages; kubeadm: the agent's kubeadm attempts ("kubeadm init in phases (attempt ...",
"kubeadm join (attempt ...") to their end ("kubeadm init succeeded", a kubeadm run that "failed with exit
status" or "timed out after"), phases and the wait for the kubelet's healthz included; wait: a worker's time waiting for the join record and for the API server
(the agent's "wait for the join record" step start to "join record received", and "waiting for the API
server" to the kubeadm join that follows); own = total - kubeadm - wait, the unit's time without
kubeadm and without waiting for the master. Of that, docker: starting (or restarting) docker, images:
loading the pre-seeded images, and kubectl: applying the CNI manifest (each from the agent's line
announcing it to its next line).
"""

import json
import re
import subprocess
import sys

UNIT = "kube-firstboot.service"


def entries(directory):
        out = subprocess.run(["journalctl", "-D", directory, "-o", "json", "--no-pager", "-u", UNIT],
                             capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
                try:
                        e = json.loads(line)
                except ValueError:
                        continue
                message = e.get("MESSAGE")
                if isinstance(message, list):   # journald stores non-UTF-8 messages as byte arrays
                        message = bytes(message).decode("utf-8", "replace")
                yield e.get("_BOOT_ID"), int(e["__REALTIME_TIMESTAMP"]) / 1e6, message or "", e.get("_PID") == "1"


def main():
        boots = {}
        order = []
        for boot, t, message, from_systemd in entries(sys.argv[1]):
                if boot not in boots:
                        boots[boot] = []
                        order.append(boot)
                boots[boot].append((t, message, from_systemd))
        n = 0
        for boot in order:
                start = end = None
                result = "running"
                kubeadm = wait = 0.0
                kubeadm_since = wait_since = None
                timed = {"docker": 0.0, "images": 0.0, "kubectl": 0.0}
                timing = None   # (what, since): an action that lasts until the agent's next line
                for t, message, from_systemd in boots[boot]:
                        if from_systemd and message.startswith("Starting "):
                                start = t
                        elif from_systemd and (message.startswith("Finished ") or message.startswith("Failed ")
                                               or message.startswith("Stopped ") or "Deactivated successfully" in message):
                                if end is None:
                                        end = t
                                if message.startswith("Failed "):
                                        result = "failed"
                                elif message.startswith("Stopped ") and result == "running":
                                        result = "stopped"
                                elif result == "running":
                                        result = "success"
                        elif from_systemd and ("Main process exited" in message and "status=0/" not in message
                                               or "Failed with result" in message):
                                result = "failed"
                        if from_systemd:
                                continue
                        message = message[len("kube-firstboot: "):] if message.startswith("kube-firstboot: ") else message
                        if timing is not None:
                                timed[timing[0]] += t - timing[1]
                                timing = None
                        if re.match(r"docker: (re)?start docker\.service", message):
                                timing = ("docker", t)
                        elif message.startswith("images: docker load"):
                                timing = ("images", t)
                        elif message.startswith("cni: kubectl apply"):
                                timing = ("kubectl", t)
                        if re.match(r"kubeadm (init|join)\b.*\(attempt \d+", message):
                                if wait_since is not None:      # waiting for the API server ends here
                                        wait += t - wait_since
                                        wait_since = None
                                kubeadm_since = t
                        elif kubeadm_since is not None and re.match(
                                        r"kubeadm (init|join) succeeded|kubeadm .* (failed with exit status|timed out after) ", message):
                                kubeadm += t - kubeadm_since
                                kubeadm_since = None
                        elif message.startswith("wait: wait for the join record") or message.startswith("waiting for the API server"):
                                if wait_since is None:
                                        wait_since = t
                        elif message.startswith("join record received") and wait_since is not None:
                                wait += t - wait_since
                                wait_since = None
                if start is None:
                        continue
                n += 1
                if end is None:
                        print("boot=%d result=unfinished" % n)
                        continue
                total = end - start
                if wait_since is not None:      # still waiting when the unit ended (stopped, timed out)
                        wait += end - wait_since
                print("boot=%d result=%s total=%.2f kubeadm=%.2f wait=%.2f own=%.2f docker=%.2f images=%.2f kubectl=%.2f"
                      % (n, result, total, kubeadm, wait, total - kubeadm - wait, timed["docker"], timed["images"],
                         timed["kubectl"]))


if __name__ == "__main__":
        main()
