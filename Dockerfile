# syntax=docker/dockerfile:1
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Fixes to dependencies, applied by `npm ci` (postinstall: patch-package); see patches/README.md.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/catalog.example.json ./catalog.example.json
USER node
EXPOSE 3000 9464
# The same image runs the api (default), a worker (`node dist/workers/main.js`) or the CLI
# (`node dist/tools/cli/main.js migrate`).
CMD ["node", "dist/api/main.js"]
