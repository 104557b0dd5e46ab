// Starts the desktop app when the Electron binary is available, web mode otherwise (and says so).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// A leading '--' (as in `npm start -- --port 8450`) is only a separator.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));

function electronBinary() {
  // Electron 45 fetches its binary at first launch; where it cannot be downloaded, require throws.
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], { encoding: 'utf8', timeout: 10 * 60 * 1000 });
  if (probe.status === 0 && probe.stdout) return probe.stdout;
  const reason = (probe.stderr || '').split('\n').find((l) => l.includes('Electron')) || 'the Electron binary is not installed';
  console.log(`Electron is not available here (${reason.trim()}).`);
  return null;
}

const binary = electronBinary();
if (binary) {
  const child = spawn(binary, ['.', ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log('Starting Roster in web mode instead: open the address below in your browser.');
  const child = spawn(process.execPath, [require.resolve('../out/main/serve.js'), ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
}
