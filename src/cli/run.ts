import { RnrError } from '../errors.js';
import { errorLine, escapeForTerminal } from './terminal-text.js';
import { CliUsageError } from './usage-error.js';

/** What a command gets: its arguments and where to write. */
export interface CommandContext {
  readonly args: string[];
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** True when stderr is a terminal (progress bars only then). */
  readonly interactive: boolean;
}

/** A command returns its exit code (0 unless it reports a failure itself). */
export type Command = (ctx: CommandContext) => Promise<number> | number;

/**
 * Run a command with the CLI contract: exit 2 and one line for a usage
 * error; exit 1 and one line naming the field path and address for bad
 * input (any RnrError); anything else is a bug in rnrkit and says so.
 */
export async function runCommand(command: Command, ctx: CommandContext): Promise<number> {
  try {
    return await command(ctx);
  } catch (e) {
    if (e instanceof CliUsageError || isParseArgsError(e)) {
      ctx.stderr(errorLine((e as Error).message));
      return 2;
    }
    if (e instanceof RnrError) {
      ctx.stderr(errorLine(e.message));
      return 1;
    }
    if (isFileError(e)) {
      ctx.stderr(errorLine(e.message));
      return 1;
    }
    // The stack keeps its line breaks (it is for a bug report), but bytes from an input file in the message are escaped all the same.
    const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
    ctx.stderr(`rnrkit: internal error (please report): ${text.split('\n').map(escapeForTerminal).join('\n')}\n`);
    return 1;
  }
}

function isParseArgsError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function isFileError(e: unknown): e is NodeJS.ErrnoException {
  return (
    e instanceof Error &&
    typeof (e as NodeJS.ErrnoException).code === 'string' &&
    typeof (e as NodeJS.ErrnoException).syscall === 'string'
  );
}
