import { TRPCClientError } from '@trpc/client';
import { useEffect } from 'react';
import { errorMessage } from './trpc';

/** Where a refused call's message belongs: on a field of the form (`field`), or above it (`field` null). */
export interface Refusal {
  field: string | null;
  message: string;
}

/**
 * The form field a refused call concerns, and its message as that field shows it.
 *
 * The server names the input path (`allowDomains.0`) in the error's data and at the head of a zod
 * message, for API consumers who have no form; on a form the field itself says where, so the path
 * goes. A path is matched by its longest leading part that is one of `fields` (a list's entry lands
 * on the list's input); `aliases` maps a server name the form spells differently. A path no field
 * takes keeps its message whole: there the path is the only clue where the problem is.
 */
export function refusal(error: unknown, fields: readonly string[], aliases: Readonly<Record<string, string>> = {}): Refusal | null {
  if (!error) return null;
  const message = errorMessage(error);
  const path = error instanceof TRPCClientError && typeof error.data?.field === 'string' ? (error.data.field as string) : null;
  if (!path) return { field: null, message };
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const prefix = parts.slice(0, n).join('.');
    const field = aliases[prefix] ?? (fields.includes(prefix) ? prefix : null);
    if (field) return { field, message: withoutPath(message, path) };
  }
  return { field: null, message };
}

/** The message without the server's `path: ` head, starting with a capital as a sentence on its own. */
function withoutPath(message: string, path: string): string {
  const head = `${path}: `;
  if (!message.startsWith(head)) return message;
  const rest = message.slice(head.length);
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

/** What the hook needs of a Mantine form, whatever its values. */
interface FormLike {
  getValues(): object;
  setFieldError(path: string, error: string): void;
}

/**
 * Shows a mutation's refusal on the Mantine form field it concerns (the form clears it as soon as
 * that field is edited), and answers the message for the banner when no field takes it.
 */
export function useRefusalOnForm(form: FormLike, error: unknown, aliases?: Readonly<Record<string, string>>): string | null {
  const r = refusal(error, Object.keys(form.getValues()), aliases);
  const field = r?.field ?? null;
  const message = r?.message ?? null;
  useEffect(() => {
    if (field && message) form.setFieldError(field, message);
    // Once per refusal: a field edited since clears its own error, and a re-render must not bring it back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [error]);
  return r && !r.field ? r.message : null;
}
