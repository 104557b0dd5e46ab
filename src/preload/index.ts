import { contextBridge, ipcRenderer } from 'electron';

// The only thing the renderer can reach: one function that forwards a tRPC call to the main process.
contextBridge.exposeInMainWorld('roster', {
  mode: 'electron',
  invoke: (request: { path: string; type: string; input: unknown; idleMs?: number }) =>
    ipcRenderer.invoke('roster:trpc', { path: String(request.path), type: String(request.type), input: request.input, idleMs: Number(request.idleMs ?? 0) }),
  /** Change notices from the main process (an invitee acted); carries no data, only a name. */
  onEvent: (listener: (name: string) => void) => {
    const handler = (_e: unknown, name: unknown) => listener(String(name));
    ipcRenderer.on('roster:event', handler);
    return () => ipcRenderer.removeListener('roster:event', handler);
  },
});
