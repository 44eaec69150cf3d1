#!/usr/bin/env node
// The `uptime` command of this package (`npx uptime …`): runs the compiled client in dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(main)) {
  console.error(`uptime: ${main} is missing; run \`npm run build\` first.`);
  process.exit(1);
}
require(main);
