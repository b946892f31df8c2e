/**
 * Plugs the multi-core runtime into the actor layer: every `ActorSystem.start` on the main
 * thread gets a `MainRuntime` (with `workers: 0` it simply keeps every actor on the main thread).
 */
import { installRuntimeFactory } from '../actor/runtime-api.js'
import { MainRuntime } from './main-runtime.js'

installRuntimeFactory((host, options) => new MainRuntime(host, options))
