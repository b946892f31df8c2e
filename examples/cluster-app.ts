/**
 * A small application for `coerce-ts node --app` (and the Docker image's default): every node
 * runs an echo actor named after itself, and the cluster runs one `Uptime` singleton that
 * counts ticks on whichever node is the oldest (it moves on a graceful leave or a crash).
 *
 *   npx tsx bin/coerce-ts.ts node --secret local-dev-secret --app examples/cluster-app.ts
 *
 * `GET /actors` on any node shows its `echo-<nodeId>`; `GET /cluster/singletons` shows where the
 * singleton runs.
 */
import { Actor, Timer, type ActorRef, type NodeApp } from '../lib/index.js'

/** Answers each message with its text, and says which node answered. */
export class NodeEcho extends Actor {
  static actorModule = import.meta.url
  echo(text: string): { text: string; node: string } {
    return { text, node: this.ctx.system.nodeId }
  }
}

/** The cluster singleton: counts one tick a second on the node that hosts it. */
export class Uptime extends Actor {
  static actorModule = import.meta.url
  private ticks = 0
  private timer: Timer | undefined
  override started(): void {
    this.timer = Timer.start(this.ctx.self as ActorRef<Uptime>, 1000, 'tick')
  }
  override stopped(): void {
    this.timer?.stop()
  }
  tick(): void {
    this.ticks++
  }
  status(): { node: string; ticks: number } {
    return { node: this.ctx.system.nodeId, ticks: this.ticks }
  }
}

const setup: NodeApp = async (system, ctx) => {
  await system.spawn(NodeEcho, { id: `echo-${ctx.nodeId}`, placement: 'main' })
  system.singleton(Uptime, { name: 'uptime' })
  ctx.logger.info({ echo: `echo-${ctx.nodeId}`, singleton: 'uptime' }, 'cluster-app ready')
}
export default setup
