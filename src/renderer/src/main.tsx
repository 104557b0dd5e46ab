import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './index.css';
import { Drawer, MantineProvider, Modal, Notification, PasswordInput, createTheme } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { createConsoleRouter } from './routes';
import { TRPCProvider, queryClient, trpcClient } from './trpc';

const router = createConsoleRouter();

// No 'unsafe-inline' for styles: every <style> tag carries this page load's nonce (src/main/http/csp.ts).
// The browser hides the attribute after parsing; the `nonce` property still holds it.
const styleNonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';
// The modal scroll lock (react-style-singleton, via Mantine) reads this global for its <style> tag.
(globalThis as { __webpack_nonce__?: string }).__webpack_nonce__ = styleNonce;
const getStyleNonce = () => styleNonce;

const theme = createTheme({
  // Close buttons carry a name, so screen readers say what they do.
  components: {
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Drawer: Drawer.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close panel' } } }),
    // Every toast (notifications.show renders a Notification) too: its × was announced as "button: img".
    Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } } }),
    // Showing what one typed (an SMTP password, a SCIM token) must not need a mouse: Mantine leaves the eye out of Tab.
    PasswordInput: PasswordInput.extend({ defaultProps: { visibilityToggleFocusable: true } }),
  },
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" getStyleNonce={getStyleNonce}>
      {/* Bottom-left, as wide as the section menu (240px less the 16px margins): under its few links, over no
          button, row action or panel close button. At the top right they covered the account and theme buttons. */}
      <Notifications position="bottom-left" containerWidth={208} />
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <RouterProvider router={router} />
        </TRPCProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
