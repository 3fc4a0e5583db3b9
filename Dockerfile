# One image for the API, the Dagster code server, webserver and daemon.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 DAGSTER_HOME=/opt/dagster/home
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY pipelines pipelines
COPY serving serving
COPY models models
COPY schemas schemas
COPY formulas formulas
RUN pip install --no-cache-dir "uv==0.13.9" \
 && uv pip install --system --no-cache -c requirements.lock .
COPY dagster.yaml /opt/dagster/home/dagster.yaml
COPY deploy/workspace.compose.yaml /app/workspace.yaml
EXPOSE 8000 3000 4000
CMD ["panels", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
