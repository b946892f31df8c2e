/**
 * Entry of the network thread. Thin on purpose: everything lives in
 * lib/remote/network-thread.ts where it is testable.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { runNetworkThread } from '../lib/remote/network-thread.js'
import type { WorkerInit } from '../lib/runtime/messages.js'

if (parentPort === null) throw new Error('network-worker must run as a worker thread')
runNetworkThread(workerData as WorkerInit, parentPort)
