/**
 * What the CLIs add to `node:util` `parseArgs`: a value that starts with a dash, such as a
 * relative time (`--from -2h`), is taken as the option's value. `parseArgs` refuses it as
 * ambiguous, so `--from -2h` would only work as `--from=-2h`.
 */
type Options = Record<string, { type: 'string' | 'boolean' }>;

const isOption = (arg: string, options: Options) =>
  arg === '--' || (arg.startsWith('--') && (arg.slice(2).split('=')[0] ?? '') in options);

/** `argv` with each `--name <dash value>` of a string option written as `--name=<dash value>`. */
export function attachDashValues(argv: readonly string[], options: Options): string[] {
  const attached: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const next = argv[index + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (options[name]?.type === 'string' && next?.startsWith('-') && !isOption(next, options)) {
      attached.push(`${arg}=${next}`);
      index++;
    } else {
      attached.push(arg);
    }
  }
  return attached;
}
