#!/usr/bin/python3
"""Leader-only pgBackRest scheduler (the containers run as postgres: no cron daemon).

Reads a schedule file of 5-field cron lines followed by a backup type, one per line:

    # minute hour day-of-month month day-of-week  type
    0 2 * * 0    full
    0 2 * * 1-6  incr
    @initial     full     # run a full backup as soon as the stanza has none

Times are the container's clock (UTC). Every minute it works out which entries are due; if any
is, and this node is the Patroni leader (GET /primary answers 200), it runs
`pgbackrest --stanza=S --type=T backup` (one at a time; the biggest type wins when several are
due). With an empty --leader-url (the repository workload of backup.repository=server, where
pgBackRest finds the primary among pg1..pgN itself) every due entry runs. Outcomes go to stdout (the container log) and to a JSON status file that monitoring reads:
last run, last success and last failure with their type and time.

CLI:  dpg_backup_scheduler.py run    --schedule F [--stanza main] [--status F] [--leader-url U]
      dpg_backup_scheduler.py check  --schedule F [--from ISO] [--count N]   (parse, print next runs)
      dpg_backup_scheduler.py status [--status F]
"""
import argparse
import datetime as dt
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

BACKUP_TYPES = ("full", "diff", "incr")  # biggest first
FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
NAMES = {
    3: {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())},
    4: {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())},
}


class ScheduleError(ValueError):
    pass


def parse_field(text, index):
    """One cron field -> frozenset of allowed values. Supports * , a-b */n a-b/n and names."""
    name, lo, hi = FIELDS[index]
    values = set()
    for part in text.lower().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) < 1:
                raise ScheduleError("bad step %r in %s field" % (step_text, name))
            step = int(step_text)
        if part == "*":
            start, end = lo, hi
        else:
            bounds = part.split("-", 1)
            nums = []
            for b in bounds:
                b = str(NAMES.get(index, {}).get(b, b))
                if not b.isdigit():
                    raise ScheduleError("bad value %r in %s field" % (b, name))
                nums.append(int(b))
            start, end = nums[0], nums[-1]
            if len(bounds) == 1 and step > 1:
                end = hi
        if not (lo <= start <= hi and lo <= end <= hi and start <= end):
            raise ScheduleError("%s field %r is outside %d-%d" % (name, text, lo, hi))
        values.update(range(start, end + 1, step))
    if index == 4 and 7 in values:  # 7 is Sunday too
        values.discard(7)
        values.add(0)
    return frozenset(values)


class CronEntry:
    def __init__(self, expr, backup_type):
        parts = expr.split()
        if len(parts) != 5:
            raise ScheduleError("%r: a cron expression has 5 fields" % expr)
        if backup_type not in BACKUP_TYPES:
            raise ScheduleError("%r: backup type must be one of %s" % (backup_type, ", ".join(BACKUP_TYPES)))
        self.expr = expr
        self.type = backup_type
        self.minute, self.hour, self.dom, self.month, self.dow = (parse_field(p, i) for i, p in enumerate(parts))
        # Vixie cron: when both day fields are restricted, a day matches if EITHER does.
        self.dom_any = parts[2] == "*"
        self.dow_any = parts[4] == "*"

    def matches(self, t):
        if t.minute not in self.minute or t.hour not in self.hour or t.month not in self.month:
            return False
        dom_ok = t.day in self.dom
        dow_ok = (t.isoweekday() % 7) in self.dow
        if self.dom_any or self.dow_any:
            return dom_ok and dow_ok
        return dom_ok or dow_ok


class Schedule:
    def __init__(self, entries, initial=None):
        self.entries = entries
        self.initial = initial  # backup type to take when the stanza has no backup yet

    def due(self, t):
        """The backup type due at minute t (biggest wins), or None."""
        types = {e.type for e in self.entries if e.matches(t)}
        for bt in BACKUP_TYPES:
            if bt in types:
                return bt
        return None

    def next_runs(self, start, count):
        out, t = [], start.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        limit = t + dt.timedelta(days=366 * 4)
        while len(out) < count and t < limit:
            bt = self.due(t)
            if bt:
                out.append((t, bt))
            t += dt.timedelta(minutes=1)
        return out


def parse_schedule(text):
    entries, initial = [], None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        try:
            if words[0] == "@initial":
                if len(words) != 2 or words[1] not in BACKUP_TYPES:
                    raise ScheduleError("@initial takes one backup type")
                initial = words[1]
                continue
            if len(words) != 6:
                raise ScheduleError("expected 5 cron fields and a backup type")
            entries.append(CronEntry(" ".join(words[:5]), words[5]))
        except ScheduleError as e:
            raise ScheduleError("line %d: %s" % (n, e)) from None
    if not entries and not initial:
        raise ScheduleError("no schedule entries")
    return Schedule(entries, initial)


def log(msg):
    sys.stdout.write("%s backup-scheduler: %s\n" % (now_utc().strftime("%Y-%m-%d %H:%M:%S UTC"), msg))
    sys.stdout.flush()


def now_utc():
    return dt.datetime.now(dt.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def is_leader(url, timeout=5, cafile=None):
    try:
        # With TLS on Patroni's REST API the URL is https and the cluster CA verifies it.
        context = ssl.create_default_context(cafile=cafile) if url.startswith("https:") else None
        with urllib.request.urlopen(url, timeout=timeout, context=context) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def write_atomically(path, text):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def render_metrics(data, stanza):
    """Prometheus textfile (node_exporter) lines for the alert rules BackupTooOld and BackupFailed."""
    lines = [
        "# HELP dpg_backup_last_success_timestamp_seconds End of the last successful pgBackRest backup, by type.",
        "# TYPE dpg_backup_last_success_timestamp_seconds gauge",
    ]
    for backup_type, run in sorted((data.get("last_success_by_type") or {}).items()):
        finished = dt.datetime.strptime(run["finished"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        lines.append('dpg_backup_last_success_timestamp_seconds{stanza="%s",type="%s"} %d' % (stanza, backup_type, finished.timestamp()))
    last = data.get("last_run")
    if last is not None:
        lines += [
            "# HELP dpg_backup_last_run_success 1 when the last scheduled pgBackRest backup succeeded, else 0.",
            "# TYPE dpg_backup_last_run_success gauge",
            'dpg_backup_last_run_success{stanza="%s"} %d' % (stanza, 1 if last.get("ok") else 0),
        ]
    return "\n".join(lines) + "\n"


class Status:
    """JSON status file (and, when asked, a Prometheus textfile), rewritten atomically after every run."""

    def __init__(self, path, node, metrics_path=None, stanza="main"):
        self.path = path
        self.metrics_path = metrics_path
        self.stanza = stanza
        self.data = {"node": node, "last_run": None, "last_success": None, "last_failure": None, "last_success_by_type": {}}
        try:
            with open(path) as f:
                self.data.update(json.load(f))
        except (OSError, ValueError):
            pass
        self.data["node"] = node
        self.write_metrics()

    def write_metrics(self):
        if not self.metrics_path:
            return
        try:
            write_atomically(self.metrics_path, render_metrics(self.data, self.stanza))
        except OSError as e:
            log("cannot write metrics file %s: %s" % (self.metrics_path, e))

    def record(self, backup_type, started, finished, ok, detail):
        run = {"type": backup_type, "node": self.data["node"], "started": iso(started), "finished": iso(finished),
               "duration_s": round((finished - started).total_seconds(), 1), "ok": ok}
        self.data["last_run"] = run
        if ok:
            self.data["last_success"] = run
            self.data.setdefault("last_success_by_type", {})[backup_type] = run
        else:
            self.data["last_failure"] = dict(run, error=detail[-2000:])
        self.data["updated"] = iso(finished)
        self.write_metrics()
        if not self.path:
            return
        try:
            write_atomically(self.path, json.dumps(self.data, indent=1, sort_keys=True))
        except OSError as e:
            log("cannot write status file %s: %s" % (self.path, e))


def run_backup(stanza, backup_type, timeout):
    """Returns (ok, output tail). Makes sure the stanza exists first (idempotent)."""
    try:
        subprocess.run(["pgbackrest", "--stanza=" + stanza, "stanza-create"], capture_output=True, text=True, timeout=300)
        p = subprocess.run(["pgbackrest", "--stanza=" + stanza, "--type=" + backup_type, "backup"],
                           capture_output=True, text=True, timeout=timeout)
        return p.returncode == 0, (p.stdout + p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)


def has_backup(stanza):
    """True/False when pgbackrest info answers, None when it cannot tell."""
    try:
        p = subprocess.run(["pgbackrest", "--stanza=" + stanza, "--output=json", "info"], capture_output=True, text=True, timeout=120)
        info = json.loads(p.stdout)
        return any(s.get("backup") for s in info)
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None


class Scheduler:
    def __init__(self, schedule, stanza, status, leader, backup, probe_backup, initial_retry_min=15):
        self.schedule, self.stanza, self.status = schedule, stanza, status
        self.leader, self.backup, self.probe_backup = leader, backup, probe_backup
        self.initial_done = schedule.initial is None
        self.initial_retry = dt.timedelta(minutes=initial_retry_min)
        self.initial_last_try = None

    def tick(self, t):
        """Handle minute t; returns the backup type run, or None."""
        bt = self.schedule.due(t)
        initial = False
        if bt is None and not self.initial_done:
            if self.initial_last_try and t - self.initial_last_try < self.initial_retry:
                return None
            initial = True
        if bt is None and not initial:
            return None
        if not self.leader():
            return None
        if initial:
            self.initial_last_try = t
            found = self.probe_backup()
            if found:
                self.initial_done = True
                return None
            if found is None:
                return None
            bt = self.schedule.initial
        log("leader: starting %s%s backup" % (bt, " (initial)" if initial else ""))
        started = now_utc()
        ok, out = self.backup(bt)
        finished = now_utc()
        self.status.record(bt, started, finished, ok, out)
        if ok:
            self.initial_done = True
            log("%s backup succeeded in %.1f s" % (bt, (finished - started).total_seconds()))
        else:
            log("%s backup FAILED after %.1f s: %s" % (bt, (finished - started).total_seconds(), out[-1000:]))
        return bt


def cmd_run(a):
    with open(a.schedule) as f:
        schedule = parse_schedule(f.read())
    node = os.environ.get("HOSTNAME") or os.uname().nodename
    status = Status(a.status, node, metrics_path=a.metrics_file, stanza=a.stanza)
    sched = Scheduler(schedule, a.stanza, status,
                      # No URL: the repository host of backup.repository=server, where pgBackRest finds the primary.
                      leader=(lambda: is_leader(a.leader_url, cafile=a.cafile)) if a.leader_url else (lambda: True),
                      backup=lambda bt: run_backup(a.stanza, bt, a.timeout),
                      probe_backup=lambda: has_backup(a.stanza), initial_retry_min=a.initial_retry_minutes)
    log("started: %d entries%s, stanza %s, status %s" % (
        len(schedule.entries), ", initial " + schedule.initial if schedule.initial else "", a.stanza, a.status))
    time.sleep(max(0, a.start_delay))
    while True:
        t = now_utc().replace(second=0, microsecond=0)
        try:
            sched.tick(t)
        except Exception as e:  # keep scheduling whatever one run did
            log("error: %r" % e)
        nxt = t + dt.timedelta(minutes=1)
        time.sleep(max(1.0, (nxt - now_utc()).total_seconds() + 0.5))


def cmd_check(a):
    with open(a.schedule) as f:
        schedule = parse_schedule(f.read())
    start = dt.datetime.fromisoformat(a.start) if a.start else now_utc()
    if schedule.initial:
        print("initial %s" % schedule.initial)
    for t, bt in schedule.next_runs(start, a.count):
        print("%s %s" % (t.strftime("%Y-%m-%d %H:%M %a"), bt))


def main(argv=None):
    p = argparse.ArgumentParser(description="leader-only pgBackRest scheduler")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--schedule", default="/etc/pgbackrest/backup-schedule")
    r.add_argument("--stanza", default="main")
    r.add_argument("--status", default="/var/lib/pgbackrest/backup-status.json")
    r.add_argument("--leader-url", default="http://127.0.0.1:8008/primary")
    r.add_argument("--cafile", default=None, help="CA bundle for an https --leader-url")
    r.add_argument("--metrics-file", default=None, help="Prometheus textfile to keep up to date (node_exporter)")
    r.add_argument("--timeout", type=int, default=6 * 3600, help="seconds one backup may take")
    r.add_argument("--start-delay", type=float, default=0)
    r.add_argument("--initial-retry-minutes", type=int, default=15, help="minutes between tries of the initial full backup")
    c = sub.add_parser("check")
    c.add_argument("--schedule", required=True)
    c.add_argument("--from", dest="start")
    c.add_argument("--count", type=int, default=10)
    s = sub.add_parser("status")
    s.add_argument("--status", default="/var/lib/pgbackrest/backup-status.json")
    a = p.parse_args(argv)
    try:
        if a.cmd == "run":
            cmd_run(a)
        elif a.cmd == "check":
            cmd_check(a)
        else:
            with open(a.status) as f:
                print(f.read())
    except ScheduleError as e:
        print("schedule error: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
