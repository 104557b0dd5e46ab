/**
 * Invisible characters in addresses and display names. Pure: used by the router's door (every name it takes),
 * the address rules (server and invite dialog) and their tests.
 *
 * - An email address holds no invisible (format, Unicode category Cf) character at all: a zero-width space or a
 *   soft hyphen is dropped by the domain's IDNA mapping, so the mail would go to another address than the one shown.
 * - A name may hold a zero-width joiner (emoji sequences) or non-joiner (Persian, Indic scripts) beside visible
 *   text, but no bidirectional embedding, override or isolate control (they reorder what is shown: "evil\u202Egnp.exe"
 *   reads "evilexe.png"), and not only invisible characters (it would look blank).
 */

/** Format characters: zero-width space and joiners, soft hyphen, BOM, bidi marks and controls, tags… */
const INVISIBLE = /\p{Cf}/u;
/** Bidirectional embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069). */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
/** What leaves nothing on screen: format and default-ignorable characters (Hangul fillers, variation selectors…) and white space. */
const NOTHING_VISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\s]/gu;

/** "U+200B": how a character that cannot be seen is named in a message. */
export function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first invisible (Cf) character of a text, or null. */
export function firstInvisible(text: string): string | null {
  return INVISIBLE.exec(text)?.[0] ?? null;
}

/** The text with its invisible characters taken out, to name it in a message the admin can read. */
export function withoutInvisible(text: string): string {
  return text.replace(/\p{Cf}/gu, '');
}

/** Why an email address holding an invisible character cannot be used, naming it; null when it holds none. */
export function invisibleAddressProblem(email: string): string | null {
  const ch = firstInvisible(email);
  if (!ch) return null;
  return `The address ${withoutInvisible(email.trim())} contains an invisible character (${codePoint(ch)}): remove it and type the address again`;
}

/**
 * Display names wherever an input or file holds one: a key "name" (members, invite entries, roles, modules,
 * sub-accounts, the organization) or "…Name" (organizationName, fromName) may not hide a direction control nor be
 * only invisible characters; a "description" may not hide a direction control. Used by the router's door and
 * the organization file's check, so both refuse the same names.
 */
const NAME_KEY = /^(?:name|[a-z][A-Za-z]*Name)$/;

export function displayProblemForKey(value: string, key: PropertyKey | undefined): string | null {
  if (typeof key !== 'string') return null;
  if (NAME_KEY.test(key)) return displayTextProblem(value, 'name');
  if (key === 'description') return displayTextProblem(value, 'description', { blankAllowed: true });
  return null;
}

export const BLANK_NAME_TEXT = 'The name is empty: type a name.';

/**
 * Why a display name cannot be stored, or null. A name that is empty or only spaces is left to the field's own
 * rule (required, or cleared); one with invisible characters and nothing visible is refused. `what` names the
 * field in the sentence ("name", "description"); `blankAllowed` skips the emptiness rule (free text).
 */
export function displayTextProblem(text: string, what = 'name', options: { blankAllowed?: boolean } = {}): string | null {
  const bidi = BIDI_CONTROL.exec(text)?.[0];
  if (bidi) return `The ${what} contains a hidden text-direction control (${codePoint(bidi)}) that can disguise how it reads: remove it and type the ${what} again.`;
  if (!options.blankAllowed && text.trim() !== '' && text.replace(NOTHING_VISIBLE, '') === '') return what === 'name' ? BLANK_NAME_TEXT : `The ${what} is empty: type a ${what}.`;
  return null;
}
