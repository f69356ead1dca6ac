# syntax=docker/dockerfile:1
# TontiFlex image: multi-stage build on Debian bookworm slim.
#   build     - full install (dev deps included), compiles TypeScript to dist/
#   prod-deps - production-only node_modules, with better-sqlite3's native addon built here
#   runtime   - no compilers, no dev deps, runs as the unprivileged `node` user
ARG NODE_IMAGE=node:20-bookworm-slim

# Shared base with the toolchain node-gyp needs for better-sqlite3 (used when no prebuilt binary
# can be fetched). package.json's `allowScripts` approves its install script (advisory in npm 11,
# ignored by the npm 10 shipped in this image, where install scripts run anyway).
FROM ${NODE_IMAGE} AS base
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./

FROM base AS build
RUN npm ci
COPY . .
RUN npm run build

FROM base AS prod-deps
RUN npm ci --omit=dev && npm cache clean --force

# Same base image as the stages above, so the compiled addon matches this Node ABI and glibc.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
  PORT=8000
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY locales ./locales
# var/ holds the SQLite file in embedded mode and var/documents the identity documents (DOCUMENTS_DIR):
# the only directories the app writes to. A new named volume mounted on var/documents takes its owner.
RUN mkdir -p var/documents && chown -R node:node var
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# A young generation twice V8's default: see README, "Benchmarks" (GC took a tenth of a USSD hop's CPU).
CMD ["node", "--max-semi-space-size=32", "dist/src/main.js"]
