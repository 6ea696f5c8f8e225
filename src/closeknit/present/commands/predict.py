"""predict-contacts: score "will src contact dst next?" for queries against a log of past contacts."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import click
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from closeknit.core.errors import InputError
from closeknit.core.files import refuse_overwriting_inputs, require_regular
from closeknit.present.common import stderr_console
from closeknit.relate.predict import load_model, score_contacts

__all__ = ["COMMANDS", "predict_cmd", "predict_contacts_files"]

EVENT_COLUMNS = ("src", "dst", "ts")
QUERY_COLUMNS = ("src", "dst", "cutoff")


def _header(path: Path, what: str) -> list[str]:
    if path.exists():
        require_regular(path, what=f"{what} CSV")  # /dev/zero or a FIFO would never end
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            row = next(csv.reader(f), None)
    except FileNotFoundError:
        raise InputError(f"{what} file not found: {path}") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{what} file {path} is not a readable UTF-8 CSV: {e}") from None
    if not row:
        raise InputError(f"{what} file {path} is empty; it needs a header line")
    return [c.strip() for c in row]


def _require(header: list[str], needed: tuple[str, ...], path: Path, what: str) -> None:
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(
            f"{what} file {path} lacks column(s) {', '.join(missing)}: the header must contain "
            f"{','.join(needed)} (found: {','.join(header) or 'nothing'})"
        )


def _read(path: Path, types: dict[str, pa.DataType], include: list[str] | None, what: str) -> pa.Table:
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=include, strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        msg = " ".join(str(e).split())
        raise InputError(f"{what} file {path} could not be read: {msg}") from None


def _seconds(col: pa.ChunkedArray, name: str, path: Path, what: str) -> np.ndarray:
    if col.null_count:
        raise InputError(f"{what} file {path}: column {name} is empty on {col.null_count} row(s); it must be seconds")
    x = col.to_numpy().astype(np.float64)
    if not np.isfinite(x).all():
        raise InputError(f"{what} file {path}: column {name} must be finite seconds (found nan or inf)")
    return x


def predict_contacts_files(events: Path, queries: Path, out: Path, model_path: Path | None = None) -> int:
    """Read EVENTS.csv (src,dst,ts) and QUERIES.csv (src,dst,cutoff), write OUT.csv: the query
    columns unchanged, in order, plus ``score``. Returns the number of queries scored."""
    events, queries, out = Path(events), Path(queries), Path(out)
    refuse_overwriting_inputs(out, events, queries)
    model = load_model(model_path)
    eh = _header(events, "events")
    _require(eh, EVENT_COLUMNS, events, "events")
    qh = _header(queries, "queries")
    _require(qh, QUERY_COLUMNS, queries, "queries")

    ev = _read(events, {"src": pa.string(), "dst": pa.string(), "ts": pa.float64()}, list(EVENT_COLUMNS), "events")
    # queries: every column as text, so the original values are written back unchanged
    q = _read(queries, {c: pa.string() for c in qh}, None, "queries")
    try:
        cut = pc.cast(q.column("cutoff"), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise InputError(f"queries file {queries}: column cutoff must be seconds: {' '.join(str(e).split())}") from None
    ts = _seconds(ev.column("ts"), "ts", events, "events")
    q_cut = _seconds(cut, "cutoff", queries, "queries")

    ne, nq = ev.num_rows, q.num_rows
    ids = pa.chunked_array(
        ev.column("src").chunks + ev.column("dst").chunks + q.column("src").chunks + q.column("dst").chunks, type=pa.string()
    )
    codes = ids.combine_chunks().dictionary_encode().indices.to_numpy(zero_copy_only=False).astype(np.int64)
    n_nodes = int(codes.max()) + 1 if len(codes) else 0
    src, dst = codes[:ne], codes[ne : 2 * ne]
    q_src, q_dst = codes[2 * ne : 2 * ne + nq], codes[2 * ne + nq :]

    scores = score_contacts(src, dst, ts, q_src, q_dst, q_cut, model=model, n_nodes=n_nodes)

    out.parent.mkdir(parents=True, exist_ok=True)
    columns = [q.column(c).to_pylist() for c in range(q.num_columns)] + [[repr(x) for x in scores.tolist()]]
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(q.column_names + ["score"])
        w.writerows(zip(*columns))
    return nq


_EXAMPLE = """\b
Example:
  closeknit predict-contacts --events events.csv --queries queries.csv -o scored.csv
"""


@click.command("predict-contacts", epilog=_EXAMPLE)
@click.option("--events", "events", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV with header src,dst,ts: one directed interaction per row, ts in seconds (Unix or any origin).")
@click.option("--queries", "queries", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV with header src,dst,cutoff (other columns are kept).")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write the query rows plus a score column.")
@click.option("--model", "model_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None, help="Weights JSON (default: the model shipped with closeknit, fit on email-Eu-core).")
def predict_cmd(events: Path, queries: Path, output: Path, model_path: Path | None) -> None:
    """Who will you talk to next: score each query "will src contact dst next?".

    Each query is scored from the events strictly before its cutoff (never at or after it), with a
    readable model of recency, frequency, reciprocity, shared contacts, threads and activity (see
    docs/predict-contacts.md). OUT gets the query columns unchanged plus `score`, the log-odds:
    higher means src is more likely to contact dst next.
    """
    t0 = time.perf_counter()
    n = predict_contacts_files(events, queries, output, model_path)
    stderr_console().print(f"Scored {n:,} queries in {time.perf_counter() - t0:.1f} s -> {output}", highlight=False)


COMMANDS = [predict_cmd]
