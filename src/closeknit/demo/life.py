"""A deterministic two-year social life for one fictional person (the demo's raw material).

:func:`simulate` returns a :class:`Life`: the user, ~170 people in a Dunbar-like structure
(intimates, close friends, friends, acquaintances, work contacts, strangers, a mailing list) and
a time-ordered list of :class:`Event` (one message, call, meeting, like...). The export writers in
:mod:`closeknit.demo.writers` turn events into the real export formats. Everything is drawn from
one ``random.Random(seed)``, in a fixed order, so a seed always gives the same life.

The calendar is fixed: the life runs from :data:`START` to :data:`END` and "now" is
:data:`NOW` (2026-11-01T00:00Z). Times are UTC; the user lives in London and exports are written
as if the phone's clock were UTC (WhatsApp writes local time without a zone).
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from closeknit.demo import text as T

__all__ = ["START", "END", "NOW", "USER", "Person", "Event", "Life", "known", "simulate"]

UTC = timezone.utc
START = datetime(2024, 9, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)  # exclusive: the last day of the life is 2026-10-31
NOW = END
USER = 0


@dataclass
class Person:
    pid: int
    first: str
    last: str
    tier: str  # self, intimate, close, friend, acquaintance, work, stranger, list
    role: str = ""
    email: str | None = None
    phone: str | None = None  # E.164
    x_handle: str | None = None
    x_id: str | None = None
    linkedin: str | None = None  # profile URL
    linkedin_company: str = ""
    linkedin_position: str = ""
    linkedin_connected: datetime | None = None
    messenger: bool = False
    whatsapp: bool = False
    in_contacts: bool = False
    contact_x: bool = False  # the address book card lists the X profile
    contact_linkedin: bool = False
    x_follows_user: bool = False
    user_follows_x: bool = False
    initiative: float = 0.5  # share of conversations they start
    reply_rate: float = 0.85  # chance they answer the user's message
    user_reply_rate: float = 0.85  # chance the user answers them
    #: channel -> (sessions per week at full activity, first day, last day)
    channels: dict[str, tuple[float, datetime, datetime]] = field(default_factory=dict)
    #: (start, end, multiplier) spells that scale every channel (quiet spells, fading)
    phases: list[tuple[datetime, datetime, float]] = field(default_factory=list)
    weekly_floor: set[str] = field(default_factory=set)  # channels with at least one session a week
    fb_thread_id: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def mult(self, t: datetime) -> float:
        m = 1.0
        for a, b, k in self.phases:
            if a <= t < b:
                m *= k
        return m

    def phone_display(self) -> str:
        """The number as WhatsApp and phones print it (``+44 7700 900123``)."""
        p = self.phone or ""
        if p.startswith("+44") and len(p) == 13:
            return f"+44 {p[3:7]} {p[7:]}"
        if p.startswith("+1") and len(p) == 12:
            return f"+1 ({p[2:5]}) {p[5:8]}-{p[8:]}"
        return p


def known(value: str | None, what: str) -> str:
    """``value``, an identity the life always sets where it is asked for (the user's, or the address of
    someone who writes email); a simulation that broke that rule fails here, naming ``what``."""
    if value is None:
        raise ValueError(f"the simulated life has no {what}")
    return value


@dataclass(slots=True)
class Event:
    """One thing that happened. ``sender`` 0 is the user; ``to`` lists the other people."""

    channel: str
    ts: datetime
    sender: int
    to: tuple[int, ...]
    text: str = ""
    thread: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # the channel's own fields (a mail's msgid, a call's duration)


@dataclass
class Life:
    seed: int
    user: Person
    people: list[Person]
    events: list[Event]
    groups: dict[str, dict]

    def person(self, pid: int) -> Person:
        return self.user if pid == USER else self.people[pid - 1]

    def by_channel(self, *channels: str) -> list[Event]:
        want = set(channels)
        return [e for e in self.events if e.channel in want]


# ---------------------------------------------------------------------------- names
FIRST = ("Priya", "Marcus", "Ellie", "Lena", "Jonah", "Sofia", "Dev", "Hannah", "Kwame", "Chloé", "Tom", "Aisha",
         "Ben", "Zoë", "Rafael", "Mei", "Owen", "Fatima", "Luca", "Grace", "Sam", "Nadia", "Oscar", "Ruth", "Ibrahim",
         "Freya", "Hugo", "Amara", "Patrick", "Yuki", "Leo", "Siân", "Mateo", "Isla", "Arjun", "Maya", "Finn",
         "Leila", "Joe", "Ada", "Kofi", "Elena", "Callum", "Noor", "Theo", "Rosa", "Ravi", "Imogen", "Dan",
         "Bea", "Femi", "Clara", "Ali", "Harriet", "Niall", "Ines", "Kit", "Martha", "Sanjay", "Eva", "Rory",
         "Layla", "Jamal", "Alice", "Søren", "Tara", "Will", "Ngozi", "Felix", "Poppy", "Omar", "Lucy", "Ezra",
         "Jess", "Nikhil", "Anya", "George", "Keisha", "Max", "Orla", "Viktor", "Hana", "Adam", "Bronwen",
         "Tariq", "Emma", "Stefan", "Zara", "Joel", "Miriam", "Kai", "Fiona", "Reza", "Cerys", "Alex", "Lola",
         "Björn", "Ana", "Ciaran", "Dina", "Matt", "Yara", "Seb", "Holly")
LAST = ("Raman", "Okafor", "Brooks", "Fischer", "Adeyemi", "Marin", "Patel", "Walsh", "Mensah", "Laurent", "Hughes",
        "Khan", "Carter", "Hart", "Souza", "Chen", "Price", "Haddad", "Romano", "Bennett", "Ellis", "Rahman",
        "Lindgren", "Cohen", "Yusuf", "Morgan", "Dubois", "Nwosu", "Byrne", "Tanaka", "Rossi", "Evans", "García",
        "Reid", "Sharma", "Kowalski", "Quinn", "Farah", "Murphy", "Novak", "Asante", "Petrova", "Fraser", "Aziz",
        "Wright", "Silva", "Iyer", "Ashworth", "Doyle", "Keane", "Balogun", "Weber", "Ahmed", "Holloway", "Gallagher",
        "Costa", "Lowe", "Fletcher", "Menon", "Berg", "Lynch", "Hosseini", "Boateng", "Clarke", "Jensen", "Kaur",
        "Watts", "Eze", "Vogel", "Pearce", "Malik", "O'Neill", "Santos", "Kim", "Barker", "Nakamura", "Flynn",
        "Stone", "Mehta", "Harding", "Obi", "Varga", "Shah", "Parry", "Andersson", "Moreau", "Tran", "Dunne",
        "Okonkwo", "Bianchi", "Saeed", "Lambert", "Hale", "Pryce", "Ferreira", "Castell")
COMPANIES = ("Fernhill Studio", "Northwind Health", "Larkspur Bank", "Quillon Labs", "Harbourline", "Bramble & Co",
             "Oakridge Council", "Tessera Data", "Kitebird", "Morrow Press")
POSITIONS = ("Product Designer", "Engineering Manager", "Head of Design", "Recruiter", "Data Analyst",
             "UX Researcher", "Founder", "Software Engineer", "Marketing Lead", "Programme Manager")
PERSONAL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com", "post.example.org")


def _ascii(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if c.isascii() and c.isalnum())


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _d(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=UTC)


_HOURS = list(range(7, 24))
_HOUR_W = [1, 3, 4, 3, 3, 4, 5, 4, 3, 3, 4, 5, 7, 8, 8, 6, 3]
_WORK_HOURS = list(range(9, 18))


class _Sim:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.people: list[Person] = []
        self.events: list[Event] = []
        self.groups: dict[str, dict] = {}
        self._names: set[str] = set()
        self._phone_n = 100
        self._us_n = 10
        self._tweet_seq = 0
        self._msg_n = 0

    # ------------------------------------------------------------------ identities
    def new_person(self, tier: str, first: str | None = None, last: str | None = None, role: str = "") -> Person:
        rng = self.rng
        while True:
            f = first or rng.choice(FIRST)
            la = last or rng.choice(LAST)
            if f"{f} {la}" not in self._names and (la != "Castell" or last == "Castell"):
                break
            if first and last:
                break
        self._names.add(f"{f} {la}")
        p = Person(pid=len(self.people) + 1, first=f, last=la, tier=tier, role=role)
        af, al = _ascii(f).lower(), _ascii(la).lower()
        pattern = rng.randrange(4)
        local = (f"{af}.{al}", f"{af}{al}", f"{af[0]}{al}", f"{af}.{al}{rng.randrange(10, 99)}")[pattern]
        p.email = f"{local}@{rng.choice(PERSONAL_DOMAINS)}"
        if rng.random() < 0.85:
            p.phone = f"+447700900{self._phone_n:03d}"
            self._phone_n += 1
        else:
            p.phone = f"+1202555{self._us_n:04d}"
            self._us_n += 1
        p.fb_thread_id = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10))
        self.people.append(p)
        return p

    def give_x(self, p: Person, follows_user: bool = True, user_follows: bool = True) -> None:
        rng = self.rng
        af, al = _ascii(p.first).lower(), _ascii(p.last).lower()
        p.x_handle = rng.choice((f"{af}{al}", f"{af}_{al[:3]}", f"{al}{af}{rng.randrange(10, 99)}", f"{af}makes",
                                 f"the{af}{al[0]}"))[:15]
        if rng.random() < 0.5:
            p.x_id = str(rng.randrange(20_000_000, 3_999_999_999))
        else:
            p.x_id = str(self.snowflake(_d(2014 + rng.randrange(10), 1 + rng.randrange(12), 1 + rng.randrange(28))))
        p.x_follows_user = follows_user
        p.user_follows_x = user_follows

    def give_linkedin(self, p: Person, connected: datetime) -> None:
        rng = self.rng
        slug = f"{_ascii(p.first).lower()}-{_ascii(p.last).lower()}-{rng.randrange(16**6):06x}"
        p.linkedin = f"https://www.linkedin.com/in/{slug}"
        p.linkedin_company = rng.choice(COMPANIES)
        p.linkedin_position = rng.choice(POSITIONS)
        p.linkedin_connected = connected

    def snowflake(self, ts: datetime) -> int:
        self._tweet_seq = (self._tweet_seq + 1) % 4096
        ms = int(ts.timestamp() * 1000)
        return ((ms - 1288834974657) << 22) | (self.rng.randrange(1024) << 12) | self._tweet_seq

    def msg_id(self, ts: datetime, domain: str) -> str:
        self._msg_n += 1
        return f"<{int(ts.timestamp())}.{self._msg_n:06d}.{self.rng.randrange(16**8):08x}@{domain}>"

    # ------------------------------------------------------------------ time helpers
    def when(self, day: datetime, work: bool = False) -> datetime:
        rng = self.rng
        h = rng.choice(_WORK_HOURS) if work else rng.choices(_HOURS, _HOUR_W)[0]
        return day.replace(hour=h, minute=rng.randrange(60), second=rng.randrange(60))

    # ------------------------------------------------------------------ sessions
    def chat(self, channel: str, p: Person, t0: datetime, opener_from: int | None = None) -> None:
        """A burst of messages between the user and ``p`` on a 1:1 chat channel."""
        rng = self.rng
        thread = f"{channel}:{p.pid}"
        frm = opener_from if opener_from is not None else (p.pid if rng.random() < p.initiative else USER)
        line, lvl = T.chat_line(rng, p.tier, p.first if frm == USER else "")
        t = t0
        n = 0
        while t < END and n < 12:
            to = (p.pid,) if frm == USER else (USER,)
            if rng.random() < 0.03:  # a message over two lines
                line = line + "\n" + T.chat_line(rng, p.tier, "")[0]
            self.events.append(Event(channel, t, frm, to, line, thread))
            n += 1
            # who speaks next, if anyone
            if rng.random() < 0.25:
                nxt = frm  # double text
                if rng.random() < 0.5:
                    break
            else:
                nxt = p.pid if frm == USER else USER
                rate = p.reply_rate if nxt == p.pid else p.user_reply_rate
                if rng.random() > rate * (0.92**n):
                    break
            t = t + timedelta(seconds=rng.randrange(20, 900) if rng.random() < 0.85 else rng.randrange(900, 14400))
            line = T.chat_reply(rng, lvl) if nxt != frm else T.chat_line(rng, p.tier, "")[0]
            frm = nxt

    def call(self, p: Person, t: datetime) -> None:
        rng = self.rng
        frm = p.pid if rng.random() < p.initiative else USER
        missed = rng.random() < 0.12
        base = {"intimate": 900, "close": 600}.get(p.tier, 240)
        dur = 0 if missed else int(max(15, rng.lognormvariate(math.log(base), 0.8)))
        self.events.append(Event("call", t, frm, (p.pid,) if frm == USER else (USER,), "", f"call:{p.pid}",
                                 {"duration": dur, "missed": missed}))

    def meeting(self, p: Person | list[Person], t: datetime, title: str, hours: float, location: str = "",
                organizer: int = USER) -> None:
        ps = p if isinstance(p, list) else [p]
        self.events.append(Event("meeting", t, organizer, tuple(x.pid for x in ps if x.pid != organizer)
                                 + ((USER,) if organizer != USER else ()), title, f"meeting:{t.isoformat()}",
                                 {"end": t + timedelta(hours=hours), "location": location,
                                  "uid": f"{self.rng.randrange(16**16):016x}{self.rng.randrange(16**10):010x}@google.com"}))

    def email_thread(self, p: Person, t: datetime, work: bool = False) -> None:
        rng = self.rng
        user = self.user
        frm = p.pid if rng.random() < p.initiative else USER
        other = user if frm == p.pid else p
        sender = p if frm == p.pid else user
        if work:
            subject, body = T.work_email(rng, other.first, sender.first)
            lvl = 1
        else:
            subject, body, lvl = T.email_message(rng, p.tier, other.first, sender.first)
        domain = known(sender.email, f"email address for {sender.name}").split("@")[1]
        mid = self.msg_id(t, domain)
        refs: list[str] = []
        thread = f"email:{mid}"
        self.events.append(Event("email", t, frm, (other.pid,), body, thread,
                                 {"subject": subject, "msgid": mid, "refs": (), "in_reply_to": None}))
        n = 1
        while n < 6:
            nxt = p.pid if frm == USER else USER
            rate = p.reply_rate if nxt == p.pid else p.user_reply_rate
            if rng.random() > rate * (0.7**n):
                break
            t = t + timedelta(minutes=rng.randrange(20, 60 * 48))
            if t >= END:
                break
            refs.append(mid)
            s = self.person(nxt)
            o = self.person(frm)
            body = T.work_reply(rng, o.first, s.first) if work else T.email_reply(rng, lvl, o.first, s.first)
            quoted = "\n".join("> " + ln for ln in self.events[-1].text.split("\n"))
            body += f"\n\nOn {self.events[-1].ts.strftime('%a, %d %b %Y at %H:%M')}, {o.name} <{o.email}> wrote:\n{quoted}"
            new_mid = self.msg_id(t, known(s.email, f"email address for {s.name}").split("@")[1])
            self.events.append(Event("email", t, nxt, (frm,), body, thread,
                                     {"subject": "Re: " + subject, "msgid": new_mid, "refs": tuple(refs),
                                      "in_reply_to": mid}))
            mid = new_mid
            frm = nxt
            n += 1

    def person(self, pid: int) -> Person:
        return self.user if pid == USER else self.people[pid - 1]

    def x_reply(self, p: Person, t: datetime, text: str | None = None) -> None:
        """They tweeted (their tweet is not in the user's archive); the user replied and liked it."""
        rng = self.rng
        their_id = self.snowflake(t - timedelta(minutes=rng.randrange(5, 600)))
        my_id = self.snowflake(t)
        self.events.append(Event("x_reply", t, USER, (p.pid,), f"@{p.x_handle} {text or T.public_reply(rng)}",
                                 f"x:{their_id}", {"id": my_id, "reply_to": their_id}))
        if rng.random() < 0.6:
            self.x_like(p, t - timedelta(seconds=rng.randrange(5, 300)), their_id)

    def x_like(self, p: Person | None, t: datetime, tweet_id: int | None = None, text: str | None = None) -> None:
        rng = self.rng
        tid = tweet_id or self.snowflake(t - timedelta(minutes=rng.randrange(1, 3000)))
        txt = text or (T.tweet(rng) if rng.random() < 0.7 else f"@{self.user.x_handle} {T.public_reply(rng)}")
        self.events.append(Event("x_like", t, USER, (p.pid,) if p else (), txt, f"x:{tid}", {"id": tid}))

    # ------------------------------------------------------------------ generic channel loop
    def run_channels(self, p: Person) -> None:
        rng = self.rng
        week = START
        while week < END:
            mult = p.mult(week)
            for ch, (rate, a, b) in p.channels.items():
                if not (a <= week < b):
                    continue
                n = _poisson(rng, rate * mult)
                if ch in p.weekly_floor and mult >= 0.99:
                    n = max(n, 1)
                for _ in range(n):
                    day = week + timedelta(days=rng.randrange(7))
                    if ch in ("email_work", "meeting_work"):
                        while day.weekday() >= 5:
                            day -= timedelta(days=2)
                    t = self.when(day, work=ch.endswith("_work"))
                    if not (max(a, START) <= t < min(b, END)):
                        continue
                    self.session(ch, p, t)
            week += timedelta(days=7)

    def session(self, ch: str, p: Person, t: datetime) -> None:
        rng = self.rng
        if ch in ("whatsapp", "messenger", "sms", "x_dm", "linkedin"):
            if ch == "linkedin":
                frm = p.pid if rng.random() < p.initiative else USER
                to = (USER,) if frm == p.pid else (p.pid,)
                self.events.append(Event("linkedin", t, frm, to, T.pro_message(rng, self.person(to[0]).first),
                                         f"linkedin:{p.pid}"))
                if rng.random() < 0.6:
                    t2 = t + timedelta(hours=rng.randrange(1, 72))
                    if t2 < END:
                        self.events.append(Event("linkedin", t2, to[0], (frm,), T.pro_message(rng, self.person(frm).first),
                                                 f"linkedin:{p.pid}"))
            else:
                self.chat(ch, p, t)
        elif ch == "call":
            self.call(p, t)
        elif ch == "email":
            self.email_thread(p, t)
        elif ch == "email_work":
            self.email_thread(p, t, work=True)
        elif ch == "meeting":
            title = rng.choice(("Dinner with {n}", "Coffee with {n}", "{n} - drinks", "Walk with {n}", "Cinema w/ {n}",
                                "Lunch: {n}")).format(n=p.first)
            self.meeting(p, t.replace(hour=rng.choice((12, 13, 18, 19, 19, 20)), minute=rng.choice((0, 30)), second=0),
                         title, rng.choice((1.5, 2, 2.5, 3)), fill_place(rng), organizer=rng.choice((USER, p.pid)))
        elif ch == "x_reply":
            self.x_reply(p, t)
        elif ch == "x_like":
            self.x_like(p, t)

    # ------------------------------------------------------------------ the cast
    def cast(self) -> None:
        rng = self.rng
        u = Person(pid=USER, first="Nora", last="Castell", tier="self", email="nora.castell@example.net",
                   phone="+447700900001", x_handle="noracastell", x_id="1402938475610234880",
                   linkedin="https://www.linkedin.com/in/nora-castell-7c31a2", whatsapp=True, messenger=True)
        self.user = u
        self._names.add(u.name)
        full = (START, END)

        def chans(p: Person, **rates: float) -> None:
            for ch, r in rates.items():
                p.channels[ch] = (r, *full)

        # --- the designed episodes' people first, so their ids are stable across tiers
        self.ep_stranger = s = self.new_person("stranger", "Dominic", "Hale", "X follower")
        self.give_x(s, follows_user=True, user_follows=False)
        s.x_handle, s.phone, s.email = "dom_hale_ldn", None, None

        self.ep_fading = f = self.new_person("close", "Priya", "Raman", "close friend who fades")
        f.whatsapp = f.in_contacts = True
        f.channels = {"whatsapp": (1.2, _d(2025, 1, 1), _d(2026, 7, 1)), "call": (0.5, _d(2025, 1, 1), _d(2026, 7, 1)),
                      "meeting": (0.12, _d(2025, 1, 1), _d(2026, 7, 1))}
        f.weekly_floor = {"whatsapp"}

        self.ep_newcomer = n = self.new_person("acquaintance", "Tomás", "Ferreira", "new neighbour")
        n.email, n.phone = "tomas.ferreira@example.org", None

        self.ep_linkedin = g = self.new_person("work", "Gareth", "Pryce", "LinkedIn contact")
        self.give_linkedin(g, _d(2025, 10, 3, 14, 12, 9))
        g.linkedin_company, g.linkedin_position = "Harbourline", "Head of Partnerships"
        g.phone, g.email = None, None

        self.asym = a = self.new_person("friend", "Ellie", "Brooks", "does all the work")
        a.whatsapp = a.in_contacts = True
        a.initiative, a.reply_rate, a.user_reply_rate = 0.95, 0.95, 0.3
        chans(a, whatsapp=0.9, sms=0.15)

        self.revived = m = self.new_person("close", "Marcus", "Okafor", "old friend, revived")
        m.whatsapp = m.in_contacts = m.messenger = True
        chans(m, whatsapp=1.0, call=0.3, messenger=0.2, meeting=0.06)
        m.phases = [(_d(2025, 3, 1), _d(2026, 1, 10), 0.0)]

        # journeys: met on X, then DMs, then email, then WhatsApp, then in person
        self.journeys = []
        for first, last, d0 in (("Lena", "Fischer", _d(2024, 10, 5)), ("Jonah", "Adeyemi", _d(2025, 2, 10))):
            j = self.new_person("friend", first, last, "met on X")
            self.give_x(j)
            j.whatsapp = j.in_contacts = j.contact_x = True
            j.channels = {
                "x_reply": (0.6, d0, END),
                "x_like": (0.5, d0, END),
                "x_dm": (0.5, d0 + timedelta(days=90), END),
                "email": (0.25, d0 + timedelta(days=150), END),
                "whatsapp": (0.8, d0 + timedelta(days=240), END),
                "meeting": (0.08, d0 + timedelta(days=330), END),
            }
            self.journeys.append(j)

        # --- intimates (5)
        self.intimates = []
        intimates: tuple[tuple[str, str | None, str | None], ...] = (
            ("partner", None, None), ("sister", "Iris", "Castell"), ("mum", "Helen", "Castell"),
            ("best friend", None, None), ("oldest friend", None, None))
        for role, given, family in intimates:
            p = self.new_person("intimate", given, family, role)
            p.whatsapp = p.in_contacts = True
            p.initiative = 0.5
            p.reply_rate, p.user_reply_rate = 0.95, 0.95
            chans(p, whatsapp=2.6, call=1.0, sms=0.35, meeting=0.15)
            if role in ("sister", "mum"):
                p.messenger = True
                chans(p, messenger=0.4, whatsapp=1.6)
            if role == "partner":
                chans(p, whatsapp=4.0, call=0.6, meeting=0.05)
            if role == "best friend":
                self.give_x(p)
                p.contact_x = True
                chans(p, x_reply=0.3, x_dm=0.2)
            self.intimates.append(p)

        # --- close friends (15 including Priya and Marcus)
        self.close = [f, m]
        for _ in range(13):
            p = self.new_person("close", role="close friend")
            p.whatsapp = p.in_contacts = True
            chans(p, whatsapp=0.9, call=0.25, sms=0.08, meeting=0.07, email=0.04)
            if rng.random() < 0.4:
                p.messenger = True
                chans(p, messenger=0.3)
            if rng.random() < 0.4:
                self.give_x(p)
                p.contact_x = rng.random() < 0.7
                chans(p, x_reply=0.2, x_like=0.3, x_dm=0.05)
            if rng.random() < 0.2:
                self.give_linkedin(p, _d(2019 + rng.randrange(5), 1 + rng.randrange(12), 1 + rng.randrange(28), 12))
                p.contact_linkedin = True
            p.initiative = rng.uniform(0.35, 0.65)
            self.close.append(p)

        # --- friends (50 including Ellie and the two journeys)
        self.friends = [a, *self.journeys]
        for _ in range(47):
            p = self.new_person("friend", role="friend")
            primary = rng.choices(("whatsapp", "messenger", "email", "x_dm", "sms"), (0.4, 0.25, 0.15, 0.1, 0.1))[0]
            p.in_contacts = primary in ("whatsapp", "sms") or rng.random() < 0.8
            rate = rng.uniform(0.15, 0.45)
            chans(p, **{primary: rate}, meeting=0.025)
            if primary == "whatsapp" or rng.random() < 0.3:
                p.whatsapp = True
                p.channels.setdefault("whatsapp", (0.08, *full))
            if primary == "messenger" or rng.random() < 0.15:
                p.messenger = True
                p.channels.setdefault("messenger", (0.06, *full))
            if primary == "x_dm" or rng.random() < 0.35:
                self.give_x(p)
                p.contact_x = p.in_contacts and rng.random() < 0.5
                chans(p, x_reply=0.12, x_like=0.2)
            if rng.random() < 0.25:
                p.channels.setdefault("email", (0.05, *full))
            if rng.random() < 0.2:
                p.channels.setdefault("call", (0.05, *full))
            p.initiative = rng.uniform(0.3, 0.7)
            r = rng.random()
            if r < 0.2:  # a new friend, met during the two years
                d0 = START + timedelta(days=rng.randrange(60, 600))
                p.phases.append((START, d0, 0.0))
            elif r < 0.4:  # a quiet spell
                q0 = START + timedelta(days=rng.randrange(30, 600))
                p.phases.append((q0, q0 + timedelta(days=rng.randrange(60, 180)), 0.1))
            self.friends.append(p)

        # --- acquaintances (30, Tomás among them): X mutuals, neighbours, gym people
        self.acq = [n]
        for _ in range(29):
            p = self.new_person("acquaintance", role="acquaintance")
            p.reply_rate, p.user_reply_rate = 0.6, 0.6
            if rng.random() < 0.7:
                self.give_x(p, follows_user=rng.random() < 0.8, user_follows=rng.random() < 0.7)
                chans(p, x_reply=rng.uniform(0.05, 0.2), x_like=rng.uniform(0.1, 0.4))
            else:
                chans(p, email=0.04)
                p.in_contacts = rng.random() < 0.5
            if rng.random() < 0.15:
                p.whatsapp = True
                chans(p, whatsapp=0.05)
            self.acq.append(p)

        # --- work (30, Gareth among them): colleagues by email + calendar, external contacts on LinkedIn
        self.colleagues = []
        self.external = [g]
        for i in range(29):
            p = self.new_person("work", role="colleague" if i < 12 else "professional contact")
            p.reply_rate, p.user_reply_rate = 0.8, 0.75
            self.give_linkedin(p, _d(2018 + rng.randrange(8), 1 + rng.randrange(12), 1 + rng.randrange(28), 9))
            if p.linkedin_connected and p.linkedin_connected > START:
                p.linkedin_connected = START - timedelta(days=rng.randrange(30, 900))
            if i < 12:
                p.email = f"{_ascii(p.first).lower()}.{_ascii(p.last).lower()}@fernhill.example"
                p.linkedin_company = "Fernhill Studio"
                p.in_contacts = rng.random() < 0.5
                p.contact_linkedin = p.in_contacts
                chans(p, email_work=rng.uniform(0.2, 0.6))
                if rng.random() < 0.25:
                    p.whatsapp = True
                    chans(p, whatsapp=0.08)
                self.colleagues.append(p)
            else:
                p.email = f"{_ascii(p.first).lower()}@{_ascii(p.linkedin_company).lower()}.example"
                chans(p, linkedin=rng.uniform(0.01, 0.05), email_work=rng.uniform(0.0, 0.08))
                p.initiative = 0.7
                self.external.append(p)

        # --- strangers (20): follow, get an occasional public reply, get liked
        self.strangers = [s]
        for _ in range(19):
            p = self.new_person("stranger", role="X stranger")
            p.email = p.phone = None
            self.give_x(p, follows_user=rng.random() < 0.8, user_follows=rng.random() < 0.2)
            chans(p, x_like=rng.uniform(0.02, 0.1), x_reply=rng.uniform(0.0, 0.04))
            self.strangers.append(p)

        # --- mailing list members (16)
        self.listers = []
        for _ in range(16):
            p = self.new_person("list", role="allotment society")
            p.phone = None
            self.listers.append(p)

        # people nobody would have in an address book keep no card
        for p in self.people:
            if p.tier in ("intimate", "close"):
                p.in_contacts = True
            if not p.whatsapp and "whatsapp" in p.channels:
                p.whatsapp = True

    # ------------------------------------------------------------------ groups
    def whatsapp_group(self) -> None:
        rng = self.rng
        members = [self.close[3], self.close[5], self.close[7], self.friends[5], self.friends[8], self.friends[12]]
        for p in members:
            p.whatsapp = True
        outsiders = [self.new_person("acquaintance", role="book club"), self.new_person("acquaintance", role="book club")]
        for p in outsiders:
            p.whatsapp, p.in_contacts, p.email = True, False, None
        late = self.friends[20]
        late.whatsapp = True
        created = _d(2024, 9, 3, 19, 2, 11)
        name = "Book Club 📚"
        self.groups["whatsapp"] = {"name": name, "created": created, "creator": members[0].pid,
                                   "members": [p.pid for p in members + outsiders], "late": late.pid,
                                   "late_at": _d(2025, 5, 2, 20, 14, 3), "left": outsiders[1].pid,
                                   "left_at": _d(2026, 2, 11, 9, 40, 55)}
        everyone = members + outsiders
        week = created
        thread = "wa_group"
        while week < END:
            for _ in range(_poisson(rng, 12.0)):
                t = self.when(week + timedelta(days=rng.randrange(7)))
                pool = [p for p in everyone if not (p.pid == outsiders[1].pid and t >= self.groups["whatsapp"]["left_at"])]
                if t >= self.groups["whatsapp"]["late_at"]:
                    pool.append(late)
                frm = USER if rng.random() < 0.12 else rng.choice(pool).pid
                txt = T.chat_reply(rng, rng.choice((0, 0, 1))) if rng.random() < 0.5 else T.fill(rng, rng.choice(
                    ("Next book: {book}?", "I'm only halfway through {book}, no spoilers!!", "Can we do {day} instead?",
                     "I'll host this time, {food} provided", "Who's in for {day}?", "That ending though",
                     "Running late, start without me", "Loved this month's pick")))
                if t < END:
                    to = tuple(x.pid for x in pool if x.pid != frm) + (() if frm == USER else (USER,))
                    self.events.append(Event("wa_group", t, frm, to, txt, thread))
            week += timedelta(days=7)

    def messenger_group(self) -> None:
        rng = self.rng
        fam = [p for p in self.intimates if p.role in ("sister", "mum")]
        aunt = self.new_person("friend", "Siân", "Castell", "aunt")
        aunt.messenger, aunt.in_contacts = True, True
        fam.append(aunt)
        self.groups["messenger"] = {"title": "Castell family", "members": [p.pid for p in fam],
                                    "thread_id": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10))}
        week = START
        while week < END:
            for _ in range(_poisson(rng, 2.5)):
                t = self.when(week + timedelta(days=rng.randrange(7)))
                frm = USER if rng.random() < 0.3 else rng.choice(fam).pid
                txt, _ = T.chat_line(rng, "close")
                to = tuple(p.pid for p in fam if p.pid != frm) + (() if frm == USER else (USER,))
                if t < END:
                    self.events.append(Event("fb_group", t, frm, to, txt, "fb_group"))
            week += timedelta(days=7)

    def mailing_list(self) -> None:
        rng = self.rng
        addr = "hackney-allotments@lists.example.org"
        self.groups["list"] = {"address": addr, "name": "Hackney Allotment Society", "id": "hackney-allotments.lists.example.org"}
        posters = self.listers + [self.acq[3], self.acq[4]]
        week = START
        while week < END:
            for _ in range(_poisson(rng, 3.0)):
                t = self.when(week + timedelta(days=rng.randrange(7)))
                frm = USER if rng.random() < 0.08 else rng.choice(posters).pid
                subject, body = T.list_post(rng, self.person(frm).first)
                mid = self.msg_id(t, "example.org")
                root = mid
                self.events.append(Event("list", t, frm, (), body, f"list:{mid}",
                                         {"subject": subject, "msgid": mid, "refs": (), "in_reply_to": None}))
                refs: list[str] = []
                for _ in range(_poisson(rng, 1.3)):
                    t = t + timedelta(minutes=rng.randrange(10, 2000))
                    if t >= END:
                        break
                    r = USER if rng.random() < 0.1 else rng.choice(posters).pid
                    refs.append(mid)
                    nmid = self.msg_id(t, "example.org")
                    self.events.append(Event("list", t, r, (), T.list_reply(rng, self.person(r).first), f"list:{root}",
                                             {"subject": "Re: " + subject, "msgid": nmid, "refs": tuple(refs),
                                              "in_reply_to": mid}))
                    mid = nmid
            week += timedelta(days=7)

    def work_meetings(self) -> None:
        rng = self.rng
        day = START
        while day < END:
            if day.weekday() == 1 and rng.random() < 0.9:  # Tuesday studio sync
                team = rng.sample(self.colleagues, 5)
                self.meeting(team, day.replace(hour=10), "Studio sync", 0.5, "Meet", organizer=team[0].pid)
            if day.weekday() in (2, 3) and rng.random() < 0.35:
                who = rng.sample(self.colleagues, rng.randrange(1, 4))
                title = T.fill(rng, rng.choice(("{project} review", "1:1", "Design crit", "Planning: {project}",
                                               "Client call prep")))
                self.meeting(who, day.replace(hour=rng.choice((11, 14, 15, 16))), title, 1.0, "Meet",
                             organizer=rng.choice((USER, who[0].pid)))
            day += timedelta(days=1)

    def user_timeline(self) -> None:
        """The user's own posts and retweets, and likes of tweets by people who are not in the cast."""
        rng = self.rng
        x_people = [p for p in self.people if p.x_handle and p.tier not in ("stranger",)]
        week = START
        while week < END:
            for _ in range(_poisson(rng, 3.0)):
                t = self.when(week + timedelta(days=rng.randrange(7)))
                if t < END:
                    self.events.append(Event("x_post", t, USER, (), T.tweet(rng), "", {"id": self.snowflake(t)}))
            for _ in range(_poisson(rng, 0.6)):
                t = self.when(week + timedelta(days=rng.randrange(7)))
                p = rng.choice(x_people)
                if t < END and t >= p.channels.get("x_reply", (0, START, END))[1]:  # only once they have met
                    self.events.append(Event("x_rt", t, USER, (p.pid,), f"RT @{p.x_handle}: {T.tweet(rng)}", "",
                                             {"id": self.snowflake(t), "orig": self.snowflake(t - timedelta(hours=3))}))
            for _ in range(_poisson(rng, 8.0)):
                t = self.when(week + timedelta(days=rng.randrange(7)))
                if t < END:
                    self.x_like(None, t)
            week += timedelta(days=7)

    def blog(self) -> None:
        """Nora's WordPress blog: a post every few weeks, comments (some from people she knows, by
        the same email address they write from), her answers, a pingback now and then, spam."""
        rng = self.rng
        keep_out = {self.ep_fading.pid, self.ep_newcomer.pid}  # the episodes stay as designed
        pool = [p for p in self.people if p.email and p.tier in ("close", "friend", "acquaintance", "list")
                and p.pid not in keep_out]
        weights = [{"close": 3, "friend": 2, "acquaintance": 2, "list": 1}[p.tier] for p in pool]
        t = _d(2024, 9, 9, 8, 30)
        post_id, comment_id = 40, 100
        while t < END:
            post_id += rng.randrange(2, 6)
            title = T.blog_title(rng)
            slug = "-".join("".join(c for c in w.lower() if c.isalnum()) for w in title.split())[:60].strip("-")
            thread = f"blog:{post_id}"
            self.events.append(Event("blog_post", t, USER, (), title, thread, {"post_id": post_id, "slug": slug}))
            ct = t
            for _ in range(_poisson(rng, 2.2)):
                ct = ct + timedelta(minutes=rng.randrange(30, 60 * 72))
                if ct >= END:
                    break
                p = rng.choices(pool, weights)[0]
                if ct < p.channels.get("x_reply", (0, START, END))[1]:
                    continue  # the people met on X find the blog only after they have met
                comment_id += 1
                cid = comment_id
                self.events.append(Event("blog_comment", ct, p.pid, (USER,), T.blog_comment(rng), thread,
                                         {"post_id": post_id, "comment_id": cid, "parent": 0, "approved": "1",
                                          "type": "comment"}))
                if rng.random() < 0.5:
                    rt = ct + timedelta(minutes=rng.randrange(20, 60 * 24))
                    if rt < END:
                        comment_id += 1
                        self.events.append(Event("blog_comment", rt, USER, (p.pid,), T.blog_reply(rng), thread,
                                                 {"post_id": post_id, "comment_id": comment_id, "parent": cid,
                                                  "approved": "1", "type": "comment"}))
            if rng.random() < 0.3:
                comment_id += 1
                self.events.append(Event("blog_comment", t + timedelta(hours=rng.randrange(2, 200)), -1, (USER,),
                                         "Best essay writing service, cheap prices, click here", thread,
                                         {"post_id": post_id, "comment_id": comment_id, "parent": 0, "approved": "spam",
                                          "type": "comment", "author": "Essay Helper Pro",
                                          "email": "promo@spam.example", "url": "http://essays.spam.example"}))
            if rng.random() < 0.15:
                comment_id += 1
                blog = rng.choice(("designnotes.example", "thecanalcyclist.example", "plotandpen.example"))
                self.events.append(Event("blog_comment", t + timedelta(hours=rng.randrange(2, 100)), -1, (USER,),
                                         f"[…] as Nora Castell wrote last week, {title.lower()} […]", thread,
                                         {"post_id": post_id, "comment_id": comment_id, "parent": 0, "approved": "1",
                                          "type": "pingback", "author": blog.split(".")[0], "email": "",
                                          "url": f"https://{blog}/{t:%Y/%m}/links/"}))
            t = t + timedelta(days=rng.randrange(12, 30))
            t = t.replace(hour=rng.choice((7, 8, 9, 20, 21)), minute=rng.randrange(60))

    # ------------------------------------------------------------------ the designed episodes
    def episodes(self) -> None:
        # 1. premature personal question on X
        s = self.ep_stranger
        self.x_reply(s, _d(2026, 10, 14, 18, 22, 40), "Thanks! Glad it was useful")
        self.x_reply(s, _d(2026, 10, 21, 20, 5, 12), "Ha, fair point")
        self.events.append(Event(
            "x_dm", _d(2026, 10, 29, 23, 47, 31), s.pid, (USER,),
            "Hey Nora, sorry if this is weird but I feel like I know you from your posts. Are you single? "
            "What happened with your last relationship, did he hurt you? You can tell me anything.",
            f"x_dm:{s.pid}", {"episode": 1}))
        # 2. Priya fades: a party where they met, then near silence after 2026-07-01
        f = self.ep_fading
        self.meeting([f, self.close[2]], _d(2024, 12, 14, 19, 30), "Sam's birthday drinks", 4, "the Wenlock Arms",
                     organizer=USER)
        for t, frm, txt in ((_d(2026, 8, 14, 19, 3, 11), USER, "Hey stranger! Miss you. Coffee soon?"),
                            (_d(2026, 8, 16, 22, 41, 2), f.pid, "Sorry, mad few weeks. Soon x"),
                            (_d(2026, 9, 20, 10, 15, 44), USER, "Thinking of you, hope you're ok x")):
            self.events.append(Event("whatsapp", t, frm, (f.pid,) if frm == USER else (USER,), txt,
                                     f"whatsapp:{f.pid}", {"episode": 2}))
        # 3. the newcomer's unanswered email
        n = self.ep_newcomer
        t = _d(2026, 10, 27, 10, 12, 5)
        mid = self.msg_id(t, "example.org")
        self.events.append(Event(
            "email", t, n.pid, (USER,),
            "Hi Nora,\n\nI hope you don't mind me writing out of the blue. I'm Tomás, I just moved into the flat "
            "below yours, and Jess from the allotment said you know everyone on the street. I'd love to buy you "
            "a coffee some time and hear what's good around here.\n\nWarmly,\nTomás",
            f"email:{mid}", {"subject": "Hello from your new neighbour", "msgid": mid, "refs": (), "in_reply_to": None,
                             "episode": 3}))
        # 4. LinkedIn contact getting too personal
        g = self.ep_linkedin
        for t, frm, txt in (
            (_d(2025, 10, 4, 9, 15, 2), g.pid, "Hi Nora, thanks for connecting! I enjoyed your talk on design systems at the meetup."),
            (_d(2025, 10, 4, 17, 40, 51), USER, "Thanks Gareth, glad it was useful!"),
            (_d(2026, 1, 15, 11, 2, 37), g.pid, "Would you be open to a 20-minute call about a freelance project in February?"),
            (_d(2026, 1, 16, 8, 55, 10), USER, "Sure, send over the details and a few times that work."),
            (_d(2026, 3, 3, 14, 20, 0), g.pid, "Thanks for the call today. I'll share the brief with the team."),
            (_d(2026, 8, 22, 23, 12, 44), g.pid, "I know this is unprofessional, but I can't stop thinking about you since we met."),
            (_d(2026, 8, 25, 22, 3, 19), g.pid, "Are you seeing anyone? I'd love to take you to dinner, just the two of us."),
            (_d(2026, 9, 2, 1, 34, 8), g.pid, "I dreamt about you last night. I think I'm falling for you. Please don't ignore me."),
            (_d(2026, 9, 10, 21, 48, 30), g.pid, "Why won't you answer? I thought we had something special."),
        ):
            self.events.append(Event("linkedin", t, frm, (USER,) if frm == g.pid else (g.pid,), txt,
                                     f"linkedin:{g.pid}", {"episode": 4}))
        # the revived tie reconnects with a message and a pint
        m = self.revived
        self.events.append(Event("whatsapp", _d(2026, 1, 10, 20, 11, 9), m.pid, (USER,),
                                 "Nora!! It's been forever. I'm back in London. Pint soon?", f"whatsapp:{m.pid}"))
        self.events.append(Event("whatsapp", _d(2026, 1, 10, 20, 30, 2), USER, (m.pid,),
                                 "MARCUS. Yes! Saturday?", f"whatsapp:{m.pid}"))
        self.meeting(m, _d(2026, 1, 24, 19, 0), "Pints with Marcus", 3, "the taproom", organizer=USER)

    def run(self) -> Life:
        self.cast()
        self.whatsapp_group()
        self.messenger_group()
        for p in self.people:
            self.run_channels(p)
        self.mailing_list()
        self.work_meetings()
        self.user_timeline()
        self.blog()
        self.episodes()
        self.events.sort(key=lambda e: (e.ts, e.channel, e.sender))
        return Life(self.seed, self.user, self.people, self.events, self.groups)


def fill_place(rng: random.Random) -> str:
    return rng.choice(T.SLOTS["place"])


def simulate(seed: int = 7) -> Life:
    """The life for ``seed``: same seed, same people, same events, same text."""
    return _Sim(seed).run()
