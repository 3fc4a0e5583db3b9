-- Dagster's instance storage lives in its own database on the same server.
CREATE DATABASE panels_dagster OWNER panels;
