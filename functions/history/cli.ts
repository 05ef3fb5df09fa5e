/** Entry point of `npm run history -- <orderId> [--json]`; see `command.ts`. */
import { runHistoryCommand } from './command';

process.exitCode = await runHistoryCommand({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
