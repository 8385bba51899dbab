#!/usr/bin/env bash
# Makes sure a Redis answers at REDIS_URL (default redis://127.0.0.1:6379) for the queue tests:
# uses the one that is up, else starts an installed redis-server, else installs Debian's and starts it.
set -euo pipefail

url="${REDIS_URL:-redis://127.0.0.1:6379}"
hostport="${url#*://}"; hostport="${hostport##*@}"; hostport="${hostport%%/*}"
host="${hostport%:*}"; port="${hostport##*:}"
[ "$host" = "$hostport" ] && port=6379
host="${host:-127.0.0.1}"

ping_redis() {
  # A bare RESP PING over TCP, so no client needs to be installed.
  node -e '
    const s = require("net").connect(+process.argv[2], process.argv[1]);
    const fail = () => process.exit(1);
    s.setTimeout(1000, fail); s.on("error", fail);
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => process.exit(/^(\+PONG|-NOAUTH)/.test(d.toString()) ? 0 : 1));
  ' "$host" "$port"
}

wait_for_redis() {
  for _ in $(seq 1 50); do ping_redis && return 0; sleep 0.2; done
  return 1
}

if ping_redis; then
  echo "ensure-redis: Redis is up at $host:$port"
  exit 0
fi

case "$host" in
  127.0.0.1|localhost|::1) ;;
  *) echo "ensure-redis: no Redis at $host:$port, and it is not local, so none is started" >&2; exit 1 ;;
esac

if ! command -v redis-server >/dev/null 2>&1; then
  echo "ensure-redis: installing redis-server"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
fi

echo "ensure-redis: starting redis-server on 127.0.0.1:$port"
redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no \
  --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/redis-$port.log"
if wait_for_redis; then
  echo "ensure-redis: Redis is up at 127.0.0.1:$port"
else
  echo "ensure-redis: redis-server did not answer on 127.0.0.1:$port" >&2
  exit 1
fi
