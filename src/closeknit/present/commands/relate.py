"""person, check, attention, circles: the relationship measures at the command line."""

from __future__ import annotations

import click

from closeknit.core.errors import UsageError
from closeknit.relate.personal import ATTENTION_REASONS
from closeknit.present.common import (columns_option, db_option, emit, emit_frame, emit_json, format_options, names_apart,
                                      open_api, stdout_console)
from closeknit.present.safe import markup
from closeknit.present.words import ordinal
from closeknit.store.queries import person_label

__all__ = ["COMMANDS"]

_AS_OF_HELP = "Judge as of this date (YYYY-MM-DD or ISO time, UTC); default: the latest interaction in the store."


def as_of_option(f):
    return click.option("--as-of", "as_of", default=None, help=_AS_OF_HELP)(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")(f)


def _f(x, nd: int = 2):
    return None if x is None else round(float(x), nd)


def _short(t: str | None, n: int = 90) -> str:
    if not t:
        return ""
    t = " ".join(t.split())
    return t if len(t) <= n else t[: n - 1] + "…"


# ---------------------------------------------------------------------------------------------- person
_PERSON_EPILOG = """\b
Example:
  closeknit person "Priya Raman"
  closeknit person priya@example.org --as-of 2026-06-30 --json
"""


@click.command("person", epilog=_PERSON_EPILOG)
@click.argument("name")
@click.option("--last", "n_last", type=click.IntRange(0, 10_000), default=8, show_default=True, help="How many of the last exchanges to show.")
@as_of_option
@json_option
@db_option
def person_cmd(name, n_last, as_of, as_json, db):
    """The story of one relationship: stage and trajectory over time, across all channels.

    NAME is a person id, a name, an address, a number or a handle. Shows the measures now
    (familiarity each way, intimacy, reciprocity, trust) with the evidence behind each, the
    stage changes month by month, who discloses more, the channels, and the last exchanges.
    """
    with open_api(db) as ck:
        story = (ck.view if as_json else ck.kept)("person", name, as_of=as_of, last=n_last)
    if as_json:
        emit_json(story)
        return
    pname = story["person"]
    m = story["measures"]
    pid, as_of_ts = story["person_id"], story["as_of"]
    con = stdout_console()
    if not m:
        con.print(f"No interaction with {markup(person_label(pname, pid))} up to {_iso(as_of_ts)}.", highlight=False)
        return
    con.print(f"[bold]{markup(person_label(pname, pid))}[/bold] as of {_iso(as_of_ts)}: [bold]{m['stage']}[/bold], "
              f"{m['trajectory']} (peak: {m['peak_stage']})", highlight=False)
    con.print(f"Known since {_day(m['first_ts'])}, last contact {_day(m['last_contact_ts'])}; "
              f"{m['contacts']} contacts ({m['contacts_ab']} from you, {m['contacts_ba']} from them) in "
              f"{m['active_months']} active months ({m['mutual_months']} both ways) on {m['channels']} channel(s).",
              highlight=False)
    rows = [
        {"measure": "familiarity", "value": _f(m["familiarity"]),
         "evidence": f"you have seen {m['exposure_a']:.1f} exposure units of them (familiarity {m['familiarity_a']:.2f}); "
                     f"they {m['exposure_b']:.1f} of you ({m['familiarity_b']:.2f})"},
        {"measure": "intimacy", "value": _f(m["intimacy"]),
         "evidence": f"depth {m['depth']:.2f} (weighted mean message intimacy; yours {_f(m['depth_ab'])}, theirs "
                     f"{_f(m['depth_ba'])}) x volume {m['volume']:.2f} x mutuality {m['mutuality']:.2f}; "
                     f"disclosures: you {m['disclosures_ab']}, they {m['disclosures_ba']}"},
        {"measure": "reciprocity", "value": _f(m["reciprocity"]),
         "evidence": f"effort balance {_f(m['effort_balance'])}, initiative balance {_f(m['initiative_balance'])} "
                     f"(+1 = all you); you started {m['initiated_ab']} conversations, they {m['initiated_ba']}; "
                     f"they answer {_pct(m['b_response_rate'])} of your turns (typically {_dur(m['b_typical_response_s'])}), "
                     f"you {_pct(m['a_response_rate'])} of theirs (typically {_dur(m['a_typical_response_s'])})"},
        {"measure": "trust", "value": _f(m["trust"]),
         "evidence": f"{m['span_months']} months from first to last active month, {m['active_months']} active, "
                     f"{m['mutual_months']} with contact both ways, {m['channels']} channel(s)"},
        {"measure": "familiarity gap", "value": _f(m["familiarity_gap"]),
         "evidence": ("flagged: familiarity far ahead of intimacy and trust" if m["gap_flag"] else "not flagged")},
    ]
    emit(rows, ["measure", "value", "evidence"], title="Measures")
    k = story.get("closeness")
    if k:
        emit([{"part": p["feature"], "log_odds": _f(p["part"]), "evidence": p["evidence"]} for p in k["parts"]],
             ["part", "log_odds", "evidence"],
             title=f"Closeness {k['closeness']:.2f} ({ordinal(k['rank'])} closest of your {k['of']} relationships): "
                   f"the parts of its log-odds (intercept {k['intercept']:+.2f})")
    con.print(f"Who discloses more: {story['who_discloses_more']}.", highlight=False)
    by = story["scored_by"]
    con.print(f"Messages scored by the accurate model: {by['accurate']}, by the fast model: {by['fast']}, "
              f"unscored: {by['unscored']}.", highlight=False)
    if len(story["stage_changes"]):
        emit_frame(story["stage_changes"], ["month", "from", "to"], title="Stage changes")
    ch = story["channels"].assign(first=lambda d: d["first"].map(_day), last=lambda d: d["last"].map(_day))
    emit_frame(ch, ["channel", "n_ab", "n_ba", "first", "last", "mean_intimacy"], title="Channels (n_ab = from you)")
    last = story["last_exchanges"].assign(text=lambda d: d["text"].map(lambda t: _short(t, 40)),
                                          when=lambda d: d["when"].map(_day))
    emit_frame(last, ["when", "who", "channel", "intimacy", "text"], title="Last exchanges")


def _iso(ts) -> str | None:
    return None if ts is None else ts.strftime("%Y-%m-%d %H:%M")


def _day(ts) -> str | None:
    return None if ts is None or ts != ts else ts.strftime("%Y-%m-%d")


def _pct(x) -> str:
    return "-" if x is None else f"{float(x):.0%}"


def _dur(s) -> str:
    if s is None:
        return "-"
    s = float(s)
    if s >= 2 * 86400:
        return f"{s / 86400:.0f} days"
    if s >= 3600:
        return f"{s / 3600:.0f} h"
    return f"{s / 60:.0f} min"


# ---------------------------------------------------------------------------------------------- check
_CHECK_EPILOG = """\b
Example:
  closeknit check "Are you seeing anyone?" --to "Gareth Pryce" --channel linkedin
  closeknit check --incoming --limit 10
"""


@click.command("check", epilog=_CHECK_EPILOG)
@click.argument("text", required=False)
@click.option("--to", "to", default=None, help="Who the message is for (id, name, address, number or handle).")
@click.option("--channel", default=None, help="Channel it will travel on (default: your usual private channel with them).")
@click.option("--incoming", is_flag=True, help="List received messages that ran ahead of their relationship instead.")
@click.option("--limit", type=click.IntRange(0, 1_000_000), default=30, show_default=True, help="With --incoming: show at most N messages (0: all).")
@as_of_option
@format_options
@db_option
def check_cmd(text, to, channel, incoming, limit, as_of, as_json, as_csv, db):
    """Before sending: is TEXT too much, too soon, for this relationship and this channel?

    TEXT is scored with the intimacy model and compared with what the relationship has
    established (the highest intimacy both of you have already reached) and with the usual
    intimacy on the channel at this stage. Verdict: fine, ahead of the relationship, or well
    ahead, with the reasons. With --incoming, the received messages that ran ahead of their
    relationship when they arrived, newest first.
    Python: closeknit.open().check(TEXT, to=NAME) and .incoming().
    """
    if incoming:
        if text or to:
            raise UsageError("--incoming takes no TEXT and no --to")
        return _check_incoming(limit, as_of, as_json, as_csv, db)
    if not text or not to:
        raise UsageError('give the message and who it is for: closeknit check "TEXT" --to NAME')
    with open_api(db) as ck:
        out = ck.check(text, to=to, channel=channel, as_of=as_of)
    if as_json:
        emit_json(out)
        return
    j = out
    expl = out["explanation"]
    color = {"fine": "green", "ahead of the relationship": "yellow", "well ahead": "red"}[j["verdict"]]
    con = stdout_console()
    con.print(f"[bold {color}]{j['verdict']}[/bold {color}]", highlight=False)
    con.print(expl, highlight=False)


def _check_incoming(limit, as_of, as_json, as_csv, db) -> None:
    with open_api(db) as ck:
        df = (ck.view if as_json else ck.kept)("incoming", limit=limit, as_of=as_of)
    if as_json or as_csv:
        emit_frame(df, [], as_json=as_json, as_csv=as_csv)
        return
    df = df.assign(when=df["when"].map(_day), text=df["text"].map(lambda t: _short(t, 40)))
    emit_frame(df, ["when", "person", "channel", "verdict", "intimacy", "text"],
               title=f"Received messages that ran ahead of their relationship ({len(df)})")


# ---------------------------------------------------------------------------------------------- attention
_ATTENTION_EPILOG = """\b
Example:
  closeknit attention --limit 15
  closeknit attention --reason fading --json
"""


@click.command("attention", epilog=_ATTENTION_EPILOG)
@click.option("--limit", type=click.IntRange(0, 1_000_000), default=30, show_default=True, help="Show at most N people (0: all).")
@click.option("--reason", type=click.Choice(list(ATTENTION_REASONS)), default=None,
              help="Only this reason.")
@as_of_option
@columns_option(["rank", "person", "reason", "explanation"])
@format_options
@db_option
def attention_cmd(limit, reason, as_of, columns, as_json, as_csv, db):
    """Whom to pay attention to now, ranked, each with its reason.

    People waiting for your answer (their last private message asked you something), newcomers
    who reached out and deserve a welcome, strong ties fading against their own usual rhythm,
    and relationships where one side does all the work.
    """
    with open_api(db) as ck:
        df = (ck.view if as_json else ck.kept)("attention", reason=reason, limit=limit, as_of=as_of)
    emit_frame(df, ["rank", "person", "reason", "explanation"], as_json=as_json, as_csv=as_csv, columns=columns,
               title="Who deserves your attention now")


# ---------------------------------------------------------------------------------------------- circles
_CIRCLES_EPILOG = """\b
Example:
  closeknit circles
  closeknit circles --days 180 --json
"""


@click.command("circles", epilog=_CIRCLES_EPILOG)
@click.option("--days", type=click.IntRange(1, 36_500), default=365, show_default=True, help="Contact window (days before now).")
@click.option("--layers", "k", type=click.IntRange(2, 5), default=5, show_default=True, help="Number of layers.")
@click.option("--members", is_flag=True, help="One row per person (layer, closeness) instead of one per layer.")
@as_of_option
@columns_option(["layer", "person", "contacts_per_month", "intimacy", "closeness"])
@format_options
@db_option
def circles_cmd(days, k, members, as_of, columns, as_json, as_csv, db):
    """Your circles of closeness: the Dunbar layers (about 5, 15, 50, 150 people).

    Each person you were in contact with is placed by their closeness (the tie-strength model
    of docs/relate.md); natural breaks (Fisher-Jenks) cut its distribution, on the scale of
    contact frequency, into layers, innermost first. Each layer is shown with its size and how
    often its people are in touch (the median of their contacts a month); --members gives each
    person's closeness.
    """
    with open_api(db) as ck:
        df = (ck.view if as_json else ck.kept)("circles", days=days, layers=k, as_of=as_of)
    if as_json or as_csv or members:
        emit_frame(df, ["layer", "person", "contacts_per_month", "intimacy", "closeness"], as_json=as_json,
                   as_csv=as_csv, columns=columns, title="Circles of closeness, person by person")
        return
    rows = []
    df = names_apart(df)
    for (layer, name), g in df.groupby(["layer", "layer_name"], sort=True):
        people = ", ".join(g["person"].head(12)) + (" …" if len(g) > 12 else "")
        # what a layer means in a life: how often its people are in touch (the closeness of the inner
        # layers is near 1 for all of them, and its lowest value said nothing: 1.0, 1.0, 1.0, 0.98)
        rows.append({"layer": f"{layer}. {name}", "size": len(g),
                     "contacts_a_month": _f(g["contacts_per_month"].median(), 1), "people": people})
    emit(rows, ["layer", "size", "contacts_a_month", "people"],
         title=f"Circles of closeness ({len(df)} people in contact over {days:g} days to {_iso(df.attrs['as_of'])})")


COMMANDS = [person_cmd, check_cmd, attention_cmd, circles_cmd]
