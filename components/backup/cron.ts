// The 5-field cron expressions the in-image backup scheduler reads (dpg_backup_scheduler.py).
const CRON_RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
const CRON_NAMES: Record<number, string[]> = {
  3: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  4: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

/** A 5-field cron expression as the scheduler reads it (*, a-b, steps, lists, names); the problem, or undefined. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return `"${expr}" must have 5 fields (minute hour day-of-month month day-of-week)`;
  for (const [i, field] of fields.entries()) {
    const [lo, hi] = CRON_RANGES[i];
    const value = (t: string): number => {
      const named = CRON_NAMES[i]?.indexOf(t.toLowerCase()) ?? -1;
      if (named >= 0) return named + (i === 3 ? 1 : 0);
      return /^\d+$/.test(t) ? Number(t) : NaN;
    };
    for (const part of field.split(",")) {
      const m = /^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:\/(\d+))?$/i.exec(part);
      if (!m || (m[2] !== undefined && Number(m[2]) < 1)) return `"${expr}": "${part}" in field ${i + 1} is not a cron field`;
      if (m[1] === "*") continue;
      const bounds = m[1].split("-").map(value);
      if (bounds.some((n) => Number.isNaN(n) || n < lo || n > hi) || bounds[0] > bounds[bounds.length - 1]) {
        return `"${expr}": "${part}" in field ${i + 1} is outside ${lo}-${hi}`;
      }
    }
  }
  return undefined;
}
