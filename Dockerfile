# syntax=docker/dockerfile:1
# Agent Foundry Gateway: the built server (dist/, `npm run build`) on plain node; no TypeScript loader at run time.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Toolchain for better-sqlite3-12 (the driver kept for Node 20, an optional dependency) and for bcrypt when no
# prebuilt binary fits; better-sqlite3 13, which Node 24 loads, ships its Node-API binaries.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci
COPY src ./src
COPY seeds ./seeds
RUN npm run build \
 && npm ci --omit=dev \
 && npm cache clean --force

FROM node:24-bookworm-slim
# production: FOUNDRY_WORKERS defaults to one cluster worker per core the container sees.
# MALLOC_ARENA_MAX: two glibc malloc arenas instead of eight per core keep a worker's RSS some 20-40 MiB lower.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATABASE_PATH=/app/data/foundry.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at run time beside the build: the schema, migrations and the seeded catalogue.
COPY package.json schema.sql rbac.sql ./
COPY migrations ./migrations
COPY postgres ./postgres
COPY seeds ./seeds
COPY bin ./bin
COPY src ./src
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
