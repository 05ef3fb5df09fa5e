/**
 * `npm run bench`: the poll-cycle benchmark, or with `--discovery` the discovery sweep's.
 * Each prints one JSON object on stdout; see the file of each for its options.
 */
if (process.argv.includes('--discovery')) await import('./discovery');
else await import('./poll-cycle');

export {};
