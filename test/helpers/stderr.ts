// Captures what the process writes to stderr (the default logger's output) while a test runs.

/** Captures what is written to process.stderr while `fn` runs. */
export async function captureStderr(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = []
  const write = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((chunk: string) => {
    lines.push(String(chunk))
    return true
  }) as typeof process.stderr.write
  try {
    await fn()
  } finally {
    process.stderr.write = write
  }
  return lines
}
