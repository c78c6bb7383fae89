#!/usr/bin/env bash
# Runs once, when the postgres container initializes its data directory (docker-entrypoint-initdb.d): the
# gateway's own role and schema. The image's POSTGRES_USER is a superuser, which row-level security does not hold,
# and the gateway refuses to run as one; it connects as foundry_gateway instead, which owns the foundry schema
# (and migrates it on start) without being a superuser or BYPASSRLS.
set -euo pipefail
: "${FOUNDRY_GATEWAY_PASSWORD:?set FOUNDRY_GATEWAY_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$FOUNDRY_GATEWAY_PASSWORD" <<'SQL'
CREATE ROLE foundry_gateway LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'password';
CREATE SCHEMA foundry AUTHORIZATION foundry_gateway;
ALTER ROLE foundry_gateway SET search_path = foundry;
SQL
