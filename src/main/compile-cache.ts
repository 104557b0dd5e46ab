import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join, sep } from 'node:path';
import vm from 'node:vm';

/**
 * V8's code cache for web mode's own bundle (out/main/chunks), what Node 22's
 * module.enableCompileCache() does and the Node 20 web mode runs on lacks: compiling the ~1 MB of
 * chunks was the largest cost of a start (~200 ms of a busy machine's ~600). The first start after a
 * build compiles as before and, once it listens, writes each chunk's cache (with the functions the
 * start compiled) to the data folder's cache/code; later starts load it. A cache is keyed by the
 * chunk's content and Node's version, so a rebuilt or upgraded Roster never runs a stale one (V8
 * also rejects a cache of another V8); any failure to read or write it only costs the compile.
 * Only the bundle's own files go through it; node_modules load as usual.
 */
export interface CompileCache {
  /** Writes the caches of the chunks loaded without one (a no-op once they exist). */
  flush(): void;
}

interface Pending {
  script: vm.Script;
  file: string;
  chunk: string;
}

type Compile = (this: Module, content: string, filename: string) => unknown;

export function enableCompileCache(codeDir: string, cacheDir: string): CompileCache {
  const pending: Pending[] = [];
  const proto = Module.prototype as unknown as { _compile: Compile };
  const original = proto._compile;
  const chunks = join(codeDir, 'chunks') + sep;
  proto._compile = function (this: Module, content: string, filename: string) {
    if (!filename.startsWith(chunks)) return original.call(this, content, filename);
    const chunk = basename(filename);
    const key = createHash('sha256').update(process.version).update('\0').update(content).digest('hex').slice(0, 32);
    const file = join(cacheDir, `${chunk}.${key}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    // The same wrapper Node uses, on the same first line: stack traces keep their line numbers.
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${content}\n})`, {
      filename,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (!cachedData || script.cachedDataRejected) pending.push({ script, file, chunk });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename));
  };
  return {
    flush: () => {
      if (pending.length === 0) return;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        const written = new Map<string, string>();
        for (const { script, file, chunk } of pending.splice(0)) {
          // Written aside and renamed: a process reading it meanwhile sees the whole cache or none.
          const tmp = `${file}.${process.pid}.tmp`;
          writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
          renameSync(tmp, file);
          written.set(chunk, basename(file));
        }
        // Caches of chunks no longer built, and of a rewritten chunk's earlier content, go.
        for (const name of readdirSync(cacheDir)) {
          const chunk = /^(.+)\.[0-9a-f]{32}\.v8$/.exec(name)?.[1];
          if (!chunk) continue;
          if (!existsSync(join(chunks, chunk)) || (written.has(chunk) && written.get(chunk) !== name)) rmSync(join(cacheDir, name), { force: true });
        }
      } catch {
        // A read-only or full disk: the next start compiles again.
      }
    },
  };
}
