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
  let child = null;
  // Web mode restarts itself after a change of store (Settings or the first screen): it tells us its port
  // over the IPC channel and exits; it comes back on the same port, so the open page finds it again.
  const startWebMode = (webArgs) => {
    child = spawn(process.execPath, [require.resolve('../out/main/serve.js'), ...webArgs], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
    let restartOn = null;
    child.on('message', (m) => {
      if (m && m.type === 'restart' && Number.isInteger(m.port)) restartOn = m.port;
    });
    child.on('exit', (code) => {
      if (restartOn === null) return process.exit(code ?? 0);
      console.log('Restarting Roster on the directory just chosen…');
      startWebMode([...withoutPort(webArgs), '--port', String(restartOn)]);
    });
  };
  startWebMode(args);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
}

/** The arguments without any --port (the restart names the port the server had). */
function withoutPort(list) {
  const out = [];
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '--port') i++;
    else if (!list[i].startsWith('--port=')) out.push(list[i]);
  }
  return out;
}
