# Caseload server image: trytond with the four therapy modules and sao.
# Used by docker-compose.yml for the server, cron and worker services.
FROM node:20-bookworm-slim AS sao
WORKDIR /sao
RUN npm pack --silent tryton-sao@8.0 && tar xzf tryton-sao-*.tgz \
    && cd package && npm install --silent --omit=dev --ignore-scripts \
       --legacy-peer-deps --no-audit --no-fund

FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home /srv/caseload caseload
WORKDIR /srv/caseload
COPY pyproject.toml constraints.txt README.md ./
COPY addons addons
COPY caseload caseload
COPY config config
RUN pip install --no-cache-dir -c constraints.txt . \
    && mkdir -p var/filestore && chown caseload var/filestore
COPY --from=sao /sao/package var/sao/package
COPY sao/custom.js var/sao/package/custom.js
USER caseload
ENV CASELOAD_CONFIG=/srv/caseload/config/docker.conf
EXPOSE 8000
ENTRYPOINT ["caseload"]
CMD ["-d", "practice", "serve", "--listen", "0.0.0.0:8000"]
