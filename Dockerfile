# syntax=docker/dockerfile:1
# Agent Foundry Gateway: Node 20 running the TypeScript sources through tsx.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# Toolchain for better-sqlite3 and bcrypt when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
# production: FOUNDRY_WORKERS defaults to one cluster worker per core the container sees.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATABASE_PATH=/app/data/foundry.db
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json schema.sql rbac.sql tsconfig.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY seeds ./seeds
COPY src ./src
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "src/main.ts"]
