// A persistent actor class worker threads can load (its module is named by actorModule).
import { threadId } from 'node:worker_threads'
import { Account } from './fixtures.js'
export class WorkerAccount extends Account {
  static actorModule = import.meta.url
  thread(): number {
    return threadId
  }
}
