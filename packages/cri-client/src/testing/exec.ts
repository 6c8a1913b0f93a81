import type { ScriptedExec } from "./behaviour.js";

/** The result of an ExecSync as the fake computes it before running it on the clock. */
export interface ExecOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  /** How long the command takes on the fake's clock. */
  readonly delayMs: number;
}

/**
 * Answers an ExecSync: the first scripted rule that matches and whose [`fromMs`, `untilMs`) window holds
 * `runningMs` (how long the container has run) wins; otherwise a tiny busybox-like emulation runs it:
 * `echo`, `true`, `false`, `exit`, `sleep` and `:`, also inside `sh -c '…'` with `;`, `&&`, `||`, `>&2` and
 * `>/dev/null`. Any other command succeeds silently (exit 0, no output).
 */
export function planExec(
  cmd: readonly string[],
  rules: readonly ScriptedExec[],
  runningMs: number,
): ExecOutcome {
  for (const rule of rules) {
    if (inWindow(rule, runningMs) && execRuleMatches(rule, cmd)) {
      return {
        stdout: rule.stdout ?? "",
        stderr: rule.stderr ?? "",
        exitCode: rule.exitCode ?? 0,
        delayMs: rule.delayMs ?? 0,
      };
    }
  }
  return emulate(cmd);
}

/** Whether `runningMs` is in [`fromMs` (default 0), `untilMs` (default forever)). */
export function inWindow(window: { fromMs?: number; untilMs?: number }, runningMs: number): boolean {
  return runningMs >= (window.fromMs ?? 0) && (window.untilMs === undefined || runningMs < window.untilMs);
}

function execRuleMatches(rule: ScriptedExec, cmd: readonly string[]): boolean {
  const { match } = rule;
  if (typeof match === "function") return match(cmd);
  return match.length <= cmd.length && match.every((word, i) => word === cmd[i]);
}

const SHELLS = new Set(["sh", "ash", "bash", "dash"]);

interface Run {
  stdout: string;
  stderr: string;
  status: number;
  delayMs: number;
  exited: boolean;
}

function emulate(cmd: readonly string[]): ExecOutcome {
  const run: Run = { stdout: "", stderr: "", status: 0, delayMs: 0, exited: false };
  const program = basename(cmd[0] ?? "");
  if (SHELLS.has(program) && cmd[1] === "-c" && cmd[2] !== undefined) {
    runScript(cmd[2], run);
  } else {
    runSimple({ words: [...cmd], stdout: "stdout", stderr: "stderr" }, run);
  }
  return { stdout: run.stdout, stderr: run.stderr, exitCode: run.status, delayMs: run.delayMs };
}

type Sink = "stdout" | "stderr" | "null";

interface SimpleCommand {
  words: string[];
  stdout: Sink;
  stderr: Sink;
}

type Operator = ";" | "&&" | "||" | "|";

function runScript(script: string, run: Run): void {
  const tokens = tokenize(script);
  let command: SimpleCommand = { words: [], stdout: "stdout", stderr: "stderr" };
  let pending: Operator = ";";
  const flush = (next: Operator): void => {
    const skip = (pending === "&&" && run.status !== 0) || (pending === "||" && run.status === 0);
    // Left side of a pipe: its stdout feeds a command the emulation does not model.
    if (next === "|") command.stdout = "null";
    if (!skip && !run.exited && command.words.length > 0) runSimple(command, run);
    command = { words: [], stdout: "stdout", stderr: "stderr" };
    pending = next;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === "op") {
      flush(token.value);
      continue;
    }
    const redirect = parseRedirect(token.value, tokens[i + 1]);
    if (redirect !== undefined && token.quoted === false) {
      if (redirect.fd === 1) command.stdout = redirect.to;
      else command.stderr = redirect.to;
      if (redirect.consumesNext) i++;
      continue;
    }
    command.words.push(token.value);
  }
  flush(";");
}

function parseRedirect(
  word: string,
  next: Token | undefined,
): { fd: 1 | 2; to: Sink; consumesNext: boolean } | undefined {
  const m = /^([12]?)>(&[12]|.*)$/.exec(word);
  if (m === null) return undefined;
  const fd = m[1] === "2" ? 2 : 1;
  let target = m[2] ?? "";
  let consumesNext = false;
  if (target === "" && next?.kind === "word") {
    target = next.value;
    consumesNext = true;
  }
  const to: Sink = target === "&2" ? "stderr" : target === "&1" ? "stdout" : "null";
  return { fd, to, consumesNext };
}

function runSimple(command: SimpleCommand, run: Run): void {
  const [name = "", ...args] = command.words;
  const write = (sink: Sink, text: string): void => {
    if (sink === "stdout") run.stdout += text;
    else if (sink === "stderr") run.stderr += text;
  };
  switch (basename(name)) {
    case "echo": {
      const noNewline = args[0] === "-n";
      write(command.stdout, `${(noNewline ? args.slice(1) : args).join(" ")}${noNewline ? "" : "\n"}`);
      run.status = 0;
      return;
    }
    case "false":
      run.status = 1;
      return;
    case "exit": {
      const code = args[0] === undefined ? run.status : Number.parseInt(args[0], 10);
      run.status = Number.isNaN(code) ? 2 : code & 0xff;
      run.exited = true;
      return;
    }
    case "sleep": {
      const seconds = Number.parseFloat(args[0] ?? "");
      if (Number.isNaN(seconds) || seconds < 0) {
        write(command.stderr, `sleep: invalid number '${args[0] ?? ""}'\n`);
        run.status = 1;
        return;
      }
      run.delayMs += seconds * 1000;
      run.status = 0;
      return;
    }
    default:
      // true, ":", and every command the emulation does not know: success without output.
      run.status = 0;
  }
}

type Token = { kind: "word"; value: string; quoted: boolean } | { kind: "op"; value: Operator };

/** Shell words and operators: quotes, backslash escapes, `;` `&&` `||` `|` and newlines. */
function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  let word = "";
  let inWord = false;
  let quoted = false;
  const endWord = (): void => {
    if (inWord) tokens.push({ kind: "word", value: word, quoted });
    word = "";
    inWord = false;
    quoted = false;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i] as string;
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      const stop = end < 0 ? script.length : end;
      word += script.slice(i + 1, stop);
      inWord = true;
      quoted = true;
      i = stop;
    } else if (c === '"') {
      inWord = true;
      quoted = true;
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === "\\" && /["\\$`]/.test(script[i + 1] ?? "")) i++;
        word += script[i];
      }
    } else if (c === "\\") {
      word += script[++i] ?? "";
      inWord = true;
    } else if (c === " " || c === "\t") {
      endWord();
    } else if (c === ";" || c === "\n") {
      endWord();
      tokens.push({ kind: "op", value: ";" });
    } else if (c === "&" && script[i + 1] === "&") {
      endWord();
      tokens.push({ kind: "op", value: "&&" });
      i++;
    } else if (c === "|") {
      endWord();
      const double = script[i + 1] === "|";
      tokens.push({ kind: "op", value: double ? "||" : "|" });
      if (double) i++;
    } else if (c === "#" && !inWord) {
      while (i + 1 < script.length && script[i + 1] !== "\n") i++;
    } else {
      word += c;
      inWord = true;
    }
  }
  endWord();
  return tokens;
}

function basename(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? path : path.slice(slash + 1);
}
