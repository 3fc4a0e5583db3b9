# One image for the API (and its web page), the Dagster code server, webserver and daemon.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./
RUN npm run build

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 DAGSTER_HOME=/opt/dagster/home
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY pipelines pipelines
COPY serving serving
COPY connectors connectors
COPY models models
COPY schemas schemas
COPY formulas formulas
COPY core core
# The API serves the page from here (the package itself is installed in site-packages).
COPY --from=web /web/dist /app/web/dist
ENV PANELS_WEB_DIR=/app/web/dist
RUN pip install --no-cache-dir "uv==0.13.9" \
 && uv pip install --system --no-cache -c requirements.lock .
COPY dagster.yaml /opt/dagster/home/dagster.yaml
COPY deploy/workspace.compose.yaml /app/workspace.yaml
EXPOSE 8000 3000 4000
CMD ["panels", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
