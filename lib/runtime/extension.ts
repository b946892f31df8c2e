/**
 * The multi-core runtime as an extension of the actor core: every `ActorSystem.start` on the
 * main thread gets a `MainRuntime` (with `workers: 0` it keeps every actor on the main thread).
 */
import type { Extension } from '../actor/extensions.js'
import { MainRuntime } from './main-runtime.js'

export const runtimeExtension: Extension = {
  name: 'runtime',
  runtime: (host, options) => new MainRuntime(host, options),
}
