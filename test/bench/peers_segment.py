"""Peers of mktai's segmentation benchmark: scikit-learn KMeans and a
PyTorch autoencoder of the same shape, on the very points mktai clusters.

test/bench/run.sh exports the rows as mktai encodes them (mktai.encode() of
a k-means model: standardised numbers, NULL indicators, one-hot categories
with their NULL and unseen slots) into a headerless CSV of floats, so both
peers see exactly mktai's input matrix.  Everything runs on one thread
(OMP/OpenBLAS/MKL variables set before numpy loads, threadpoolctl, and
torch.set_num_threads(1)).  Only the fitting is timed: not the reading of
the CSV, nor the loss measured afterwards.  Each fit runs REPEAT times and
the best time is kept.

    peers_segment.py kmeans X.csv K RESTARTS TOL REPEAT
        scikit-learn KMeans(n_clusters=K, n_init=RESTARTS, init='k-means++',
        algorithm='lloyd', max_iter=300, tol=TOL).  Prints one line:
        "seconds inertia n_iter" (n_iter of the kept solution).

    peers_segment.py autoencoder X.csv RAW.csv LATENT EPOCHS BATCH LOSS REPEAT
        Linear(F, LATENT) then Linear(LATENT, F), AdamW (lr 1e-3, weight
        decay 1e-4), EPOCHS epochs of shuffled mini-batches of BATCH rows,
        no validation split and no early stopping.  LOSS is
          mse    the squared error summed over every slot (an approximation)
          mktai  mktai's reconstruction loss: squared error on a number's
                 value slot, binary cross-entropy on its NULL indicator,
                 softmax cross-entropy over each categorical one-hot group.
        The groups are inferred from RAW.csv (the feature columns before
        encoding, with a header, in the table's column order): a number
        takes one slot, plus one when it has NULLs; a category takes one per
        distinct value, plus NULL and unseen.  The layout is checked against
        the matrix (total width; each group one-hot in every row); if it
        does not fit, LOSS mktai is refused (exit status 3).
        Prints one line: "seconds loss", where loss is mktai's loss (when
        the layout is known, else the summed squared error) averaged over
        all rows after training.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import csv  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

MAX_CATEGORIES = 100    # mktai's default max_categories


def load_matrix(path):
    return np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)


def kmeans(path, k, restarts, tol, repeat):
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    x = load_matrix(path)
    best = None
    with threadpool_limits(limits=1):
        for _ in range(repeat):
            km = KMeans(n_clusters=k, n_init=restarts, init="k-means++",
                        algorithm="lloyd", max_iter=300, tol=tol,
                        random_state=42)
            start = time.perf_counter()
            km.fit(x)
            seconds = time.perf_counter() - start
            if best is None or seconds < best[0]:
                best = (seconds, float(km.inertia_), int(km.n_iter_))
    print(f"{best[0]:.3f} {best[1]:.6g} {best[2]}")


def raw_layout(path):
    """The (offset, width, kind) groups of the encoded matrix, kind being
    'mse', 'bce' or 'softmax', inferred from the raw feature columns."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        names = next(reader)
        columns = list(zip(*reader))
    groups, at = [], 0
    for name, values in zip(names, columns):
        present = [v for v in values if v != ""]
        try:
            [float(v) for v in present]
            numeric = True
        except ValueError:
            numeric = False
        if numeric:
            groups.append((at, 1, "mse"))
            at += 1
            if len(present) < len(values):
                groups.append((at, 1, "bce"))
                at += 1
        else:
            width = min(len(set(present)), MAX_CATEGORIES) + 2
            groups.append((at, width, "softmax"))
            at += width
    return groups, at


def layout_fits(groups, width, x):
    if width != x.shape[1]:
        return False
    for at, w, kind in groups:
        block = x[:, at:at + w]
        if kind == "bce" and not np.all((block == 0) | (block == 1)):
            return False
        if kind == "softmax" and not (np.all((block == 0) | (block == 1))
                                      and np.all(block.sum(axis=1) == 1)):
            return False
    return True


def autoencoder(path, raw_path, latent, epochs, batch, loss_kind, repeat):
    import torch
    import torch.nn.functional as fn

    torch.set_num_threads(1)
    x_np = load_matrix(path)
    n, width = x_np.shape
    groups, total = raw_layout(raw_path)
    if not layout_fits(groups, total, x_np):
        groups = None
        if loss_kind == "mktai":
            print(f"peers_segment.py: the raw columns do not explain the "
                  f"{width} encoded slots; cannot build mktai's loss",
                  file=sys.stderr)
            sys.exit(3)
    x = torch.from_numpy(x_np)

    if groups is not None:
        mse = torch.tensor([a for a, _, kd in groups if kd == "mse"])
        bce = torch.tensor([a for a, _, kd in groups if kd == "bce"])
        soft = [(a, w) for a, w, kd in groups if kd == "softmax"]
        wmax = max((w for _, w in soft), default=1)
        # Softmax groups gathered into [B, G, wmax], padding masked out.
        index = torch.zeros(len(soft), wmax, dtype=torch.long)
        pad = torch.ones(len(soft), wmax, dtype=torch.bool)
        for g, (a, w) in enumerate(soft):
            index[g, :w] = torch.arange(a, a + w)
            pad[g, :w] = False

    def mktai_loss(out, xb):
        """Per-row sums of the groups' losses, averaged over the rows."""
        rows = ((out[:, mse] - xb[:, mse]) ** 2).sum(1)
        if len(bce):
            rows = rows + fn.binary_cross_entropy_with_logits(
                out[:, bce], xb[:, bce], reduction="none").sum(1)
        if soft:
            logits = out[:, index].masked_fill(pad, -1e9)
            rows = rows - (xb[:, index].masked_fill(pad, 0.0)
                           * torch.log_softmax(logits, dim=2)).sum((1, 2))
        return rows.mean()

    def mse_loss(out, xb):
        return ((out - xb) ** 2).sum(1).mean()

    loss_fn = mktai_loss if loss_kind == "mktai" else mse_loss
    best = None
    for r in range(repeat):
        torch.manual_seed(42 + r)
        net = torch.nn.Sequential(torch.nn.Linear(width, latent),
                                  torch.nn.Linear(latent, width))
        opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
        start = time.perf_counter()
        for _ in range(epochs):
            order = torch.randperm(n)
            for b in range(0, n, batch):
                xb = x[order[b:b + batch]]
                opt.zero_grad()
                loss = loss_fn(net(xb), xb)
                loss.backward()
                opt.step()
        seconds = time.perf_counter() - start
        with torch.no_grad():
            out = net(x)
            final = float(mktai_loss(out, x) if groups is not None
                          else mse_loss(out, x))
        if best is None or seconds < best[0]:
            best = (seconds, final)
    print(f"{best[0]:.3f} {best[1]:.6g}")


def main():
    args = sys.argv[1:]
    if len(args) == 6 and args[0] == "kmeans":
        kmeans(args[1], int(args[2]), int(args[3]), float(args[4]),
               int(args[5]))
    elif len(args) == 8 and args[0] == "autoencoder" and \
            args[6] in ("mse", "mktai"):
        autoencoder(args[1], args[2], int(args[3]), int(args[4]),
                    int(args[5]), args[6], int(args[7]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
