import { formatReport, runSoak } from './soak';

/**
 * `npm run soak` (build first: npx electron-vite build). SOAK_KILLS (default 50) SIGKILLs, stopping
 * early after SOAK_MAX_SECONDS (default 1800) of work; then the outbox drains for up to
 * SOAK_DRAIN_SECONDS (default 360: a mail claimed at a kill is retried when its 5-minute lease runs
 * out). Exits 1 when a guarantee failed (see test/soak/soak.ts).
 */
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number, not "${process.env[name]}"`);
  return v;
};

runSoak({
  kills: num('SOAK_KILLS', 50),
  maxSeconds: num('SOAK_MAX_SECONDS', 1800),
  drainSeconds: num('SOAK_DRAIN_SECONDS', 360),
  log: (line) => console.log(line),
}).then(
  (report) => {
    console.log(formatReport(report));
    process.exit(report.problems.length || report.integrity.failures.length ? 1 : 0);
  },
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
