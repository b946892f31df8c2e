# A coerce-ts node: builds the package, then runs the main example (the HTTP API on 30103,
# all interfaces) from the compiled JavaScript with production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY lib ./lib
COPY workers ./workers
COPY bin ./bin
COPY examples ./examples
COPY scripts ./scripts
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    COERCE_HTTP_HOST=0.0.0.0 \
    COERCE_HTTP_PORT=30103
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 30101 30103
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:30103/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/examples/main.js"]
