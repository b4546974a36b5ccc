#!/usr/bin/env bash
# ProxyKit's one test command: installs what is missing (Debian, as root), starts throwaway PostgreSQL and
# Redis servers on free loopback ports, builds with warnings as errors, runs every test project with
# coverage, stops the servers, and ends with the line "N passed, N failed, N skipped".
#
#   ./eng/test.sh                      everything
#   ./eng/test.sh --filter Redis       extra arguments go to `dotnet test`
#
# Set PROXYKIT_TEST_POSTGRES (an Npgsql connection string to a server where the user may CREATE DATABASE)
# and/or PROXYKIT_TEST_REDIS (host:port) to use servers of your own instead.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
work=$(mktemp -d /tmp/proxykit-test.XXXXXX)
chmod 755 "$work"
pg_bin=""
pg_data="$work/pg"
redis_pid_file="$work/redis.pid"

log() { printf '[test.sh] %s\n' "$*" >&2; }

cleanup() {
  local rc=$?
  if [[ -n "$pg_bin" && -f "$pg_data/postmaster.pid" ]]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [[ -f "$redis_pid_file" ]]; then
    kill "$(cat "$redis_pid_file")" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT INT TERM

free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  log "no free loopback port found"
  return 1
}

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_missing() {
  local packages=()
  if [[ -z "${PROXYKIT_TEST_POSTGRES:-}" && -z "$(find_pg_bin)" ]]; then packages+=(postgresql); fi
  if [[ -z "${PROXYKIT_TEST_REDIS:-}" ]] && ! command -v redis-server >/dev/null; then packages+=(redis-server); fi
  # WireGuard end-to-end tests (root only): userspace wireguard-go, wg/wg-quick, ping inside namespaces.
  if [[ $(id -u) -eq 0 ]]; then
    command -v wireguard-go >/dev/null || packages+=(wireguard-go)
    command -v wg >/dev/null || packages+=(wireguard-tools)
    command -v ping >/dev/null || packages+=(iputils-ping)
  fi
  if ((${#packages[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
      log "missing ${packages[*]} and not root: install them, or set PROXYKIT_TEST_POSTGRES / PROXYKIT_TEST_REDIS"
      return 1
    fi
    log "installing ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  fi
}

start_postgres() {
  pg_bin=$(find_pg_bin)
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  local port
  port=$(free_port)
  mkdir -p "$pg_data"
  chown postgres:postgres "$pg_data"
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
  export PROXYKIT_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100"
  log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

start_redis() {
  local port
  port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --pidfile "$redis_pid_file" \
    --dir "$work" --save '' --appendonly no --logfile "$work/redis.log" >/dev/null
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
  export PROXYKIT_TEST_REDIS="127.0.0.1:$port"
  log "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port"
}

install_missing
if [[ -z "${PROXYKIT_TEST_POSTGRES:-}" ]]; then start_postgres; else log "using PostgreSQL from PROXYKIT_TEST_POSTGRES"; fi
if [[ -z "${PROXYKIT_TEST_REDIS:-}" ]]; then start_redis; else log "using Redis from PROXYKIT_TEST_REDIS"; fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log "building (Release, warnings are errors)"
dotnet build ProxyKit.sln -c Release -nologo -clp:ErrorsOnly

results="$root/artifacts/test-results"
rm -rf "$results"
output="$work/dotnet-test.log"
set +e
dotnet test ProxyKit.sln -c Release --no-build --nologo \
  --results-directory "$results" --collect:"XPlat Code Coverage" \
  --logger "trx" --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$output"
test_rc=${PIPESTATUS[0]}
set -e

# Sum the per-assembly summary lines: "Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total: ..."
read -r passed failed skipped < <(
  grep -E '^\s*(Passed|Failed)!\s+-\s+Failed:' "$output" |
    sed -E 's/.*Failed:\s*([0-9]+), Passed:\s*([0-9]+), Skipped:\s*([0-9]+).*/\2 \1 \3/' |
    awk '{p+=$1; f+=$2; s+=$3} END {printf "%d %d %d\n", p, f, s}'
)
coverage=$(find "$results" -name 'coverage.cobertura.xml' 2>/dev/null | wc -l)
log "coverage reports: $coverage under artifacts/test-results"
if [[ $test_rc -ne 0 && $failed -eq 0 ]]; then
  failed=1 # a test host crashed or the run failed outside any test: never report that as green
  log "dotnet test exited with $test_rc"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[[ $test_rc -eq 0 && $failed -eq 0 ]]
