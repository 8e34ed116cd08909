/* SPDX-License-Identifier: MIT */
#pragma once

/* A fresh kubeadm bootstrap token "[a-z0-9]{6}.[a-z0-9]{16}", drawn as kubeadm draws it: from the 36
 * characters 0-9a-z, rejecting random bytes >= 252 so every character is equally likely. */
int bootstrap_token_generate(char ret[static 24]);
