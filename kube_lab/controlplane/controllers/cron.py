"""Cron schedules as the CronJob controller reads them: robfig/cron v3 ``ParseStandard`` and
``Schedule.Next`` (the library kube-controller-manager vendors).

* five fields — minute, hour, day of month, month, day of week — with ``*``, ``?``, ranges
  ``1-5``, steps ``*/15`` and ``10-50/20``, lists ``1,15``, and month / weekday names
  (``JAN``, ``mon``);
* the descriptors ``@yearly`` ``@annually`` ``@monthly`` ``@weekly`` ``@daily`` ``@midnight``
  ``@hourly`` and ``@every <duration>``;
* a ``TZ=<zone>`` / ``CRON_TZ=<zone>`` prefix (the controller adds ``TZ=`` for ``spec.timeZone``);
  without one, times are read in the controller-manager's local zone, which in a kind cluster
  is UTC — here always UTC, never the host's zone.

Day-of-month and day-of-week combine as in Vixie cron: if either field is a star (``*`` or
``?``, optionally ``/1``) a day must match both, otherwise either.  ``Next`` walks month → day →
hour → minute → second exactly as robfig does, including its five-year search limit and its
DST adjustments, using ``zoneinfo`` with Go's ``time.Date`` rule for wall-clock times that fall
into a DST gap.

The syntax check and its error texts are shared with API validation
(:func:`kube_lab.api.validation.parse_cron_standard`); this module only turns a valid spec into a
schedule.  Times are Unix seconds (floats) in and out.
"""
from __future__ import annotations

import calendar
import math
from datetime import date, datetime, timedelta, timezone

from ...api.validation import go_parse_duration, parse_cron_standard

UTC = timezone.utc
STAR_BIT = 1 << 63
_BOUNDS = {
    "minute": (0, 59, None), "hour": (0, 23, None), "dom": (1, 31, None),
    "month": (1, 12, {m: i + 1 for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}),
    "dow": (0, 6, {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}),
}


class CronError(ValueError):
    """A schedule robfig/cron refuses; ``str()`` is its error text."""


def _bits(lo: int, hi: int, step: int) -> int:
    if step == 1:
        return ((1 << (hi + 1)) - 1) & ~((1 << lo) - 1)
    out = 0
    for i in range(lo, hi + 1, step):
        out |= 1 << i
    return out


def _all(place: str) -> int:
    lo, hi, _ = _BOUNDS[place]
    return _bits(lo, hi, 1) | STAR_BIT


def _value(expr: str, names: dict | None) -> int:
    if names is not None and expr.lower() in names:
        return names[expr.lower()]
    return int(expr)


def _range(expr: str, place: str) -> int:
    """``getRange`` for an expression already known to be valid."""
    lo, hi, names = _BOUNDS[place]
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    extra = 0
    if low_high[0] in ("*", "?"):
        start, end, extra = lo, hi, STAR_BIT
    else:
        start = _value(low_high[0], names)
        end = _value(low_high[1], names) if len(low_high) == 2 else start
    step = 1
    if len(range_and_step) == 2:
        step = int(range_and_step[1])
        if len(low_high) == 1:
            end = hi            # "N/step" means "N-max/step"
        if step > 1:
            extra = 0
    return _bits(start, end, step) | extra


def _field(text: str, place: str) -> int:
    out = 0
    for expr in text.split(","):
        if expr:
            out |= _range(expr, place)
    return out


def load_location(name: str):
    """``time.LoadLocation``: UTC for "", "UTC" and "Local" (the controller-manager runs in UTC)."""
    if name in ("", "UTC", "Local"):
        return UTC
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name}") from None


def parse_standard(spec: str) -> "Schedule":
    """``cron.ParseStandard``: a :class:`SpecSchedule` or :class:`ConstantDelaySchedule`."""
    err = parse_cron_standard(spec)
    if err:
        raise CronError(err)
    loc = UTC
    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
        i = spec.find(" ")
        loc = load_location(spec[spec.find("=") + 1:i])
        spec = spec[i:].strip()
    if spec.startswith("@"):
        if spec.startswith("@every "):
            nanos = go_parse_duration(spec[len("@every "):])
            return ConstantDelaySchedule(nanos)
        return _descriptor(spec, loc)
    minute, hour, dom, month, dow = spec.split()
    return SpecSchedule(second=1, minute=_field(minute, "minute"), hour=_field(hour, "hour"),
                        dom=_field(dom, "dom"), month=_field(month, "month"), dow=_field(dow, "dow"),
                        location=loc)


def _descriptor(spec: str, loc) -> "SpecSchedule":
    first = 1 << 0
    if spec in ("@yearly", "@annually"):
        return SpecSchedule(first, first, first, 1 << 1, 1 << 1, _all("dow"), loc)
    if spec == "@monthly":
        return SpecSchedule(first, first, first, 1 << 1, _all("month"), _all("dow"), loc)
    if spec == "@weekly":
        return SpecSchedule(first, first, first, _all("dom"), _all("month"), 1 << 0, loc)
    if spec in ("@daily", "@midnight"):
        return SpecSchedule(first, first, first, _all("dom"), _all("month"), _all("dow"), loc)
    # @hourly
    return SpecSchedule(first, first, _all("hour"), _all("dom"), _all("month"), _all("dow"), loc)


class Schedule:
    def next(self, t: float) -> float | None:  # pragma: no cover - interface
        raise NotImplementedError


class ConstantDelaySchedule(Schedule):
    """``@every <duration>``: the delay, rounded down to whole seconds (at least one)."""

    def __init__(self, nanos: float):
        secs = max(1, int(nanos // 1e9)) if nanos >= 1e9 else 1
        self.delay = secs

    def next(self, t: float) -> float:
        return math.floor(t) + self.delay


def _offset(loc, unix: float) -> int:
    return int(datetime.fromtimestamp(unix, loc).utcoffset().total_seconds())


def _go_date(y: int, mo: int, d: int, h: int, mi: int, s: int, loc) -> datetime:
    """``time.Date`` in ``loc``: months and days normalised, DST gaps resolved as Go does."""
    y += (mo - 1) // 12
    mo = (mo - 1) % 12 + 1
    day0 = date(y, mo, 1) + timedelta(days=d - 1)
    unix = calendar.timegm((day0.year, day0.month, day0.day, h, mi, s, 0, 0, 0))
    if loc is not UTC:
        off = _offset(loc, unix)
        if off:
            utc = unix - off
            if _offset(loc, utc) != off:
                off = _offset(loc, utc)
            unix -= off
    return datetime.fromtimestamp(unix, loc)


def _add(t: datetime, seconds: int) -> datetime:
    """``t.Add``: absolute time, then back to ``t``'s zone."""
    return datetime.fromtimestamp(t.timestamp() + seconds, t.tzinfo)


def _weekday(t: datetime) -> int:
    return (t.weekday() + 1) % 7          # Go: Sunday = 0


class SpecSchedule(Schedule):
    def __init__(self, second: int, minute: int, hour: int, dom: int, month: int, dow: int, location=UTC):
        self.second, self.minute, self.hour = second, minute, hour
        self.dom, self.month, self.dow = dom, month, dow
        self.location = location

    def _day_matches(self, t: datetime) -> bool:
        dom_match = (1 << t.day) & self.dom > 0
        dow_match = (1 << _weekday(t)) & self.dow > 0
        if self.dom & STAR_BIT or self.dow & STAR_BIT:
            return dom_match and dow_match
        return dom_match or dow_match

    def next(self, t: float) -> float | None:
        """``SpecSchedule.Next``: the first matching second strictly after ``t``; None when no
        time matches within five years."""
        loc = self.location
        cur = datetime.fromtimestamp(math.floor(t) + 1, loc)
        added = False
        year_limit = cur.year + 5
        while True:   # WRAP
            if cur.year > year_limit:
                return None
            wrapped = False
            while (1 << cur.month) & self.month == 0:
                if not added:
                    added = True
                    cur = _go_date(cur.year, cur.month, 1, 0, 0, 0, loc)
                cur = _go_date(cur.year, cur.month + 1, cur.day, cur.hour, cur.minute, cur.second, loc)
                if cur.month == 1:
                    wrapped = True
                    break
            if wrapped:
                continue
            while not self._day_matches(cur):
                if not added:
                    added = True
                    cur = _go_date(cur.year, cur.month, cur.day, 0, 0, 0, loc)
                cur = _go_date(cur.year, cur.month, cur.day + 1, cur.hour, cur.minute, cur.second, loc)
                if cur.hour != 0:      # DST moved midnight
                    cur = _add(cur, (24 - cur.hour) * 3600 if cur.hour > 12 else -cur.hour * 3600)
                if cur.day == 1:
                    wrapped = True
                    break
            if wrapped:
                continue
            while (1 << cur.hour) & self.hour == 0:
                if not added:
                    added = True
                    cur = _go_date(cur.year, cur.month, cur.day, cur.hour, 0, 0, loc)
                cur = _add(cur, 3600)
                if cur.hour == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            while (1 << cur.minute) & self.minute == 0:
                if not added:
                    added = True
                    ts = cur.timestamp()
                    cur = datetime.fromtimestamp(ts - ts % 60, loc)
                cur = _add(cur, 60)
                if cur.minute == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            while (1 << cur.second) & self.second == 0:
                if not added:
                    added = True
                cur = _add(cur, 1)
                if cur.second == 0:
                    wrapped = True
                    break
            if wrapped:
                continue
            return cur.timestamp()


def format_rfc3339(unix: float, loc=UTC) -> str:
    """Go ``t.In(loc).Format(time.RFC3339)``: ``2025-01-01T00:05:00Z`` or ``…+05:30``."""
    t = datetime.fromtimestamp(math.floor(unix), loc)
    off = int(t.utcoffset().total_seconds())
    if off == 0:
        zone = "Z"
    else:
        sign = "+" if off > 0 else "-"
        off = abs(off)
        zone = f"{sign}{off // 3600:02d}:{off % 3600 // 60:02d}"
    return t.strftime("%Y-%m-%dT%H:%M:%S") + zone


def format_rfc1123z(unix: float) -> str:
    """Go ``t.UTC().Format(time.RFC1123Z)``: ``Wed, 01 Jan 2025 00:05:00 +0000``."""
    t = datetime.fromtimestamp(math.floor(unix), UTC)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{days[t.weekday()]}, {t.day:02d} {months[t.month - 1]} {t.year} {t:%H:%M:%S} +0000"
