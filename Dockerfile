# syntax=docker/dockerfile:1
# Production image: `docker build -t hotline .` then run with HOTLINE_DATABASE_URL,
# HOTLINE_SECRET_KEY and HOTLINE_SMTP_URL set. Migrations on start are opt-in
# (HOTLINE_MIGRATE_ON_START=true); otherwise run `hotline db upgrade` as a release step.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
# uv (the version the Makefile uses) installs exactly what uv.lock pins: the app and the SMTP
# catcher of compose.yaml (aiosmtpd), not the dev extra.
RUN pip install "uv==0.13.9" && python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The project lives at /app in both stages: installed in place, it finds migrations/,
# knowledge_base/ and templates/ beside the package without extra configuration.
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY hotline ./hotline
RUN uv sync --locked --no-cache --extra catcher

FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 hotline \
 && useradd --system --uid 10001 --gid hotline --home-dir /app --no-create-home hotline
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY migrations ./migrations
COPY knowledge_base ./knowledge_base
COPY templates ./templates
RUN mkdir -p /app/var && chown hotline:hotline /app/var
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HOTLINE_ENVIRONMENT=production \
    HOTLINE_HOST=0.0.0.0 \
    HOTLINE_PORT=8000 \
    HOTLINE_VAR_DIR=/app/var
USER hotline
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ['HOTLINE_PORT'], timeout=2)"
ENTRYPOINT ["hotline"]
CMD ["serve"]
