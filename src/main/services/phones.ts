import { createRequire } from 'node:module';
import type * as Phones from 'libphonenumber-js';

/** Required on the first phone number read (an import, an invitation with a phone), not at start: its metadata takes a moment to load. */
let lib: typeof Phones | null = null;
function phones(): typeof Phones {
  lib ??= createRequire(__filename)('libphonenumber-js') as typeof Phones;
  return lib;
}

/** E.164 for a parseable number (international form, or national with the default country); null otherwise. */
export function normalizePhone(raw: string, defaultCountry?: string): { e164: string; digits: string } | null {
  const text = raw.trim();
  if (!text) return null;
  const parsed = phones().parsePhoneNumberFromString(text, (defaultCountry as never) ?? undefined);
  if (!parsed || !parsed.isPossible()) return null;
  return { e164: parsed.number, digits: parsed.number.replace(/\D/g, '') };
}
