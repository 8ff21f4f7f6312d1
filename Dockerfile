# syntax=docker/dockerfile:1
#
# autofactura image: the API (`autofactura serve`, the default command), the worker
# (`autofactura worker`) and the migrations (`autofactura migrate`) all run from it.
# compose.yaml wires them together for the distributed mode.
#
#   docker build -t autofactura .
#   docker run --rm -p 8000:8000 -v autofactura-data:/data autofactura   # embedded mode

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------
# builder: build the project's wheel and install it, with its dependencies, into a
# self-contained virtualenv at /opt/venv that the runtime stage copies as is.
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# A compiler and headers, only here, for any dependency without a wheel for this platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libffi-dev \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --upgrade pip setuptools wheel

WORKDIR /src
# Exactly the locked versions, each checked against its hash (`make lock` writes the file;
# it already carries the anyio override the Makefile explains), then the project alone.
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/venv/bin/pip wheel --no-deps --wheel-dir /dist . \
    && /opt/venv/bin/pip install --no-deps /dist/autofactura-*.whl \
    && /opt/venv/bin/autofactura --help >/dev/null

# ---------------------------------------------------------------------------
# runtime: Python, the venv, and Debian's Chromium (workers drive a real browser).
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# tini reaps the browser's child processes and forwards signals (graceful worker stop);
# util-linux's setpriv gives each Chromium a parent-death signal (a killed worker's end).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        chromium fonts-liberation ca-certificates tini util-linux \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown app:app /data

COPY --from=builder /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/home/app \
    AUTOFACTURA_DATA_DIR=/data \
    AUTOFACTURA_HOST=0.0.0.0 \
    AUTOFACTURA_PORT=8000 \
    CHROME_PATH=/usr/bin/chromium

# The embedded database, encryption keys and downloaded invoices live here.
VOLUME ["/data"]
WORKDIR /home/app
USER app:app

EXPOSE 8000

# No curl in slim images: ask /readyz (database and Redis answer) with the Python that is
# already there; /healthz (the process is alive) stays for orchestrators' liveness probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('AUTOFACTURA_PORT', '8000'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/readyz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["tini", "--"]
CMD ["autofactura", "serve", "--host", "0.0.0.0", "--port", "8000"]
