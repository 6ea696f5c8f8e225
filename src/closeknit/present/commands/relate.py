"""person, check, attention, circles: the relationship measures at the command line."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import click

from closeknit.core.errors import UsageError
from closeknit.present.common import db_option, emit, open_store, stderr_console, stdout_console

__all__ = ["COMMANDS", "ensure_scores", "load_measures", "people_columns", "MEASURE_COLUMNS", "MEASURE_SORTS",
           "demo_relationships"]

#: Columns ``closeknit people`` gains, and the sorts over them.
MEASURE_COLUMNS = ["stage", "familiarity", "intimacy", "reciprocity", "trust"]
MEASURE_SORTS = ("stage", "familiarity", "intimacy", "reciprocity", "trust")

_AS_OF_HELP = "Judge as of this date (YYYY-MM-DD or ISO time, UTC); default: the latest interaction in the store."


def as_of_option(f):
    return click.option("--as-of", "as_of", default=None, help=_AS_OF_HELP)(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")(f)


def _parse_as_of(s: str | None) -> float | None:
    if not s:
        return None
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise UsageError(f"--as-of {s!r} is not a date; use YYYY-MM-DD or an ISO time") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    if len(s) == 10:  # a whole day: judge at its end
        dt = dt.replace(hour=23, minute=59, second=59)
    return dt.timestamp()


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M")


def _day(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d")


def _f(x, nd: int = 2):
    return None if x is None else round(float(x), nd)


def ensure_scores(store, *, quiet: bool = False) -> None:
    """Score, with the current intimacy model, every stored text that has no score yet
    (incremental: nothing to do on a scored store). Progress on stderr."""
    from closeknit.language.store import pending_count, score_store
    from closeknit.relate.inputs import current_model_version

    if pending_count(store.con, current_model_version()) == 0:
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from closeknit.language.scorer import default_scorer

    scorer = default_scorer()
    total = pending_count(store.con, scorer.version)
    with Progress(TextColumn("[bold]scoring messages"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=stderr_console(), transient=True, disable=quiet) as progress:
        task = progress.add_task("score", total=total)
        score_store(store, scorer, progress=lambda k: progress.advance(task, k))


def load_measures(store, as_of: float | None = None, *, quiet: bool = False):
    """Scores first if needed, then the personal-view measures of ``store``."""
    from closeknit.relate.personal import load

    ensure_scores(store, quiet=quiet)
    return load(store.con, as_of=as_of)


def people_columns(store, as_of: float | None = None) -> dict[int, dict]:
    """person id -> stage, familiarity, intimacy, reciprocity, trust (for ``closeknit people``)."""
    from closeknit.relate.personal import people_measures

    rel = load_measures(store, as_of)
    try:
        return people_measures(rel)
    finally:
        rel.close()


def _name(con, pid: int) -> str:
    r = con.execute("SELECT display_name FROM people WHERE id = ?", [pid]).fetchall()
    return r[0][0] if r and r[0][0] else f"person {pid}"


def _names(con) -> dict[int, str]:
    return dict(con.execute("SELECT id, display_name FROM people").fetchall())


def _texts(con, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(con.execute("SELECT id, text FROM interactions WHERE id IN (SELECT unnest(?))", [ids]).fetchall())


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
@click.option("--last", "n_last", type=int, default=8, show_default=True, help="How many of the last exchanges to show.")
@as_of_option
@json_option
@db_option
def person_cmd(name, n_last, as_of, as_json, db):
    """The story of one relationship: stage and trajectory over time, across all channels.

    NAME is a person id, a name, an address, a number or a handle. Shows the measures now
    (familiarity each way, intimacy, reciprocity, trust) with the evidence behind each, the
    stage changes month by month, who discloses more, the channels, and the last exchanges.
    """
    from closeknit.relate.measures import STAGES
    from closeknit.relate.personal import relationship
    from closeknit.store.queries import find_person

    with open_store(db) as store:
        pid = find_person(store.con, name)
        pname = _name(store.con, pid)
        rel = load_measures(store, _parse_as_of(as_of), quiet=as_json)
        story = relationship(rel, pid)
        rel.build("e")
        last = rel.rows("""SELECT interaction_id, a_acts, ts, channel, kind, visibility, intimacy FROM e
                           WHERE a = 0 AND b = ? AND ts IS NOT NULL AND kind NOT IN ('system', 'read')
                           ORDER BY ts DESC, interaction_id DESC LIMIT ?""", [pid, n_last])
        texts = _texts(store.con, [r["interaction_id"] for r in last] + [m["interaction_id"] for m in story["top_messages"]])
        as_of_ts = rel.as_of
        rel.close()
    m = story["measures"]
    for r in last:
        r["who"] = "you" if r["a_acts"] else pname
        r["when"] = _iso(r["ts"])
        r["text"] = texts.get(r["interaction_id"])
    for t in story["top_messages"]:
        t["who"] = "you" if t["a_acts"] else pname
        t["when"] = _iso(t["ts"])
        t["text"] = texts.get(t["interaction_id"])
    if as_json:
        out = {"person_id": pid, "name": pname, "as_of": _iso(as_of_ts), **story, "last_exchanges": last}
        if m:
            out["measures"] = {**m, "stage": STAGES[m["stage"]], "peak_stage": STAGES[m["peak_stage"]],
                               "last_stage_change": (story["stage_changes"] or [{}])[-1].get("month")}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    con = stdout_console()
    if not m:
        con.print(f"No interaction with {pname} (person {pid}) up to {_iso(as_of_ts)}.", highlight=False)
        return
    con.print(f"[bold]{pname}[/bold] (person {pid}) as of {_iso(as_of_ts)}: [bold]{STAGES[m['stage']]}[/bold], "
              f"{m['trajectory']} (peak: {STAGES[m['peak_stage']]})", highlight=False)
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
             title=f"Closeness {k['closeness']:.2f}: the parts of its log-odds (intercept {k['intercept']:+.2f})")
    con.print(f"Who discloses more: {story['who_discloses_more']}.", highlight=False)
    if story["stage_changes"]:
        emit(story["stage_changes"], ["month", "from", "to"], title="Stage changes")
    ch = story["channels"]
    for c in ch:
        c["first"], c["last"] = _day(c.pop("first_ts")), _day(c.pop("last_ts"))
        c["mean_intimacy"] = _f(c["mean_intimacy"])
    emit(ch, ["channel", "n_ab", "n_ba", "first", "last", "mean_intimacy"], title="Channels (n_ab = from you)")
    for r in last:
        r["text"] = _short(r["text"])
        r["intimacy"] = _f(r["intimacy"])
    emit(last, ["when", "who", "channel", "kind", "intimacy", "text"], title="Last exchanges")


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
@click.option("--limit", type=int, default=30, show_default=True, help="With --incoming: show at most N messages.")
@as_of_option
@json_option
@db_option
def check_cmd(text, to, channel, incoming, limit, as_of, as_json, db):
    """Before sending: is TEXT too much, too soon, for this relationship and this channel?

    TEXT is scored with the intimacy model and compared with what the relationship has
    established (the highest intimacy both of you have already reached) and with the usual
    intimacy on the channel at this stage. Verdict: fine, ahead of the relationship, or well
    ahead, with the reasons. With --incoming, the received messages that ran ahead of their
    relationship when they arrived, newest first.
    """
    if incoming:
        if text or to:
            raise UsageError("--incoming takes no TEXT and no --to")
        return _check_incoming(limit, as_of, as_json, db)
    if not text or not to:
        raise UsageError('give the message and who it is for: closeknit check "TEXT" --to NAME')
    from closeknit.language.detectors import addresses_you
    from closeknit.language.scorer import default_scorer
    from closeknit.relate.measures import STAGES
    from closeknit.store.queries import find_person

    sc = default_scorer().score(text)
    with open_store(db) as store:
        pid = find_person(store.con, to)
        pname = _name(store.con, pid)
        rel = load_measures(store, _parse_as_of(as_of), quiet=as_json)
        rel.build("dyads")
        if channel is None:
            top = rel.rows("""SELECT channel FROM e WHERE a = 0 AND b = ? AND is_contact AND visibility = 'private'
                              GROUP BY channel ORDER BY count(*) DESC, channel LIMIT 1""", [pid])
            channel = top[0]["channel"] if top else "email"
        j = rel.judge(0, pid, sc.intimacy, sc.personal_question, channel, is_question=sc.is_question,
                      addresses_you=addresses_you(text))
        rel.close()
    j = {**j, "stage_name": STAGES[int(j["stage"])]}
    expl = _explain(j, pname, sc, channel)
    out = {"text": text, "to": pname, "person_id": pid, "channel": channel, "verdict": j["verdict"],
           "intimacy": _f(sc.intimacy, 3), "confidence": _f(sc.confidence, 3), "personal_question": sc.personal_question, "probing_question": bool(j["probing"]),
           "disclosure": sc.disclosure, "stage": j["stage_name"], "established": _f(j["established"], 3),
           "channel_norm": {"basis": j["norm_basis"], "n": j["norm_n"], "mean": _f(j["norm_mean"], 3),
                            "sd": _f(j["norm_sd"], 3), "p90": _f(j["norm_p90"], 3)},
           "allowance": _f(j["allowance"], 3), "over_allowance": _f(j["over_allowance"], 3), "z": _f(j["z"], 2),
           "explanation": expl}
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    color = {"fine": "green", "ahead of the relationship": "yellow", "well ahead": "red"}[j["verdict"]]
    con = stdout_console()
    con.print(f"[bold {color}]{j['verdict']}[/bold {color}]", highlight=False)
    con.print(expl, highlight=False)


def _explain(j: dict, pname: str, sc, channel: str) -> str:
    x = sc.intimacy
    parts = [f"This message scores {x:.2f} on the intimacy scale (0 impersonal, 1 most intimate; confidence "
             f"{sc.confidence:.2f})"]
    if j["probing"]:
        parts[-1] += (" and it is a personal question (it asks about the reader)" if sc.personal_question else
                      " and it asks a question more intimate than usual on this channel")
    parts[-1] += "."
    est = float(j["established"] or 0)
    parts.append(f"With {pname} the relationship is at stage '{j['stage_name']}', and the most intimate level both "
                 f"of you have already reached is {est:.2f}.")
    parts.append(f"On {channel} ({j['norm_basis']}, {j['norm_n']} messages) messages usually score {j['norm_mean']:.2f} "
                 f"± {j['norm_sd']:.2f}, and 90% score below {j['norm_p90']:.2f}; this one is {j['z']:.1f} standard "
                 f"deviations from usual.")
    over = float(j["over_allowance"])
    if j["verdict"] == "fine":
        parts.append(f"It stays within what the relationship allows ({j['allowance']:.2f}), so it should land well.")
    elif (j["probing"] and int(j["stage"]) <= 1) or (sc.personal_question and int(j["stage"]) == 2):
        parts.append("A personal question before any real exchange has happened runs ahead of the relationship: "
                     "they have not shared anything like it with you yet.")
    else:
        parts.append(f"It goes {over:.2f} beyond what the relationship allows ({j['allowance']:.2f}): consider "
                     f"something lighter, or moving there more gradually.")
    return " ".join(parts)


def _check_incoming(limit, as_of, as_json, db) -> None:
    from closeknit.relate.measures import STAGES

    with open_store(db) as store:
        rel = load_measures(store, _parse_as_of(as_of), quiet=as_json)
        rows = rel.incoming().to_pylist()[: limit or None]
        names = _names(store.con)
        texts = _texts(store.con, [r["interaction_id"] for r in rows])
        rel.close()
    out = []
    for r in rows:
        out.append({
            "when": _iso(r["ts"]), "from": names.get(r["b"], f"person {r['b']}"), "person_id": r["b"],
            "channel": r["channel"], "kind": r["kind"], "verdict": r["verdict"], "intimacy": _f(r["x"]),
            "personal_question": r["pq"], "probing_question": r["probing"], "stage_before": STAGES[int(r["stage"])],
            "established": _f(r["established"]), "norm_p90": _f(r["norm_p90"]), "z": _f(r["z"], 1),
            "over_allowance": _f(r["over_allowance"]), "interaction_id": r["interaction_id"],
            "text": texts.get(r["interaction_id"]),
        })
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for o in out:
        o["text"] = _short(o["text"], 60)
        o["when"] = o["when"][:10]
    emit(out, ["when", "from", "channel", "verdict", "intimacy", "stage_before", "text"],
         title=f"Received messages that ran ahead of their relationship ({len(out)})")


# ---------------------------------------------------------------------------------------------- attention
_ATTENTION_EPILOG = """\b
Example:
  closeknit attention --limit 15
  closeknit attention --reason fading --json
"""


@click.command("attention", epilog=_ATTENTION_EPILOG)
@click.option("--limit", type=int, default=30, show_default=True, help="Show at most N people.")
@click.option("--reason", type=click.Choice(["waiting", "newcomer", "fading", "one-sided"]), default=None,
              help="Only this reason.")
@as_of_option
@json_option
@db_option
def attention_cmd(limit, reason, as_of, as_json, db):
    """Whom to pay attention to now, ranked, each with its reason.

    People waiting for your answer (their last private message asked you something), newcomers
    who reached out and deserve a welcome, strong ties fading against their own usual rhythm,
    and relationships where one side does all the work.
    """
    from closeknit.relate.measures import STAGES
    from closeknit.relate.personal import ATTENTION_REASONS, attention

    with open_store(db) as store:
        rel = load_measures(store, _parse_as_of(as_of), quiet=as_json)
        rows = attention(rel)
        names = _names(store.con)
        rel.close()
    if reason:
        rows = [r for r in rows if r["reason"] == reason]
    rows = rows[:limit] if limit else rows
    out = [{"rank": i + 1, "person": names.get(r["b"], f"person {r['b']}"), "person_id": r["b"], "reason": r["reason"],
            "why": ATTENTION_REASONS[r["reason"]], "explanation": r["explanation"], "priority": _f(r["priority"], 3),
            "stage": STAGES[r["stage"]], "trajectory": r["trajectory"], "last_contact": _iso(r["last_contact_ts"])}
           for i, r in enumerate(rows)]
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    emit(out, ["rank", "person", "reason", "explanation", "stage"], title="Who deserves your attention now")


# ---------------------------------------------------------------------------------------------- circles
_CIRCLES_EPILOG = """\b
Example:
  closeknit circles
  closeknit circles --days 180 --json
"""


@click.command("circles", epilog=_CIRCLES_EPILOG)
@click.option("--days", type=float, default=365, show_default=True, help="Contact window (days before now).")
@click.option("--layers", "k", type=click.IntRange(2, 5), default=5, show_default=True, help="Number of layers.")
@as_of_option
@json_option
@db_option
def circles_cmd(days, k, as_of, as_json, db):
    """Your circles of closeness: the Dunbar layers (about 5, 15, 50, 150 people).

    Each person you were in contact with gets a closeness = contacts per month x (0.5 +
    intimacy); natural breaks (Fisher-Jenks) cut that one-dimensional distribution into
    layers, innermost first. Sizes are given per layer and cumulatively.
    """
    from closeknit.relate.measures import STAGES
    from closeknit.relate.personal import circles

    with open_store(db) as store:
        rel = load_measures(store, _parse_as_of(as_of), quiet=as_json)
        res = circles(rel, k=k, days=days)
        names = _names(store.con)
        rel.close()
    for layer in res["layers"]:
        layer["members"] = [{"person": names.get(m["b"], f"person {m['b']}"), "person_id": m["b"],
                             "contacts_per_month": _f(m["contacts_per_month"]), "intimacy": _f(m["intimacy"]),
                             "closeness": _f(m["closeness"], 3), "stage": STAGES[m["stage"]]} for m in layer["members"]]
    if as_json:
        click.echo(json.dumps({**res, "as_of": _iso(res["as_of"])}, ensure_ascii=False, indent=2))
        return
    rows = [{"layer": f"{l['layer']}. {l['name']}", "size": l["size"], "cumulative": l["cumulative_size"],
             "from_closeness": _f(l["min_closeness"], 2),
             "people": ", ".join(m["person"] for m in l["members"][:25]) + (" …" if l["size"] > 25 else "")}
            for l in res["layers"]]
    emit(rows, ["layer", "size", "cumulative", "from_closeness", "people"],
         title=f"Circles of closeness ({res['people']} people in contact over {days:g} days to {_iso(res['as_of'])})")


def demo_relationships(db_path, limit: int = 15) -> None:
    """For ``closeknit demo``: score the demo store, then show the closest relationships with their
    measures and the designed episodes' findings (attention and check --incoming)."""
    from closeknit.relate.measures import STAGES
    from closeknit.relate.personal import attention, people_measures
    from closeknit.store import Store

    with Store(db_path) as store:
        rel = load_measures(store)
        m = people_measures(rel)
        att = attention(rel)
        inc = rel.incoming().to_pylist()
        names = _names(store.con)
        rel.close()
    rows = sorted(({"person": names.get(pid, pid), **v} for pid, v in m.items()),
                  key=lambda r: (-r["stage_rank"], -(r["intimacy"] or 0)))[:limit]
    emit(rows, ["person", "stage", "trajectory", "familiarity", "intimacy", "reciprocity", "trust"],
         title=f"Relationships (the {len(rows)} closest; closeknit people --sort intimacy for all)")
    lines = [f"  attention: {names.get(r['b'], r['b'])} - {r['reason']}: {r['explanation']}"
             for r in att if r["reason"] in ("newcomer", "fading")][:3]
    lines += [f"  ran ahead: {names.get(r['b'], r['b'])} on {r['channel']} {_day(r['ts'])} ({r['verdict']}, "
              f"stage before: {STAGES[int(r['stage'])]})" for r in inc[:3]]
    if lines:
        click.echo("Found in the demo life (closeknit attention, closeknit check --incoming):")
        for line in lines:
            click.echo(line)


COMMANDS = [person_cmd, check_cmd, attention_cmd, circles_cmd]
