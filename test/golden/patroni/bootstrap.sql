-- Statement logging would write the password below into the server log.
SET log_statement = 'none';
CREATE ROLE app_user LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'it''s-secret';
CREATE DATABASE app OWNER app_user;
\connect app
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
