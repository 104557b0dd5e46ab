// `node scripts/electronegativity.mjs`: runs electronegativity (offline checks; the Electron-version
// check needs the network and is excluded) over src/ and fails on any HIGH finding, or any MEDIUM one
// not in scripts/electronegativity-allow.json with its reason. LOW findings are printed. Run by
// scripts/test.sh after lint.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const bin = join(dirname(require.resolve('@doyensec/electronegativity/package.json')), 'dist', 'index.js');
const electronVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.electron.replace(/^[^\d]*/, '');
const allowed = JSON.parse(readFileSync(join(root, 'scripts', 'electronegativity-allow.json'), 'utf8'));

/** RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field.trim());
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else if (c !== '\r') field += c;
  }
  if (field || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

const dir = mkdtempSync(join(tmpdir(), 'roster-electronegativity-'));
try {
  const csv = join(dir, 'findings.csv');
  const run = spawnSync(
    process.execPath,
    ['-r', join(root, 'scripts', 'electronegativity-typescript.cjs'), bin, '-i', 'src', '-x', 'AvailableSecurityFixesGlobalCheck', '-e', electronVersion, '-r', '-o', csv],
    { cwd: root, encoding: 'utf8' },
  );
  if (run.status !== 0) {
    console.error(run.stdout, run.stderr);
    console.error(`electronegativity failed (exit ${run.status})`);
    process.exit(1);
  }
  const [header, ...rows] = parseCsv(readFileSync(csv, 'utf8')).filter((r) => r.length > 1);
  const at = (name) => header.indexOf(name);
  const findings = rows.map((r) => ({ check: r[at('issue')], severity: r[at('severity')], file: r[at('filename')], location: r[at('location')], description: r[at('description')] }));
  const failures = [];
  for (const f of findings) {
    const allow = allowed.find((a) => a.check === f.check && a.file === f.file);
    const line = `${f.severity} ${f.check} ${f.file}:${f.location} ${f.description}`;
    if (f.severity === 'HIGH') failures.push(`${line} (HIGH is never allowed)`);
    else if (f.severity === 'MEDIUM' && !allow) failures.push(`${line} (not in scripts/electronegativity-allow.json)`);
    else console.log(`${line}${allow ? ` — allowed: ${allow.reason}` : ''}`);
  }
  for (const a of allowed) {
    if (!a.reason || a.reason.length < 20) failures.push(`allow-list entry ${a.check} ${a.file} has no reason`);
    if (!findings.some((f) => f.check === a.check && f.file === a.file)) console.log(`note: allow-list entry ${a.check} ${a.file} matched nothing (remove it?)`);
  }
  if (failures.length) {
    console.error(`electronegativity: ${failures.length} finding(s) to fix or justify:`);
    for (const f of failures) console.error(`  ${f}`);
    process.exit(1);
  }
  console.log(`electronegativity: ${findings.length} findings, no HIGH, every MEDIUM justified.`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
