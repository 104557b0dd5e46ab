import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** E.164 for a parseable number (international form, or national with the default country); null otherwise. */
export function normalizePhone(raw: string, defaultCountry?: string): { e164: string; digits: string } | null {
  const text = raw.trim();
  if (!text) return null;
  const parsed = parsePhoneNumberFromString(text, (defaultCountry as never) ?? undefined);
  if (!parsed || !parsed.isPossible()) return null;
  return { e164: parsed.number, digits: parsed.number.replace(/\D/g, '') };
}
