# One image for every Usher process: `docker run <image> api|worker|realtime|migrate|usher ...`.
#
# Node 22 on Debian 13 (trixie, glibc 2.41): the realtime server's native uWebSockets.js build for
# Node 22 (@btc-vision/uwebsockets.js) needs glibc >= 2.38, which Debian 12 (bookworm, 2.36) lacks;
# there only Node 20, past its end of life, has one. See "Runtimes" in the README.
ARG NODE_IMAGE=node:22-trixie-slim

# ---- build: all dependencies, TypeScript compiled to dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` when the lockfile lacks another platform's optional binaries (see .ci/run).
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund
COPY . .
RUN npm run build

# ---- production dependencies only
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# uWebSockets.js packages ship binaries for every platform: only this one's stay.
RUN (npm ci --omit=dev --no-audit --no-fund || npm install --omit=dev --no-audit --no-fund) \
  && npm cache clean --force \
  && keep="uws_$(node -p 'process.platform + "_" + process.arch')_" \
  && find node_modules/uWebSockets.js node_modules/@btc-vision -name 'uws_*.node' ! -name "${keep}*" -delete

# ---- runtime
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts/run.js ./scripts/run.js
# The worker writes its generated workflow entry here before bundling (modules/workflow-entry.ts);
# the rest of /app stays read-only to the process.
RUN mkdir -p dist/node_modules/.cache/usher && chown -R node:node dist/node_modules/.cache
USER node
# scripts/run.js maps a process name to dist/ and passes signals on (it runs dist/ here: no sources).
ENTRYPOINT ["node", "scripts/run.js"]
CMD ["api"]
