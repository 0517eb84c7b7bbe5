/**
 * JSON-lines logger on stderr. Fields are ids, codes and timings only: callers never pass secret
 * material, and SecretBytes renders as "[secret]" if one slips through.
 */
export type LogLevel = 'silent' | 'info' | 'debug';
export type Logger = {
  info(event: string, fields?: Record<string, unknown>): void;
  debug(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
};

export function createLogger(node: string, level: LogLevel): Logger {
  const write = (lvl: string, event: string, fields: Record<string, unknown> = {}) => {
    process.stderr.write(`${JSON.stringify({ t: new Date().toISOString(), lvl, node, event, ...fields })}\n`);
  };
  const envLevel = process.env.TKMS_LOG as LogLevel | undefined;
  const effective = envLevel === 'silent' || envLevel === 'info' || envLevel === 'debug' ? envLevel : level;
  return {
    info: (e, f) => effective !== 'silent' && write('info', e, f),
    debug: (e, f) => effective === 'debug' && write('debug', e, f),
    warn: (e, f) => effective !== 'silent' && write('warn', e, f),
  };
}
