/**
 * `npm run bench`: the poll-cycle benchmark, with `--discovery` the discovery sweep's, with
 * `--export` a CSV export of transitions, with `--start` how soon `npm start` answers.
 * Each prints one JSON object on stdout; see the file of each for its options.
 */
if (process.argv.includes('--discovery')) await import('./discovery');
else if (process.argv.includes('--export')) await import('./export');
else if (process.argv.includes('--start')) await import('./start');
else await import('./poll-cycle');

export {};
