#!/bin/sh
# Gives each service that keeps data in PostgreSQL its own login role and its own database,
# owned by that role and closed to everyone else: the registry cannot read the notifier's data,
# nor the other way round, and neither is a superuser or may create roles or databases.
#
# docker-compose.yml mounts this file into /docker-entrypoint-initdb.d, which the postgres image
# runs once, when it initialises an empty data volume. It runs the same against any server:
#   PGHOST=db.example PGUSER=postgres REGISTRY_DB_PASSWORD=… NOTIFIER_DB_PASSWORD=… \
#     sh deploy/postgres/init-service-roles.sh
# Names may be changed with REGISTRY_DB_USER/REGISTRY_DB_NAME and NOTIFIER_DB_USER/NOTIFIER_DB_NAME.
set -eu

: "${REGISTRY_DB_PASSWORD:?set REGISTRY_DB_PASSWORD}"
: "${NOTIFIER_DB_PASSWORD:?set NOTIFIER_DB_PASSWORD}"

create_service_database() {
  role=$1 database=$2 password=$3
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" \
    --dbname postgres -v role="$role" -v database="$database" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
-- Only the owner connects: PUBLIC (every other role) gets no CONNECT and no TEMP.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
SQL
  # Nobody but the owner creates objects in the new database's public schema either.
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" \
    --dbname "$database" -c 'REVOKE ALL ON SCHEMA public FROM PUBLIC'
}

create_service_database "${REGISTRY_DB_USER:-uptime_registry}" "${REGISTRY_DB_NAME:-registry}" \
  "$REGISTRY_DB_PASSWORD"
create_service_database "${NOTIFIER_DB_USER:-uptime_notifier}" "${NOTIFIER_DB_NAME:-notifier}" \
  "$NOTIFIER_DB_PASSWORD"
