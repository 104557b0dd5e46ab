import { useCallback, useEffect, useRef } from 'react';

/**
 * How long the watch lasts once the result is in: past a dialog's exit transition (200 ms, after which it
 * gives the focus back) and a deferred render (the bulk bar's) on a busy machine. A key or pointer press
 * ends it sooner: the user has moved on, and a click on the page's background is theirs to make.
 */
const AFTER_SETTLED_MS = 1500;

/**
 * Keeps the keyboard focus off the page's body while an action's result comes in. A dialog gives the
 * focus back to what opened it, but that may be gone by then: a confirmed Deactivate takes its button out
 * of the panel, a cancelled invitation leaves the Pending tab, the bulk bar goes with the selection. The
 * browser then puts the focus on the body and a keyboard user starts again from the top of the page.
 * Until `settled` (the action and the refetch of what it changed) and the dialog's exit are over, a
 * focus dropped to the body goes to `target()` instead. Event-driven: a blur, or the focused element
 * leaving the page (some Chromium versions fire no blur for that), sends it there.
 */
export function useFocusLanding() {
  const stop = useRef<(() => void) | null>(null);
  useEffect(() => () => stop.current?.(), []);
  return useCallback((target: () => HTMLElement | null | undefined, settled: Promise<unknown>) => {
    stop.current?.();
    const land = () => {
      const active = document.activeElement;
      if (active && active !== document.body) return;
      target()?.focus();
    };
    let frame = 0;
    const soon = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(land);
    };
    const observer = new MutationObserver(soon);
    observer.observe(document.body, { childList: true, subtree: true });
    document.addEventListener('focusout', soon);
    let timer = 0;
    let live = true;
    const end = () => {
      live = false;
      observer.disconnect();
      document.removeEventListener('focusout', soon);
      window.removeEventListener('keydown', end, true);
      window.removeEventListener('pointerdown', end, true);
      clearTimeout(timer);
      cancelAnimationFrame(frame);
    };
    window.addEventListener('keydown', end, true);
    window.addEventListener('pointerdown', end, true);
    stop.current = end;
    void settled
      .catch(() => undefined)
      .then(() => {
        if (!live) return;
        soon();
        timer = window.setTimeout(end, AFTER_SETTLED_MS);
      });
  }, []);
}

/**
 * Where the focus lands after an action on the Members screen: in the open member panel, its first
 * action (the one replacing the button that was used, "Reactivate" after "Deactivate"); else the member's
 * ⋯ button if the row is still listed; else the table's row (its one Tab stop); else, with no rows left,
 * the search box.
 */
export function membersFocusTarget(memberId: number | null, panelOpen: boolean): HTMLElement | null {
  if (panelOpen) {
    const panel = document.querySelector('[data-member-panel]');
    if (panel) return panel.querySelector<HTMLElement>('[data-member-actions] button') ?? panel.querySelector<HTMLElement>('button');
  }
  const table = document.querySelector('[role="table"][aria-label="Members"]');
  const own = memberId === null ? null : table?.querySelector<HTMLElement>(`[data-member-id="${memberId}"] button[aria-haspopup="menu"]`);
  const row = table?.querySelector<HTMLElement>('tbody [role="row"][tabindex="0"][data-member-id]');
  const search = [...document.querySelectorAll('label')].find((l) => l.textContent === 'Search')?.control;
  return own ?? row ?? (search instanceof HTMLElement ? search : null);
}
