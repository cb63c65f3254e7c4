import { main } from '../../src/cli/main.js';

/** Run the rnrkit CLI in-process and capture what it prints. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    interactive: false,
  });
  return { code, stdout, stderr };
}
