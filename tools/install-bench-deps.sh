#!/bin/bash
# Installs, with apt-get, what bench/server.sh needs beyond tools/install-deps.sh: wrk, and nginx-light
# as the reference server. Not part of `make check`. Quiet when everything is present.
set -euo pipefail

exec "$(dirname "$0")/install-deps.sh" wrk nginx-light python3 curl util-linux
