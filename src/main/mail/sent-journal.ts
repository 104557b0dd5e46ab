/*
 * The sent journal: one line per mail the SMTP server accepted, appended the moment its 250 arrives,
 * before the outcome's commit. The commit can wait (an invite batch holds SQLite's write lock, a
 * PostgreSQL round trip); a process killed meanwhile leaves the line behind, and the next sender on
 * this data folder records those mails as sent before it claims anything, instead of sending them
 * again when their lease runs out. What a kill still repeats is the mail whose 250 the process never
 * read. A line survives the process (the operating system holds the write), not a power cut (no
 * fsync per mail): then the lease sends again, with the same Message-ID (README "Mail").
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Db } from '../db/database';
import { recordOutcomes } from '../db/repos/outbox.repo';
import { sentAt, type SenderEvent } from './outcomes';

/** The journal's file name in the data folder. */
export const SENT_JOURNAL = 'outbox-sent.journal';

export interface JournalEntry {
  id: number;
  messageId: string;
  sentAt: string;
}

/** A Message-ID as compose.ts writes it: one token, no spaces or line breaks. */
const TOKEN = /^\S+$/;

export class SentJournal {
  private fd: number | null = null;
  /** Lines appended whose outcome is not committed yet: at 0 the file is emptied. */
  private open = 0;

  constructor(readonly path: string) {}

  /** The entries a dead process left (whole lines only: a line cut by the kill is ignored). */
  leftBehind(): JournalEntry[] {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, 'utf8');
    const entries: JournalEntry[] = [];
    for (const line of text.split('\n').slice(0, -1)) {
      const [id, messageId, sentAt, ...rest] = line.split(' ');
      if (rest.length || !id || !/^\d+$/.test(id) || !messageId || !TOKEN.test(messageId) || !sentAt || Number.isNaN(Date.parse(sentAt))) continue;
      entries.push({ id: Number(id), messageId, sentAt });
    }
    return entries;
  }

  /**
   * The server accepted this mail: written now, before anything else happens in this process. False
   * when the line could not be written (a full disk): the mail is then as safe as its commit.
   */
  accepted(entry: JournalEntry): boolean {
    try {
      this.fd ??= openSync(this.path, 'a', 0o600);
      writeSync(this.fd, `${entry.id} ${entry.messageId} ${entry.sentAt}\n`);
    } catch {
      return false;
    }
    this.open++;
    return true;
  }

  /** An accepted mail's outcome is committed (or will never be, in this process). */
  settled(): void {
    if (this.open > 0) this.open--;
    if (this.open === 0) this.empty();
  }

  /**
   * Every entry is in the store (or was recovered into it): nothing left to recover. A file that
   * cannot be emptied is read again at the next start, harmlessly (a recovered mail is no longer
   * 'sending').
   */
  empty(): void {
    try {
      if (this.fd === null) {
        if (!existsSync(this.path)) return;
        this.fd = openSync(this.path, 'a', 0o600);
      }
      ftruncateSync(this.fd, 0);
    } catch {
      /* read again at the next start */
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.open = 0;
  }
}

/**
 * Records as sent the mails a dead process left in the journal, then empties it. Each only while it is
 * still 'sending' with that Message-ID (another process may have sent and recorded it meanwhile).
 */
export async function recordLeftBehind(db: Db, journal: SentJournal, onEvent?: (e: SenderEvent) => void): Promise<void> {
  const entries = journal.leftBehind();
  if (entries.length) {
    await recordOutcomes(db, entries.map((e) => ({ id: e.id, messageId: e.messageId, set: sentAt(e.sentAt) })));
    for (const e of entries) onEvent?.({ type: 'sent', id: e.id, messageId: e.messageId });
  }
  journal.empty();
}
