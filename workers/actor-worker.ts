/**
 * Entry of an actor worker thread. Thin on purpose: everything lives in
 * lib/runtime/worker-runtime.ts where it is testable.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { runWorker } from '../lib/runtime/worker-runtime.js'
import type { WorkerInit } from '../lib/runtime/messages.js'

if (parentPort === null) throw new Error('actor-worker must run as a worker thread')
runWorker(workerData as WorkerInit, parentPort)
