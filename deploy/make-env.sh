#!/bin/sh
# Writes the env files compose.yaml reads, with fresh random secrets, readable by the owner only.
# Refuses to overwrite existing files (rotating the database password needs ALTER ROLE first).
# Usage: sh make-env.sh [DIR]   (default: this script's folder)
set -eu
dir=${1:-$(dirname "$0")}
umask 077
for f in controller.env postgres.env grafana.env; do
  if [ -e "$dir/$f" ]; then
    echo "make-env.sh: $dir/$f exists; not overwriting" >&2
    exit 1
  fi
done
secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
db=$(secret)
printf 'POSTGRES_USER=hubwire\nPOSTGRES_DB=hubwire\nPOSTGRES_PASSWORD=%s\n' "$db" >"$dir/postgres.env"
printf 'PGPASSWORD=%s\nHUBWIRE_ADMIN_PASSWORD=%s\n' "$db" "$(secret)" >"$dir/controller.env"
printf 'GF_SECURITY_ADMIN_PASSWORD=%s\nGF_USERS_ALLOW_SIGN_UP=false\n' "$(secret)" >"$dir/grafana.env"
echo "wrote $dir/controller.env, $dir/postgres.env, $dir/grafana.env (the admin password is HUBWIRE_ADMIN_PASSWORD in controller.env)"
