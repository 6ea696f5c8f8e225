"""score: intimacy of texts in a file, on standard input, or of every message in the store."""

from __future__ import annotations

import sys

import click

from closeknit.core.errors import InputError, UsageError
from closeknit.present.common import db_option, open_api, stderr_console


@click.command("score", epilog="\b\nExample:\n  closeknit score messages.csv --text-column body -o scored.csv\n"
               "  closeknit score - < lines.txt\n  closeknit score --store\n")
@click.argument("input_path", metavar="INPUT", required=False)
@click.option("--text-column", default="text", show_default=True, help="Column holding the text in a .csv/.tsv INPUT.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the CSV here instead of standard output.")
@click.option("--store", "use_store", is_flag=True, help="Score every message in the store not yet scored by this model.")
@click.option("--model", type=click.Choice(["fast", "accurate"]), default="fast", show_default=True,
              help="fast: static embeddings (thousands of texts/s); accurate: MiniLM encoder (slower, better).")
@db_option
def score_cmd(input_path, text_column, output, use_store, model, db):
    """How intimate each text is: 0 (impersonal) to 1 (most intimate), with a confidence.

    INPUT is a .txt file (one text per line), a .csv/.tsv file with a header (the text in
    --text-column), or - for standard input (one text per line). The output is CSV with every
    input column kept, in input order, plus `intimacy` and `confidence`. Texts in languages the
    model has not learned get a low confidence. Nothing leaves this machine.

    With --store, every message in the store that has text and no score from the current model
    is scored and saved (table message_scores); running it again scores only what is new.
    """
    from closeknit.language.scorer import default_scorer

    if use_store:
        if input_path:
            raise UsageError("give either INPUT or --store, not both")
        _score_store(default_scorer(model), db)
        return
    if not input_path:
        raise UsageError("missing INPUT: a .txt/.csv/.tsv file or - for standard input (or use --store)")
    from closeknit.language.files import score_file

    scorer = default_scorer(model)
    if output:
        try:
            out = open(output, "w", encoding="utf-8", newline="")
        except OSError as e:
            raise InputError(f"cannot write {output}: {e.strerror or e}") from None
        with out:
            score_file(input_path, out, text_column=text_column, scorer=scorer)
    else:
        score_file(input_path, sys.stdout, text_column=text_column, scorer=scorer)
        sys.stdout.flush()


def _score_store(scorer, db) -> None:
    with open_api(db) as ck:
        n = ck.score_store(model=scorer)
    stderr_console().print(f"Scored {n:,} messages with {scorer.version}.", highlight=False)


COMMANDS = [score_cmd]
