import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Names this run, and builds dist/ once before any test file runs: the end-to-end tests start the compiled gateway and its
 * command-line tools as an operator would, and parallel workers must not compile at the same time.
 */
export default function globalSetup(): void {
  // One id per run, inherited by the workers: concurrent runs get their own databases.
  process.env.TEST_RUN_ID ??= `${Date.now().toString(36)}${process.pid.toString(36)}`;
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: resolve(__dirname, '../..'), stdio: 'pipe' });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
    const output = `npm run build failed:\n${String(stdout ?? '')}${String(stderr ?? '')}`;
    // tsc still emits on type errors: off CI, a type error in a file under edit elsewhere in the tree must
    // not stop the tests of this one (CI typechecks on its own and builds strictly here).
    if (process.env.CI) throw new Error(output);
    process.stderr.write(`warning: ${output.split('\n').slice(0, 6).join('\n')}\n`);
  }
}
