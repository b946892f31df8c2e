// Waiting in tests: poll a condition with a generous deadline instead of sleeping a fixed time
// (the CI box has two cores shared with other work).

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Resolves once `cond` holds; rejects after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`)
    await sleep(10)
  }
}
