/**
 * Collects everything written to stdout and stderr while `run` executes, the way CloudWatch
 * would see a function's logs. Output still passes through so failures stay readable.
 */
export async function captureOutput<T>(
  run: () => Promise<T>,
): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const originalOut = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  const tap =
    (original: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tap(originalOut) as typeof process.stdout.write;
  process.stderr.write = tap(originalErr) as typeof process.stderr.write;
  try {
    const result = await run();
    return { result, output: chunks.join('') };
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
  }
}
