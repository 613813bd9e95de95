/**
 * The Node side of the differential suite: builds the C# oracle (test/dotnet/oracle) with the
 * local .NET SDK, starts it once per suite and exchanges JSON lines with it.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ORACLE_DIR = fileURLToPath(new URL('./oracle', import.meta.url));
export const ORACLE_DLL = join(ORACLE_DIR, 'bin', 'Release', 'net10.0', 'Oracle.dll');
const STAMP = join(ORACLE_DIR, 'bin', 'sources.sha256');

/** The variable `.ci/run` sets: a missing `dotnet` or a failed build is then a failure, not a skip. */
export const REQUIRE_DOTNET_VARIABLE = 'LAYERED_CONFIG_REQUIRE_DOTNET';

export type OracleStatus = { available: true; dll: string } | { available: false; reason: string };

export function dotnetOnPath(): boolean {
  const probe = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
  return probe.status === 0;
}

function sourcesHash(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(ORACLE_DIR).sort()) {
    if (!/\.(cs|csproj)$/.test(name)) continue;
    hash.update(name).update('\0').update(readFileSync(join(ORACLE_DIR, name))).update('\0');
  }
  return hash.digest('hex');
}

/**
 * Builds the oracle unless its sources are unchanged since the last successful build (a no-op
 * `dotnet build` still costs seconds of MSBuild on two cores). Never throws: says why it cannot run.
 */
export function buildOracle(): OracleStatus {
  if (!dotnetOnPath()) return { available: false, reason: "'dotnet' is not on the PATH" };
  const hash = sourcesHash();
  if (existsSync(ORACLE_DLL) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) return { available: true, dll: ORACLE_DLL };
  const build = spawnSync('dotnet', ['build', '-c', 'Release', '--nologo', '-v', 'quiet', '-clp:ErrorsOnly'], {
    cwd: ORACLE_DIR,
    encoding: 'utf8',
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
    timeout: 600_000,
  });
  if (build.status !== 0) {
    const output = `${build.stdout ?? ''}${build.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    return { available: false, reason: `'dotnet build' of the oracle failed (exit ${build.status}):\n${output}` };
  }
  writeFileSync(STAMP, hash);
  return { available: true, dll: ORACLE_DLL };
}

export interface OracleAnswer {
  id?: number;
  oracleError?: string;
  error?: { type: string; message: string; inner?: string | null };
  [key: string]: unknown;
}

/** One running oracle process; `ask` pipelines cases and resolves each with its own answer. */
export class Oracle {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, (a: OracleAnswer) => void>();
  #nextId = 1;
  #exited: string | undefined;
  #stderr = '';

  private constructor(dll: string) {
    this.#child = spawn('dotnet', [dll], {
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_TieredPGO: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stderr.setEncoding('utf8').on('data', (d: string) => (this.#stderr = (this.#stderr + d).slice(-4000)));
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as OracleAnswer;
      const resolve = this.#pending.get(answer.id ?? -1);
      if (resolve) {
        this.#pending.delete(answer.id!);
        resolve(answer);
      }
    });
    this.#child.on('exit', (code) => {
      this.#exited = `the oracle exited (code ${code}): ${this.#stderr}`;
      for (const resolve of this.#pending.values()) resolve({ oracleError: this.#exited });
      this.#pending.clear();
    });
  }

  static async start(dll: string): Promise<Oracle> {
    const oracle = new Oracle(dll);
    const pong = await oracle.ask({ area: 'ping' });
    if (pong.oracleError) throw new Error(pong.oracleError);
    return oracle;
  }

  /** Sends one case (`secrets` lists values the oracle must redact from its answer). */
  ask(testCase: Record<string, unknown>): Promise<OracleAnswer> {
    if (this.#exited) return Promise.resolve({ oracleError: this.#exited });
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.stdin.write(`${JSON.stringify({ ...testCase, id })}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin.end();
    await exited;
  }
}
