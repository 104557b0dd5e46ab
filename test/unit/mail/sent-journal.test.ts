import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOURNAL_REWRITE_LINES, SENT_JOURNAL, SentJournal, type JournalEntry } from '../../../src/main/mail/sent-journal';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function journal(): SentJournal {
  const dir = mkdtempSync(join(tmpdir(), 'roster-journal-'));
  dirs.push(dir);
  return new SentJournal(join(dir, SENT_JOURNAL));
}

const mail = (id: number): JournalEntry => ({ id, messageId: `<m${id}@roster.test>`, sentAt: '2026-12-07T12:00:00.000Z' });
const lines = (j: SentJournal) => readFileSync(j.path, 'utf8').split('\n').filter(Boolean).map((l) => Number(l.split(' ')[0]));

/** The sent journal's file (mail/sent-journal.ts); the sender's use of it: outbox-crash.test.ts. */
describe('the sent journal', () => {
  it('keeps each accepted mail until its outcome is committed, then is emptied (the file, not only a count)', () => {
    const j = journal();
    for (const id of [1, 2, 3]) expect(j.accepted(mail(id))).toBe(true);
    expect(j.leftBehind()).toEqual([mail(1), mail(2), mail(3)]);
    j.committed(mail(2));
    j.committed(mail(1));
    expect(lines(j)).toEqual([1, 2, 3]);
    j.committed(mail(3));
    expect(statSync(j.path).size).toBe(0);
    // Written again from the start of the emptied file.
    j.accepted(mail(4));
    expect(j.leftBehind()).toEqual([mail(4)]);
  });

  it('after a failed commit keeps the line and asks for the file to be recorded again', () => {
    const j = journal();
    j.accepted(mail(1));
    j.accepted(mail(2));
    j.commitFailed();
    j.committed(mail(2));
    expect(j.needsReplay).toBe(true);
    expect(lines(j)).toEqual([1, 2]);
    // Recorded from the file while mail 3 was accepted: only mail 3's line stays.
    const read = j.leftBehind();
    j.accepted(mail(3));
    j.recorded(read);
    expect(j.needsReplay).toBe(false);
    expect(lines(j)).toEqual([3]);
    j.committed(mail(3));
    expect(statSync(j.path).size).toBe(0);
  });

  it('reads only whole, well-formed lines: a line cut by a kill, two lines run together past the id range, or garbage are left out', () => {
    const j = journal();
    j.accepted(mail(7));
    j.close();
    appendFileSync(j.path, 'not a line\n12 <x@y> not-a-date\n123456789012 <m9@roster.test> 2026-12-07T12:00:00.000Z\n8 <m8@roster.test> 2026-12-07T1');
    expect(j.leftBehind()).toEqual([mail(7)]);
    // A new journal on the file (a restart) writes after what is there, not over it.
    const again = new SentJournal(j.path);
    again.accepted(mail(10));
    expect(again.leftBehind().map((e) => e.id)).toEqual([7, 10]);
  });

  it('rewrites a long file with only the lines still waiting (a long drain whose commits overlap)', () => {
    const j = journal();
    j.accepted(mail(1));
    // The rewrite comes with the commit of the JOURNAL_REWRITE_LINES-th line written.
    for (let id = 2; id <= JOURNAL_REWRITE_LINES; id++) {
      j.accepted(mail(id));
      j.committed(mail(id));
    }
    // Mail 1 was never committed, so the file was never empty; the rewrite kept it alone.
    expect(lines(j)).toEqual([1]);
    j.accepted(mail(99_999));
    expect(lines(j)).toEqual([1, 99_999]);
  });
});
