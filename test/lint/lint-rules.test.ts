import { execFile } from 'node:child_process';
import { join } from 'node:path';

/**
 * The module-boundary rules of eslint.config.mjs, proven on fixtures/src: a small tree laid out like
 * src/ (stand-in modules, a route file, infra, shared, cli), linted with the project's config from
 * fixtures/ as the working directory, so that the per-folder `files` patterns (`src/payments/**`...)
 * apply to it as they do to the real src/. `npm run lint` ignores the fixtures (they break the rules
 * on purpose).
 *
 * ESLint loads its flat config with a dynamic import(), which Jest's CommonJS runtime refuses: the
 * Node API runs in a plain Node process.
 */
const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(__dirname, 'fixtures');
const CONFIG = join(ROOT, 'eslint.config.mjs');

interface Message {
  ruleId: string | null;
  line: number;
  message: string;
}
interface Result {
  file: string;
  messages: Message[];
}

function eslint(files: string[]): Promise<{ results: Result[]; ignoredFromRoot: boolean[] }> {
  const script = `
    import { ESLint } from 'eslint';
    import { relative } from 'node:path';
    const [cwd, config, root, ...files] = process.argv.slice(1);
    const eslint = new ESLint({ cwd, overrideConfigFile: config, ignore: false });
    const results = (await eslint.lintFiles(files)).map((r) => ({
      file: relative(cwd, r.filePath),
      messages: r.messages.map(({ ruleId, line, message }) => ({ ruleId, line, message })),
    }));
    // The normal run (npm run lint, from the repository's root) leaves them out.
    const normal = new ESLint({ cwd: root });
    const ignoredFromRoot = await Promise.all(files.map((f) => normal.isPathIgnored(cwd + '/' + f)));
    process.stdout.write(JSON.stringify({ results, ignoredFromRoot }));
  `;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, FIXTURES, CONFIG, ROOT, ...files],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`eslint failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as { results: Result[]; ignoredFromRoot: boolean[] });
      },
    );
  });
}

const VIOLATIONS: Record<string, { ruleId: string; line: number; message: RegExp }> = {
  'src/payments/uses-accounts-entities.ts': {
    ruleId: 'no-restricted-imports',
    line: 2,
    message: /^'\.\.\/accounts\/entities' import is restricted .*accounts's entities are its own/,
  },
  'src/shared/uses-entities.ts': {
    ruleId: 'no-restricted-imports',
    line: 2,
    message:
      /^'\.\.\/notifications\/inapp-entities' import is restricted .*notifications's entities are its own/,
  },
  'src/infra/uses-module.ts': {
    ruleId: 'no-restricted-imports',
    line: 2,
    message: /^'\.\.\/ledger\/service' import is restricted .*src\/infra is infrastructure/,
  },
  'src/payments/routes.ts': {
    ruleId: '@typescript-eslint/no-restricted-imports',
    line: 2,
    message: /^'typeorm' import is restricted .*Route files do no database work/,
  },
};

/** Within the rules: a module's own entities, another's public services, typeorm outside routes, cli. */
const CLEAN = [
  'src/payments/clean.ts',
  'src/payments/entities.ts',
  'src/accounts/entities.ts',
  'src/accounts/directory.ts',
  'src/ledger/service.ts',
  'src/notifications/inapp-entities.ts',
  'src/cli/tool.ts',
];

jest.setTimeout(120_000);

let linted: Awaited<ReturnType<typeof eslint>>;

beforeAll(async () => {
  linted = await eslint([...Object.keys(VIOLATIONS), ...CLEAN]);
});

const messagesOf = (file: string) => {
  const result = linted.results.find((r) => r.file === file);
  if (!result) throw new Error(`${file} was not linted`);
  return result.messages;
};

describe('module boundaries (eslint.config.mjs)', () => {
  it.each(Object.entries(VIOLATIONS))('reports %s', (file, expected) => {
    expect(messagesOf(file)).toEqual([
      { ruleId: expected.ruleId, line: expected.line, message: expect.stringMatching(expected.message) },
    ]);
  });

  it.each(CLEAN)('lets %s pass', (file) => {
    expect(messagesOf(file)).toEqual([]);
  });

  it('keeps the fixtures out of `npm run lint`', () => {
    expect(linted.ignoredFromRoot).toEqual(linted.ignoredFromRoot.map(() => true));
  });
});
