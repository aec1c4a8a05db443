/**
 * `--name N` / `--name=N` options of the side-by-side benchmarks: positive integers only, every
 * name one of `defaults`' keys; anything else stops with the command's usage line.
 */
export function parseCountOptions<T extends Record<string, number>>(argv: string[], defaults: T, command: string): T {
  const options: Record<string, number> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.split('=', 2);
    const key = flag.replace(/^--/, '');
    const value = Number(inline ?? argv[++i]);
    if (!(key in defaults) || !Number.isInteger(value) || value < 1) {
      const usage = Object.keys(defaults).map((k) => `[--${k} N]`);
      throw new Error(`bad option ${inline === undefined ? `${arg} ${argv[i] ?? ''}`.trim() : arg}; usage: npm run ${command} -- ${usage.join(' ')}`);
    }
    options[key] = value;
  }
  return options as T;
}
