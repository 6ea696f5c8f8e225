"""The designed episodes of the demo life: what the relationship measures should find.

Each :class:`Episode` names the person as the store shows them (``display_name``), how to find
them without relying on names (``ident``: channel, kind, value as the importer keys it), the
channel, the dates of the messages that make the episode, and what should be flagged. The dates
are those written by :mod:`closeknit.demo.life` (they do not depend on the seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["Episode", "EPISODES", "EXTRAS"]


@dataclass(frozen=True)
class Episode:
    key: str
    display_name: str
    ident: tuple[str, str, str]  # (channel, kind, value) of one identity of the person
    channel: str
    dates: tuple[date, ...]  # days (UTC) of the messages that make the episode
    flag: str
    story: str


EPISODES: tuple[Episode, ...] = (
    Episode(
        key="premature_question",
        display_name="Dominic Hale",
        ident=("twitter", "handle", "dom_hale_ldn"),
        channel="twitter",
        dates=(date(2026, 10, 14), date(2026, 10, 21), date(2026, 10, 29)),
        flag="premature personal question: a highly intimate question (relationship history, are you single) "
             "from someone whose only history is a follow and two public replies in the last three weeks",
        story="Dominic follows Nora on X (follower.js). On 14 and 21 Oct 2026 Nora answered his replies to her "
              "posts in public (her replies are in tweets.js; his own tweets are not in her archive). On 29 Oct "
              "2026 he sends a DM asking whether she is single and whether her ex hurt her. She does not answer.",
    ),
    Episode(
        key="fading_friend",
        display_name="Priya Raman",
        ident=("whatsapp", "name", "Priya Raman"),
        channel="whatsapp",
        dates=(date(2026, 8, 14), date(2026, 8, 16), date(2026, 9, 20)),
        flag="fading close friend: WhatsApp every week, calls about every other week and occasional meetings "
             "from January 2025 to June 2026, then three messages in the last four months",
        story="Nora and Priya met at a birthday party on 14 Dec 2024 (calendar). From 1 Jan 2025 to 30 Jun 2026 "
              "they write on WhatsApp at least once every week, call (calls.xml) and meet (calendar). After "
              "1 Jul 2026 only: Nora 14 Aug ('Miss you. Coffee soon?'), Priya 16 Aug ('Soon x'), Nora 20 Sep, "
              "unanswered.",
    ),
    Episode(
        key="unanswered_newcomer",
        display_name="Tomás Ferreira",
        ident=("email", "email", "tomas.ferreira@example.org"),
        channel="email",
        dates=(date(2026, 10, 27),),
        flag="unanswered newcomer: a friendly first message 5 days before now that the user never answered",
        story="Tomás, a new neighbour, emails Nora on 27 Oct 2026 ('Hello from your new neighbour') and offers "
              "coffee. It is his only message and Nora never replies.",
    ),
    Episode(
        key="linkedin_too_personal",
        display_name="Gareth Pryce",
        ident=("linkedin", "url", "https://www.linkedin.com/in/gareth-pryce-"),  # prefix: the slug ends in a seeded hex
        channel="linkedin",
        dates=(date(2025, 10, 4), date(2026, 1, 15), date(2026, 3, 3), date(2026, 8, 22), date(2026, 8, 25),
               date(2026, 9, 2), date(2026, 9, 10)),
        flag="LinkedIn contact getting too personal: after a few professional messages, romantic and very "
             "personal messages on a professional channel, unanswered",
        story="Gareth connects on 3 Oct 2025; professional exchange (talk, a freelance call) Oct 2025 to Mar 2026 "
              "with Nora answering. From 22 Aug 2026 he sends four messages ('can't stop thinking about you', "
              "'are you seeing anyone', 'I think I'm falling for you', 'why won't you answer'). Nora never answers.",
    ),
)

#: Other shapes in the life worth finding (not single messages, so no dates).
EXTRAS: dict[str, str] = {
    "asymmetry": "Ellie Brooks starts about 95% of WhatsApp and SMS conversations; Nora answers about a third of the time.",
    "revived": "Marcus Okafor: close until Feb 2025, silent Mar 2025 to 9 Jan 2026, back on 10 Jan 2026 (WhatsApp) "
               "with a pint on 24 Jan 2026 (calendar) and close again since.",
    "journeys": "Lena Fischer (from Oct 2024) and Jonah Adeyemi (from Feb 2025): X replies first, then X DMs "
                "(+90 days), email (+150), WhatsApp (+240) and meetings in the calendar (+330).",
    "groups": "WhatsApp group 'Book Club 📚' (9 members, two only known by number; one added in May 2025, one "
              "left in Feb 2026), the Hackney Allotment Society mailing list, the 'Castell family' Messenger group.",
}
