import { describe, expect, it } from 'vitest';
import { formatReport, runSoak } from '../../soak/soak';
import { TEST_STORE } from '../helpers';

/**
 * A short run of `npm run soak` (test/soak/soak.ts) so CI keeps it working: a real web-mode process
 * (build first: npx electron-vite build) SIGKILLed 3 times, once at any moment, once mid-batch, once
 * mid-drain, with a real SMTP server. The full run (50 kills) is `npm run soak`; its figures are in
 * test/HARDENING.md. A mail claimed at a kill waits for its 5-minute lease, longer than this run
 * drains: such mails count as still owed, not lost; everything else must hold here too.
 */
// One data folder, SQLite: the PostgreSQL run has nothing to add (team mode's processes: test/unit/team).
describe.skipIf(TEST_STORE === 'postgres')('soak: SIGKILL a real web-mode process mid-work (short run)', () => {
  it('3 kills: acknowledged work present, batches all or nothing, no mail lost, duplicated or to a dead link, store intact', { timeout: 600_000 }, async () => {
    const report = await runSoak({ kills: 3, maxSeconds: 300, drainSeconds: 20, sizes: [1, 5, 40, 150] });
    const summary = formatReport(report);
    expect(report.kills, summary).toBe(3);
    expect(report.batches.acknowledged, summary).toBeGreaterThan(0);
    expect(report.batches.acknowledgedWhole, summary).toBe(report.batches.acknowledged);
    expect(report.batches.unacknowledgedAllOrNothing, summary).toBe(report.batches.unacknowledged);
    expect(report.cancels.lost + report.edits.lost, summary).toBe(0);
    expect(report.mails.sentNotDelivered, summary).toBe(0);
    expect(report.mails.pendingWithoutInvitation, summary).toBe(0);
    expect(report.mails.duplicatedByRecipientAndKind, summary).toBe(0);
    expect(report.mails.deadLinks, summary).toBe(0);
    expect(report.mails.failed, summary).toBe(0);
    expect(report.integrity.checks, summary).toBe(4);
    expect(report.integrity.failures, summary).toEqual([]);
  });
});
