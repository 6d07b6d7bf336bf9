#!/bin/sh
set -eu
exec psql "$1" --no-psqlrc -v ON_ERROR_STOP=1 -q -f /etc/patroni/bootstrap.sql
