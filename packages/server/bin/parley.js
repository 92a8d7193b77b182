#!/usr/bin/env node
// The `parley` command. The TypeScript sources are compiled to dist/ by the install step.
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`parley: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
