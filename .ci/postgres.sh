# Sourced by .ci/run: a PostgreSQL for the tests, named by TEST_DATABASE_URL. The server on 127.0.0.1:5432
# (trust authentication, user postgres, database test) when one answers; otherwise a throwaway cluster of
# Debian's PostgreSQL binaries (installed when missing) on a free port in a temporary directory, stopped and
# removed when the script exits. FOUNDRY_CI_PG_PORT looks elsewhere than 5432 (to try the throwaway path).

PG_CI_HOST=127.0.0.1
PG_CI_PORT=${FOUNDRY_CI_PG_PORT:-5432}
PG_CI_DIR=

PG_CI_LIB=${FOUNDRY_CI_PG_LIB:-/usr/lib/postgresql}

# The newest installed version's bin directory (empty when none is).
pg_ci_newest_bin() {
  (ls -d "$PG_CI_LIB"/*/bin 2>/dev/null || true) | sort -V | tail -n 1
}

pg_ci_bin() {
  local dir
  dir=$(pg_ci_newest_bin)
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "--- PostgreSQL: installing Debian's postgresql package" >&2
    apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
    dir=$(pg_ci_newest_bin)
  fi
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "--- PostgreSQL: no initdb under $PG_CI_LIB after installing postgresql" >&2
    return 1
  fi
  echo "$dir"
}

# initdb and postgres refuse to run as root: as root, the cluster belongs to the postgres system user (nobody
# where the package made none).
pg_ci_as_owner() {
  if [ "$(id -u)" != 0 ]; then
    "$@"
  elif id postgres >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    runuser -u nobody -- "$@"
  fi
}

pg_ci_stop() {
  if [ -n "$PG_CI_DIR" ] && [ -d "$PG_CI_DIR" ]; then
    pg_ci_as_owner "$(pg_ci_bin)/pg_ctl" -D "$PG_CI_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_CI_DIR"
  fi
}

pg_ci_start_throwaway() {
  local bin port owner
  bin=$(pg_ci_bin)
  port=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
  PG_CI_DIR=$(mktemp -d "${TMPDIR:-/tmp}/foundry-ci-pg.XXXXXX")
  trap pg_ci_stop EXIT
  if [ "$(id -u)" = 0 ]; then
    owner=$(id -u postgres >/dev/null 2>&1 && echo postgres || echo nobody)
    chown "$owner" "$PG_CI_DIR"
  fi
  echo "--- PostgreSQL: nothing answers on $PG_CI_HOST:$PG_CI_PORT; a throwaway cluster on port $port" >&2
  pg_ci_as_owner "$bin/initdb" -D "$PG_CI_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  pg_ci_as_owner "$bin/pg_ctl" -D "$PG_CI_DIR/data" -l "$PG_CI_DIR/log" -w \
    -o "-h $PG_CI_HOST -p $port -k $PG_CI_DIR -c fsync=off" start >/dev/null
  "$bin/createdb" -h "$PG_CI_HOST" -p "$port" -U postgres test
  PG_CI_PORT=$port
}

# Before each test leg: the server last used when it still answers, else 127.0.0.1:5432, else a throwaway one.
ensure_postgres() {
  local isready
  isready=$(command -v pg_isready || echo "$(pg_ci_bin)/pg_isready")
  if ! "$isready" -q -h "$PG_CI_HOST" -p "$PG_CI_PORT"; then
    pg_ci_stop
    pg_ci_start_throwaway
  fi
  export TEST_DATABASE_URL="postgres://postgres@$PG_CI_HOST:$PG_CI_PORT/test"
  echo "--- PostgreSQL: TEST_DATABASE_URL=$TEST_DATABASE_URL" >&2
}
