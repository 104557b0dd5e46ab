/*
 * The sent journal: one line per mail the SMTP server accepted, appended the moment its 250 arrives,
 * before the outcome's commit. The commit can wait (an invite batch holds SQLite's write lock, a
 * PostgreSQL round trip); a process killed meanwhile leaves the line behind, and the next sender on
 * this data folder records those mails as sent before it claims anything, instead of sending them
 * again when their lease runs out. What a kill still repeats is the mail whose 250 the process never
 * read. A line survives the process (the operating system holds the write), not a power cut (no
 * fsync per mail): then the lease sends again, with the same Message-ID (README "Mail").
 *
 * Every line is a mail the server accepted, so recording all of them as sent is right at any moment
 * (a row already recorded, or no longer 'sending' with that Message-ID, is left alone): the file is
 * read again after a failed commit, emptied once every line in it is in the store, and rewritten with
 * only the lines still waiting when it grows long (a long drain on PostgreSQL, whose commits overlap).
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import type { Db } from '../db/database';
import { recordOutcomes } from '../db/repos/outbox.repo';
import { sentAt, type SenderEvent } from './outcomes';

/** The journal's file name in the data folder. */
export const SENT_JOURNAL = 'outbox-sent.journal';

/** Lines written since the file was last emptied or rewritten, past which it is rewritten with the waiting ones only. */
export const JOURNAL_REWRITE_LINES = 4096;

export interface JournalEntry {
  id: number;
  messageId: string;
  sentAt: string;
}

/** A Message-ID as compose.ts writes it: one token, no spaces or line breaks. */
const TOKEN = /^\S+$/;
/** Outbox ids are PostgreSQL integers: a larger number is two lines run together, not an id. */
const MAX_ID = 2 ** 31 - 1;

const lineOf = (e: JournalEntry) => `${e.id} ${e.messageId} ${e.sentAt}\n`;
const keyOf = (e: { id: number; messageId: string }) => `${e.id} ${e.messageId}`;

export class SentJournal {
  private fd: number | null = null;
  /** Where the next line goes: tracked here, not by an append-mode file (Windows cannot truncate one). */
  private end = 0;
  /** Lines written whose outcome is not committed yet, by mail: when none is left, the file is emptied. */
  private readonly waiting = new Map<string, string>();
  private linesSinceRewrite = 0;
  /**
   * The next claim records the file first: at start (what a dead process left), and after a commit of
   * journaled outcomes failed.
   */
  needsReplay = true;

  constructor(readonly path: string) {}

  /** The entries in the file (whole lines only: a line cut by a kill or a full disk is ignored). */
  leftBehind(): JournalEntry[] {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, 'utf8');
    const entries: JournalEntry[] = [];
    for (const line of text.split('\n').slice(0, -1)) {
      const [id, messageId, sentAt, ...rest] = line.split(' ');
      if (rest.length || !id || !/^\d{1,10}$/.test(id) || Number(id) > MAX_ID || !messageId || !TOKEN.test(messageId) || !sentAt || Number.isNaN(Date.parse(sentAt))) continue;
      entries.push({ id: Number(id), messageId, sentAt });
    }
    return entries;
  }

  /**
   * The server accepted this mail: written now, before anything else happens in this process. False
   * when the whole line could not be written (a full disk): the mail is then as safe as its commit.
   */
  accepted(entry: JournalEntry): boolean {
    const line = lineOf(entry);
    try {
      const fd = this.file();
      const bytes = Buffer.from(line);
      const written = writeSync(fd, bytes, 0, bytes.length, this.end);
      if (written !== bytes.length) {
        // A short write: cut it off, so that the next line does not run on from it.
        ftruncateSync(fd, this.end);
        return false;
      }
      this.end += written;
    } catch {
      return false;
    }
    this.waiting.set(keyOf(entry), line);
    this.linesSinceRewrite++;
    return true;
  }

  /** A journaled mail's outcome is committed: its line is no longer needed. */
  committed(entry: { id: number; messageId: string }): void {
    this.waiting.delete(keyOf(entry));
    if (this.waiting.size === 0) this.empty();
    else if (this.linesSinceRewrite >= JOURNAL_REWRITE_LINES) this.rewrite();
  }

  /** A journaled mail's commit failed: its line stays, and the file is recorded again at the next claim. */
  commitFailed(): void {
    this.needsReplay = true;
  }

  /**
   * These lines, read from the file, are in the store now: the file keeps only the lines still waiting
   * (those written while they were being recorded), or is emptied.
   */
  recorded(entries: JournalEntry[]): void {
    for (const e of entries) this.waiting.delete(keyOf(e));
    this.needsReplay = false;
    if (this.waiting.size === 0) this.empty();
    else this.rewrite();
  }

  /** Every line is in the store. A file that cannot be emptied is read again at the next start, harmlessly. */
  private empty(): void {
    this.linesSinceRewrite = 0;
    try {
      if (this.fd === null && !existsSync(this.path)) return;
      ftruncateSync(this.file(), 0);
      this.end = 0;
    } catch {
      /* read again at the next start */
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** The file, open for writing at `end` (created if missing, mode 0600). */
  private file(): number {
    if (this.fd === null) {
      if (!existsSync(this.path)) writeFileSync(this.path, '', { mode: 0o600 });
      const fd = openSync(this.path, 'r+');
      this.fd = fd;
      this.end = fstatSync(fd).size;
      // A line a kill cut short stays alone on its line: the next one must not run on from it.
      const last = Buffer.alloc(1);
      if (this.end > 0 && readSync(fd, last, 0, 1, this.end - 1) === 1 && last[0] !== 0x0a) this.end += writeSync(fd, '\n', this.end);
    }
    return this.fd;
  }

  /** Only the lines still waiting, written aside and renamed over the file (a kill leaves one or the other whole). */
  private rewrite(): void {
    try {
      const aside = `${this.path}.rewrite`;
      writeFileSync(aside, [...this.waiting.values()].join(''), { mode: 0o600 });
      this.close();
      renameSync(aside, this.path);
      this.linesSinceRewrite = 0;
    } catch {
      /* the long file stays: every line in it is still right */
    }
  }
}

/**
 * Records as sent the mails whose lines are in the journal (left by a dead process, or after a failed
 * commit), then takes them out of it. Each only while it is still 'sending' with that Message-ID (another
 * process may have sent and recorded it meanwhile).
 */
export async function recordLeftBehind(db: Db, journal: SentJournal, onEvent?: (e: SenderEvent) => void): Promise<void> {
  const entries = journal.leftBehind();
  if (entries.length) {
    await recordOutcomes(db, entries.map((e) => ({ id: e.id, messageId: e.messageId, set: sentAt(e.sentAt) })));
    for (const e of entries) onEvent?.({ type: 'sent', id: e.id, messageId: e.messageId });
  }
  journal.recorded(entries);
}
