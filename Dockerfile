# Caseload server image: trytond with the four therapy modules and sao.
# Used by docker-compose.yml for the server, cron and worker services.
FROM node:20-bookworm-slim AS sao
WORKDIR /sao
RUN npm pack --silent tryton-sao@8.0 && tar xzf tryton-sao-*.tgz \
    && cd package && npm install --silent --omit=dev --ignore-scripts \
       --legacy-peer-deps --no-audit --no-fund

FROM python:3.11-slim-bookworm
# postgresql-client: pg_dump/pg_restore for caseload backup and restore;
# bookworm's is PostgreSQL 15, the server's version in docker-compose.yml
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
       postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home /srv/caseload caseload
WORKDIR /srv/caseload
COPY pyproject.toml constraints.txt README.md ./
COPY addons addons
COPY caseload caseload
COPY config config
RUN pip install --no-cache-dir -c constraints.txt . \
    && mkdir -p var/filestore var/backups \
    && chown caseload var/filestore var/backups && chmod 0700 var/backups
COPY --from=sao /sao/package var/sao/package
COPY sao/custom.js sao/custom.css var/sao/package/
USER caseload
ENV CASELOAD_CONFIG=/srv/caseload/config/docker.conf
# Python without its debug asserts, as Tryton supports: each record Tryton
# reads checks its id against the whole list read with it in asserts,
# quadratic in a batch (a 1,000-claim 835 posts 17 % faster; bench/README)
ENV PYTHONOPTIMIZE=1
EXPOSE 8000
ENTRYPOINT ["caseload"]
CMD ["-d", "practice", "serve", "--listen", "0.0.0.0:8000", "--workers", "4"]
