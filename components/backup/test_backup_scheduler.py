"""Unit tests of the in-image scheduler (components/patroni/image/dpg_backup_scheduler.py).

Run in the image:  docker run --rm -v $PWD/components/backup:/t:ro -e PYTHONPATH=/usr/local/lib/dpg \
  --entrypoint python3 IMAGE -m unittest discover -s /t -p 'test_backup_scheduler.py'
or on a host with python3: PYTHONPATH=components/patroni/image python3 -m unittest discover -s components/backup -p 'test_*.py'
"""
import datetime as dt
import json
import os
import tempfile
import unittest

import dpg_backup_scheduler as s

UTC = dt.timezone.utc


def at(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


class Metrics(unittest.TestCase):
    def test_textfile_has_the_last_success_per_type_and_the_last_outcome(self):
        with tempfile.TemporaryDirectory() as d:
            status = s.Status(os.path.join(d, "status.json"), "pg-1", metrics_path=os.path.join(d, "dpg_backup.prom"))
            t0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.timezone.utc)
            status.record("full", t0, t0 + dt.timedelta(seconds=5), True, "")
            status.record("incr", t0 + dt.timedelta(days=1), t0 + dt.timedelta(days=1, seconds=3), False, "boom")
            with open(os.path.join(d, "dpg_backup.prom")) as f:
                text = f.read()
        self.assertIn('dpg_backup_last_success_timestamp_seconds{stanza="main",type="full"} %d' % (t0.timestamp() + 5), text)
        self.assertNotIn('type="incr"', text)
        self.assertIn('dpg_backup_last_run_success{stanza="main"} 0', text)


class CronFields(unittest.TestCase):
    def test_star_range_step_list_names(self):
        self.assertEqual(s.parse_field("*", 1), frozenset(range(24)))
        self.assertEqual(s.parse_field("1-6", 4), frozenset(range(1, 7)))
        self.assertEqual(s.parse_field("*/15", 0), frozenset({0, 15, 30, 45}))
        self.assertEqual(s.parse_field("10-20/5", 0), frozenset({10, 15, 20}))
        self.assertEqual(s.parse_field("5/20", 0), frozenset({5, 25, 45}))
        self.assertEqual(s.parse_field("1,3,5", 2), frozenset({1, 3, 5}))
        self.assertEqual(s.parse_field("mon-fri", 4), frozenset({1, 2, 3, 4, 5}))
        self.assertEqual(s.parse_field("jan,dec", 3), frozenset({1, 12}))

    def test_seven_is_sunday(self):
        self.assertEqual(s.parse_field("7", 4), frozenset({0}))

    def test_rejects_bad_fields(self):
        for text, index in (("60", 0), ("24", 1), ("0", 2), ("13", 3), ("8", 4), ("*/0", 0), ("x", 0), ("5-1", 0)):
            with self.assertRaises(s.ScheduleError, msg=text):
                s.parse_field(text, index)


class CronMatching(unittest.TestCase):
    def test_weekly_full_and_daily_incr(self):
        sched = s.parse_schedule("0 2 * * 0 full\n0 2 * * 1-6 incr\n")
        self.assertEqual(sched.due(at("2026-11-22T02:00")), "full")  # a Sunday
        self.assertEqual(sched.due(at("2026-11-23T02:00")), "incr")  # Monday
        self.assertIsNone(sched.due(at("2026-11-23T02:01")))
        self.assertIsNone(sched.due(at("2026-11-23T03:00")))

    def test_biggest_type_wins(self):
        sched = s.parse_schedule("0 2 * * * incr\n0 2 * * 0 full\n0 2 * * * diff\n")
        self.assertEqual(sched.due(at("2026-11-22T02:00")), "full")
        self.assertEqual(sched.due(at("2026-11-23T02:00")), "diff")

    def test_day_of_month_or_day_of_week_like_vixie_cron(self):
        sched = s.parse_schedule("0 0 1 * 1 full\n")
        self.assertEqual(sched.due(at("2026-12-01T00:00")), "full")  # 1st, a Tuesday
        self.assertEqual(sched.due(at("2026-11-23T00:00")), "full")  # a Monday
        self.assertIsNone(sched.due(at("2026-11-24T00:00")))

    def test_next_runs(self):
        sched = s.parse_schedule("0 2 * * 0 full\n0 2 * * 1-6 incr\n")
        runs = sched.next_runs(at("2026-11-21T03:00"), 2)
        self.assertEqual(runs, [(at("2026-11-22T02:00"), "full"), (at("2026-11-23T02:00"), "incr")])


class ScheduleFile(unittest.TestCase):
    def test_comments_and_initial(self):
        sched = s.parse_schedule("# header\n@initial full\n\n30 1 * * 0 full # weekly\n")
        self.assertEqual(sched.initial, "full")
        self.assertEqual(len(sched.entries), 1)

    def test_errors_name_the_line(self):
        with self.assertRaisesRegex(s.ScheduleError, "line 2"):
            s.parse_schedule("0 2 * * 0 full\n0 2 * * weekly\n")
        with self.assertRaisesRegex(s.ScheduleError, "backup type"):
            s.parse_schedule("0 2 * * 0 snapshot\n")
        with self.assertRaises(s.ScheduleError):
            s.parse_schedule("# nothing\n")


class Ticks(unittest.TestCase):
    def make(self, text, leader=True, ok=True, has_backup=False):
        calls = []
        tmp = tempfile.mkdtemp()
        status = s.Status(os.path.join(tmp, "status.json"), "node-1")
        sched = s.Scheduler(s.parse_schedule(text), "main", status,
                            leader=lambda: leader,
                            backup=lambda bt: (calls.append(bt), (ok, "done" if ok else "ERROR: [056]: boom"))[1],
                            probe_backup=lambda: has_backup)
        return sched, calls, status

    def test_runs_only_on_the_leader(self):
        sched, calls, _ = self.make("0 2 * * * incr\n", leader=False)
        self.assertIsNone(sched.tick(at("2026-11-23T02:00")))
        self.assertEqual(calls, [])
        sched, calls, _ = self.make("0 2 * * * incr\n", leader=True)
        self.assertEqual(sched.tick(at("2026-11-23T02:00")), "incr")
        self.assertIsNone(sched.tick(at("2026-11-23T02:01")))
        self.assertEqual(calls, ["incr"])

    def test_status_file_records_success_and_failure(self):
        sched, _, status = self.make("0 2 * * * full\n", ok=True)
        sched.tick(at("2026-11-23T02:00"))
        with open(status.path) as f:
            data = json.load(f)
        self.assertEqual(data["last_success"]["type"], "full")
        self.assertTrue(data["last_run"]["ok"])
        self.assertIsNone(data["last_failure"])
        sched2, _, status2 = self.make("0 2 * * * incr\n", ok=False)
        status2.path = status.path
        status2.data = data
        sched2.status = status2
        sched2.tick(at("2026-11-24T02:00"))
        with open(status.path) as f:
            data = json.load(f)
        self.assertEqual(data["last_success"]["type"], "full")  # kept
        self.assertEqual(data["last_failure"]["type"], "incr")
        self.assertIn("boom", data["last_failure"]["error"])
        self.assertFalse(data["last_run"]["ok"])

    def test_initial_full_when_the_stanza_has_no_backup(self):
        sched, calls, _ = self.make("@initial full\n0 2 * * 0 full\n", has_backup=False)
        self.assertEqual(sched.tick(at("2026-11-23T10:17")), "full")
        self.assertIsNone(sched.tick(at("2026-11-23T10:18")))  # done
        self.assertEqual(calls, ["full"])

    def test_initial_skipped_when_a_backup_exists_and_retried_after_failure(self):
        sched, calls, _ = self.make("@initial full\n", has_backup=True)
        self.assertIsNone(sched.tick(at("2026-11-23T10:17")))
        self.assertEqual(calls, [])
        sched, calls, _ = self.make("@initial full\n", ok=False)
        sched.tick(at("2026-11-23T10:00"))
        sched.tick(at("2026-11-23T10:05"))  # within the retry interval
        sched.tick(at("2026-11-23T10:15"))
        self.assertEqual(calls, ["full", "full"])


if __name__ == "__main__":
    unittest.main()
