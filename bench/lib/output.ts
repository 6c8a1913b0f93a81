import { writeFile } from "node:fs/promises";

/** Prints a rendered report on stdout, the total time on stderr, and writes the JSON file when asked. */
export async function emitReport(
  rendered: string,
  report: unknown,
  options: { readonly startedAt: Date; readonly jsonFile: string | undefined },
): Promise<void> {
  process.stdout.write(`\n${rendered}\n`);
  process.stderr.write(`  total ${((Date.now() - options.startedAt.getTime()) / 1000).toFixed(1)} s\n`);
  if (options.jsonFile !== undefined) {
    await writeFile(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`  wrote ${options.jsonFile}\n`);
  }
}
