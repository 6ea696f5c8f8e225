"""score: intimacy of texts in a file, on standard input, or of every message in the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from closeknit.core.errors import InputError, UsageError
from closeknit.core.files import refuse_overwriting_inputs
from closeknit.present.common import db_option, open_api, stderr_console


@click.command("score", epilog="\b\nExample:\n  closeknit score messages.csv --text-column body -o scored.csv\n"
               "  closeknit score - < lines.txt\n  closeknit score - --format csv < messages.csv\n"
               "  closeknit score --store --model accurate\n")
@click.argument("input_path", metavar="INPUT", required=False)
@click.option("--text-column", default="text", show_default=True, help="Column holding the text in a .csv/.tsv INPUT.")
@click.option("--format", "fmt", type=click.Choice(["txt", "csv", "tsv"]), default=None,
              help="How to read INPUT (default: from its suffix; standard input: txt, one text per line).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the CSV here instead of standard output.")
@click.option("--store", "use_store", is_flag=True, help="Score every message in the store not yet scored by this model.")
@click.option("--model", type=click.Choice(["fast", "accurate"]), default="fast", show_default=True,
              help="fast: Universal Sentence Encoder Multilingual, fine-tuned (over a thousand texts/s); "
                   "accurate: multilingual-e5-small, fine-tuned (about 25 ms a text; better). See docs/language.md.")
@db_option
def score_cmd(input_path, text_column, fmt, output, use_store, model, db):
    """How intimate each text is (0 impersonal .. 1 most intimate) and how much its writer
    discloses, with a confidence, the language and whether it is a (personal) question.

    INPUT is a .txt file (one text per line), a .csv/.tsv file with a header (the text in
    --text-column), or - for standard input (one text per line, or --format csv/tsv). The output
    is CSV: every input row byte for byte, in input order, followed by the columns intimacy,
    disclosure, confidence, lang, is_question, personal_question (see docs/language.md). Texts in
    languages the model has not learned get a low confidence. Nothing leaves this machine.

    With --store, every message in the store that has text and no score from the chosen model
    is scored and saved (table message_scores); running it again scores only what is new. The
    measures read a message's accurate score where there is one, else its fast score.
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
        refuse_overwriting_inputs(output, input_path)
        try:
            out = open(output, "w", encoding="utf-8", newline="")
        except OSError as e:
            raise InputError(f"cannot write {output}: {e.strerror or e}") from None
        try:
            with out:
                score_file(input_path, out, text_column=text_column, scorer=scorer, fmt=fmt)
        except BaseException:
            Path(output).unlink(missing_ok=True)  # no half-written file left behind
            raise
    else:
        score_file(input_path, sys.stdout, text_column=text_column, scorer=scorer, fmt=fmt)
        sys.stdout.flush()


def _score_store(scorer, db) -> None:
    with open_api(db) as ck:
        n = ck.score_store(model=scorer)
        by = ck.scored_by()
    stderr_console().print(f"Scored {n:,} messages with {scorer.version}; the measures read: {by['accurate']:,} "
                           f"accurate, {by['fast']:,} fast, {by['unscored']:,} unscored.", highlight=False)


COMMANDS = [score_cmd]
