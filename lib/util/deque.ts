/**
 * A growable ring-buffer FIFO. Mailboxes and run queues use it instead of `Array#shift`,
 * whose cost depends on V8's left-trimming heuristics and degrades on large arrays.
 */
export class Deque<T> {
  private items: (T | undefined)[]
  private head = 0
  private count = 0
  private mask: number

  constructor(initialCapacity = 16) {
    let cap = 4
    while (cap < initialCapacity) cap <<= 1
    this.items = new Array<T | undefined>(cap)
    this.mask = cap - 1
  }

  get length(): number {
    return this.count
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) & this.mask] = item
    this.count++
  }

  /** Removes and returns the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) & this.mask
    this.count--
    return item
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head]
  }

  /** Removes every item and returns them oldest first. */
  drain(): T[] {
    const out: T[] = []
    while (this.count > 0) out.push(this.shift() as T)
    return out
  }

  private grow(): void {
    const old = this.items
    const cap = old.length * 2
    const next = new Array<T | undefined>(cap)
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & this.mask]
    this.items = next
    this.head = 0
    this.mask = cap - 1
  }
}
