import { callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown } from '@trpc/server';
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { createContextInner, memoryCarrier, type SessionCarrier } from '../api/context';
import { appRouter } from '../api/router';
import type { Services } from '../services';

/**
 * The tRPC bridge. Only the app's own top frame may call it; each window keeps its session
 * token here in the main process, so the renderer never holds it. Uses only @trpc/server's
 * public entry (callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown).
 */
export function registerTrpcBridge(services: Services, isAppUrl: (url: string) => boolean): void {
  const carriers = new WeakMap<WebContents, SessionCarrier>();
  const refresh = () => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send('roster:event', 'members-changed');
  };
  services.events.on('members-changed', refresh);
  // Rows changed without a command (expiry, mail and sync outcomes, here or on another process).
  services.events.on('background-changed', refresh);
  ipcMain.handle('roster:trpc', async (event: IpcMainInvokeEvent, request: { path: string; type: 'query' | 'mutation'; input: unknown }) => {
    const frame = event.senderFrame;
    if (!frame || frame !== event.sender.mainFrame || !isAppUrl(frame.url)) {
      return { ok: false, error: { message: 'Refused: this frame is not Roster.', code: -32600, data: { code: 'FORBIDDEN', httpStatus: 403 } } };
    }
    let carrier = carriers.get(event.sender);
    if (!carrier) {
      carrier = memoryCarrier();
      carriers.set(event.sender, carrier);
    }
    const idle = Number((request as { idleMs?: unknown }).idleMs);
    const ctx = createContextInner({ services, sessionCarrier: carrier, userIdleMs: Number.isFinite(idle) && idle >= 0 ? idle : null, client: 'desktop', request: {} });
    const type = request.type === 'mutation' ? 'mutation' : 'query';
    try {
      const data = await callTRPCProcedure({ router: appRouter, path: String(request.path), getRawInput: async () => request.input, ctx, type, signal: undefined, batchIndex: 0 });
      return { ok: true, data };
    } catch (cause) {
      // Returns a TRPCError as it is and wraps anything else, as the HTTP adapter does.
      const error = getTRPCErrorFromUnknown(cause);
      return { ok: false, error: getErrorShape({ config: appRouter._def._config, error, type, path: request.path, input: request.input, ctx }) };
    }
  });
}
