#!/usr/bin/env bash
# Start N cnnviz replicas (streamlit run app.py) on loopback behind Debian's nginx, in the foreground.
#
#   deploy/run_replicas.sh N          start N replicas + nginx; Ctrl-C or SIGTERM stops them all
#   deploy/run_replicas.sh stop       stop a run started from another shell
#   deploy/run_replicas.sh check N    write the nginx config for N replicas and test it (nginx -t)
#
# nginx listens on 127.0.0.1:${CNNVIZ_PORT:-8080}; replicas on 127.0.0.1:${CNNVIZ_BASE_PORT:-8701}+i,
# each pinned to its own core with taskset when N >= 2 and there are at least N cores. The nginx config is the
# shipped deploy/nginx/cnnviz-site.conf with these ports filled in. Extra flags for every replica go
# in CNNVIZ_STREAMLIT_ARGS (e.g. "--server.disconnectedSessionTTL 10").
# Rooms (a presenter and the students following) live in a redis-server this script starts on
# 127.0.0.1:${CNNVIZ_REDIS_PORT:-BASE+N}, without persistence, shared by every replica through
# CNNVIZ_REDIS_URL; set CNNVIZ_REDIS_URL yourself to use another Redis instead.
# Pids and addresses are written to $RUN_DIR/replicas ("pid address" per line), $RUN_DIR/nginx.pid
# and $RUN_DIR/redis.pid.
# nginx's workers read Streamlit's frontend files from $RUN_DIR: it must be reachable by them.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
PORT="${CNNVIZ_PORT:-8080}"
BASE="${CNNVIZ_BASE_PORT:-8701}"
RUN_DIR="${CNNVIZ_RUN_DIR:-/tmp/cnnviz-deploy-$PORT}"
# The checkout's own .venv (bash scripts/run.sh makes it) unless PYTHON names another interpreter.
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY=python3

stop_all() {
  local pids=()
  [ -f "$RUN_DIR/nginx.pid" ] && pids+=("$(cat "$RUN_DIR/nginx.pid")")
  [ -f "$RUN_DIR/redis.pid" ] && pids+=("$(cat "$RUN_DIR/redis.pid")")
  [ -f "$RUN_DIR/replicas" ] && while read -r pid _; do pids+=("$pid"); done < "$RUN_DIR/replicas"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "$RUN_DIR/replicas" "$RUN_DIR/nginx.pid" "$RUN_DIR/redis.pid"
}

wait_health() {  # url, pid: wait until /_stcore/health answers ok (60 s at most)
  for _ in $(seq 300); do
    [ "$(curl -s --max-time 2 "$1/_stcore/health" 2>/dev/null || true)" = "ok" ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "process $2 for $1 exited" >&2; return 1; }
    sleep 0.2
  done
  echo "$1 did not become healthy" >&2
  return 1
}

write_nginx_conf() {  # $RUN_DIR/nginx.conf for replicas on ports BASE..BASE+N-1, nginx on PORT
  local servers="" i
  # nginx serves Streamlit's frontend files from a copy the workers can read (site-packages may be
  # under a private home directory).
  STATIC="$RUN_DIR/streamlit-static"
  for i in $(seq 0 $((N - 1))); do
    servers+="    server 127.0.0.1:$((BASE + i)) max_fails=1 fail_timeout=10s;\n"
  done
  # The shipped site config with these ports; a header names the replica (loopback benchmarks only).
  sed -e '/^ *server 127\.0\.0\.1:[0-9]*/d' \
      -e "s|^\( *hash .*\)$|\1\n$servers|" \
      -e "s|listen 80;|listen 127.0.0.1:$PORT;|" \
      -e "s|include /etc/nginx/snippets/cnnviz-proxy.conf;|include $HERE/nginx/cnnviz-proxy.conf;|" \
      -e 's|^\( *add_header Set-Cookie .*\)$|\1\n    add_header X-Cnnviz-Replica $upstream_addr always;|' \
      -e "s|alias .*/streamlit/static/static/;|alias $STATIC/;|" \
      "$HERE/nginx/cnnviz-site.conf" > "$RUN_DIR/site.conf"
  cat > "$RUN_DIR/nginx.conf" <<EOF
worker_processes 1;
pid $RUN_DIR/nginx.pid;
error_log $RUN_DIR/nginx-error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $RUN_DIR/client_body;
    proxy_temp_path $RUN_DIR/proxy;
    fastcgi_temp_path $RUN_DIR/fastcgi;
    uwsgi_temp_path $RUN_DIR/uwsgi;
    scgi_temp_path $RUN_DIR/scgi;
    include $RUN_DIR/site.conf;
}
EOF
}

if [ "${1:-}" = "stop" ]; then stop_all; exit 0; fi
if [ "${1:-}" = "check" ]; then  # write the nginx config for N replicas and let nginx test it
  N="${2:-2}"; mkdir -p "$RUN_DIR"; write_nginx_conf
  nginx -t -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR"; exit $?
fi
N="${1:?usage: run_replicas.sh N | check N | stop}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive number" >&2; exit 2; }
command -v nginx >/dev/null || { echo "nginx is missing: apt-get install -y nginx" >&2; exit 1; }
mkdir -p "$RUN_DIR"
[ -f "$RUN_DIR/replicas" ] && stop_all  # a run left behind
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

# One cookie secret shared by all replicas of this run, so a browser that fails over keeps a valid
# XSRF cookie (uploads). Fresh per run; never committed.
export STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"

for port in "$PORT" $(seq "$BASE" $((BASE + N - 1))); do
  if curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$port/"; then
    echo "port $port is already in use (set CNNVIZ_PORT / CNNVIZ_BASE_PORT)" >&2; exit 1
  fi
done
if [ -z "${CNNVIZ_REDIS_URL:-}" ]; then
  command -v redis-server >/dev/null || { echo "redis-server is missing: apt-get install -y redis-server" >&2; exit 1; }
  REDIS_PORT="${CNNVIZ_REDIS_PORT:-$((BASE + N))}"
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    echo "port $REDIS_PORT already has a Redis (set CNNVIZ_REDIS_PORT, or CNNVIZ_REDIS_URL to use it)" >&2; exit 1
  fi
  # Loopback only, nothing written to disk: rooms are a lecture's, and expire after hours idle anyway.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    > "$RUN_DIR/redis.log" 2>&1 &
  echo "$!" > "$RUN_DIR/redis.pid"
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null || true)" = "PONG" ] && break
    sleep 0.1
  done
  export CNNVIZ_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
fi
CORES="$(nproc)"
: > "$RUN_DIR/replicas"
for i in $(seq 0 $((N - 1))); do
  port=$((BASE + i))
  pin=()
  # One core each when there are enough (one replica uses about one core; a lone one may use either).
  if [ "$N" -ge 2 ] && [ "$CORES" -ge "$N" ] && command -v taskset >/dev/null; then pin=(taskset -c "$i"); fi
  # shellcheck disable=SC2086
  (cd "$ROOT" && exec "${pin[@]}" "$PY" -m streamlit run app.py --server.address 127.0.0.1 \
      --server.port "$port" --server.headless true ${CNNVIZ_STREAMLIT_ARGS:-} \
      > "$RUN_DIR/replica-$port.log" 2>&1) &
  echo "$! 127.0.0.1:$port" >> "$RUN_DIR/replicas"
done
while read -r pid addr; do wait_health "http://$addr" "$pid"; done < "$RUN_DIR/replicas"
rm -rf "$RUN_DIR/streamlit-static"
cp -r "$("$PY" -c 'import os, streamlit; print(os.path.dirname(streamlit.__file__))')/static/static" \
  "$RUN_DIR/streamlit-static"
# Compressed once here, not per request (gzip_static): a class arriving costs nginx almost nothing.
find "$RUN_DIR/streamlit-static" -type f \( -name '*.js' -o -name '*.css' -o -name '*.json' -o -name '*.svg' \) \
  -exec gzip -k -6 {} +
chmod -R a+rX "$RUN_DIR/streamlit-static"

write_nginx_conf
nginx -t -q -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR"
nginx -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR" -g "daemon off;" &
NGINX_PID=$!
wait_health "http://127.0.0.1:$PORT" "$NGINX_PID"
echo "$NGINX_PID" > "$RUN_DIR/nginx.pid"   # nginx also writes it; this one is there at once
echo "ready http://127.0.0.1:$PORT replicas: $(tr '\n' ' ' < "$RUN_DIR/replicas")rooms: $CNNVIZ_REDIS_URL"
wait "$NGINX_PID"
