/**
 * The sharded chat as a `coerce-ts node --app` module (the Docker image's default app): registers
 * the `ChatStream` entity type with cluster sharding and starts this node's chat gateway (the
 * page at `/`, the WebSocket at `/ws`) on COERCE_CHAT_PORT (default 30102).
 *
 *   npm run cluster:local -- 3          # redis + 3 nodes on loopback; prints each chat URL
 *   npx tsx bin/coerce-ts.ts node --secret local-dev-secret --app examples/sharded-chat/app.ts
 *
 * Environment: COERCE_CHAT_PORT (0: any free port), COERCE_CHAT_HOST (default 0.0.0.0),
 * COERCE_CHAT_ASK_TIMEOUT_MS (default 15000), COERCE_CHAT_SHARDS (default 100; the same on
 * every node). The protocol is in docs/chat.md. Streams are persistent: with
 * `--persistence redis://...` (shared by the nodes) a stream keeps its history when its node dies.
 */
import type { NodeApp } from '../../lib/index.js'
import { ChatStream } from './chat-stream.js'
import { startChatGateway } from './gateway.js'

export const DEFAULT_CHAT_PORT = 30102

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]
  if (text === undefined || text === '') return fallback
  const n = Number(text)
  if (!(Number.isInteger(n) && n >= min && n <= max)) throw new Error(`${name} must be an integer ${min}-${max} (got '${text}')`)
  return n
}

const setup: NodeApp = async (system, ctx) => {
  const port = intFrom(ctx.env, 'COERCE_CHAT_PORT', DEFAULT_CHAT_PORT, 0, 65535)
  const host = ctx.env['COERCE_CHAT_HOST'] || '0.0.0.0'
  const askTimeoutMs = intFrom(ctx.env, 'COERCE_CHAT_ASK_TIMEOUT_MS', 15_000, 1, 600_000)
  const shards = intFrom(ctx.env, 'COERCE_CHAT_SHARDS', 100, 1, 10_000)
  const streams = system.sharding.register(ChatStream, { shards, passivation: { idleMs: 10 * 60_000 } })
  const logger = ctx.logger.child?.({ component: 'chat' }) ?? ctx.logger
  const gateway = await startChatGateway(system, streams, { port, host, askTimeoutMs, logger })
  logger.info({ chat: gateway.url, port: gateway.port }, 'chat gateway listening')
  return { stop: () => gateway.stop() }
}
export default setup
