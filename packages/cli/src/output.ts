import { TkmsError } from '@tkms/core';

export type Out = { json: boolean };

/** Prints a result: the JSON value with --json, otherwise the human text. */
export function emit(o: Out, value: unknown, human: () => string): void {
  process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** Prints an error for humans (stderr) or scripts (stdout JSON with --json), and sets the exit code. */
export function fail(o: Out, e: unknown): never {
  const err = e instanceof TkmsError ? e : undefined;
  if (o.json) {
    const body = err
      ? {
          error: {
            code: err.code,
            message: err.message,
            culprits: err.culprits,
            ...(err.meta.node ? { node: err.meta.node } : {}),
          },
        }
      : { error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    const blame = err?.culprits.length ? ` [culprits: ${err.culprits.join(', ')}]` : '';
    process.stderr.write(
      `error${err ? ` (${err.code})` : ''}: ${e instanceof Error ? e.message : String(e)}${blame}\n`,
    );
  }
  process.exit(err?.code === 'request.invalid' || err?.code === 'config.invalid' ? 2 : 1);
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
