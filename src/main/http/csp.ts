import { randomBytes } from 'node:crypto';

/**
 * The console's Content-Security-Policy. Styles need no 'unsafe-inline': Mantine's <style> tags carry
 * a nonce (MantineProvider getStyleNonce), the scroll lock's (react-style-singleton) takes it from
 * `__webpack_nonce__`, and React sets style props through the CSSOM, which CSP does not govern.
 * The renderer reads the nonce from `<meta property="csp-nonce" nonce="…">` in index.html.
 *
 * Web mode: a fresh 128-bit nonce per page load, written into the HTML (meta CSP and that meta) and
 * the header. The desktop app: a fresh nonce per launch, written the same way by the app://roster/
 * protocol handler (electron/app-scheme.ts). Only the dev server's page keeps the placeholder below.
 */
export const NONCE_PLACEHOLDER = 'ROSTER_CSP_NONCE';

export function contentSecurityPolicy(nonce: string | null): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    nonce ? `style-src 'self' 'nonce-${nonce}'` : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** 16 random bytes, base64 (a CSP nonce must be base64 and unguessable). */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** index.html with every placeholder replaced by this load's nonce. */
export function htmlWithNonce(html: string, nonce: string): string {
  return html.split(NONCE_PLACEHOLDER).join(nonce);
}
