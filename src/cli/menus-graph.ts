import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { definitions } from '../../menus';
import { menusMarkdown } from '../ussd/menus-graph';

/** `npm run menus:graph`: writes docs/menus.md, one Mermaid state diagram per USSD menu machine. */
const root = resolve(__dirname, '..', '..', '..'); // dist/src/cli → the project root
const machines = Object.fromEntries(
  Object.entries(definitions('graph')).map(([name, flow]) => [name, flow.machine]),
);
const out = join(root, 'docs', 'menus.md');
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(out, menusMarkdown(machines));
console.log(`wrote ${relative(process.cwd(), out) || out}`);
