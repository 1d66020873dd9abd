"""PyTorch peer of mktai's sequence benchmark: the same recurrent network
on the same histories.

test/bench/run.sh exports the events table as a headerless CSV of numbers,
one row per event, ordered by entity and then by step:

    entity, feature_1, ..., feature_F, label (0 or 1)

The features are standardised the way mktai standardises numeric columns
(trained with "numeric_bins": 0): each column's mean and population standard
deviation over every row, since the benchmark trains on all entities
(validation_fraction 0).  Every entity must have the same number of events
(no padding is needed, and none is done), and its label must not change.

    torch_sequence.py EVENTS.csv CELL HIDDEN LAYERS EPOCHS BATCH CLIP REPEAT

The network: torch.nn.LSTM or torch.nn.GRU (CELL lstm or gru, batch_first)
of HIDDEN units and LAYERS layers, then Linear(HIDDEN, 1) on the top layer's
last hidden state; BCEWithLogitsLoss, AdamW (lr 1e-3, weight decay 1e-4),
EPOCHS epochs of shuffled mini-batches of BATCH entities, gradients clipped
to a global norm of CLIP (clip_grad_norm_), no validation, no early stop.
Everything runs on one thread.

Timed: the training loop alone (not reading or standardising the CSV), and
scoring: every sequence in eval mode under torch.inference_mode(), in
batches of 1024, down to the sum of the sigmoid probabilities; the best of
REPEAT scoring passes is kept.  Prints one line:

    train_seconds score_seconds sequences steps features auc

auc being the trained network's on all the sequences (its training set).
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

SCORE_BATCH = 1024


def load(path):
    data = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    entity, features, label = data[:, 0], data[:, 1:-1], data[:, -1]
    starts = np.flatnonzero(np.r_[True, entity[1:] != entity[:-1]])
    lengths = np.diff(np.r_[starts, len(entity)])
    if np.any(lengths != lengths[0]):
        sys.exit(f"torch_sequence.py: histories of {lengths.min()} to "
                 f"{lengths.max()} events; this peer needs equal lengths")
    n, steps = len(starts), int(lengths[0])
    y = label.reshape(n, steps)
    if np.any(y != y[:, :1]):
        sys.exit("torch_sequence.py: a label changes within an entity")
    mean = features.mean(axis=0)
    std = features.std(axis=0)
    std[~(std > 1e-12)] = 1.0
    x = ((features - mean) / std).astype(np.float32)
    x = x.reshape(n, steps, features.shape[1])
    return torch.from_numpy(x), torch.from_numpy(y[:, 0].astype(np.float32))


def auc(scores, labels):
    """The area under the ROC curve, by the rank sum (average ranks on ties)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    pos = labels > 0.5
    n_pos, n_neg = pos.sum(), (~pos).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


class Net(torch.nn.Module):
    def __init__(self, cell, features, hidden, layers):
        super().__init__()
        rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
        self.rnn = rnn(features, hidden, num_layers=layers, batch_first=True)
        self.head = torch.nn.Linear(hidden, 1)

    def forward(self, x):
        _, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state
        return self.head(h[-1]).squeeze(1)


def main():
    if len(sys.argv) != 9 or sys.argv[2] not in ("lstm", "gru"):
        sys.exit(__doc__)
    path, cell = sys.argv[1], sys.argv[2]
    hidden, layers, epochs, batch = (int(a) for a in sys.argv[3:7])
    clip, repeat = float(sys.argv[7]), int(sys.argv[8])
    torch.set_num_threads(1)
    torch.manual_seed(42)
    x, y = load(path)
    n, steps, features = x.shape
    net = Net(cell, features, hidden, layers)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    start = time.perf_counter()
    net.train()
    for _ in range(epochs):
        order = torch.randperm(n)
        for b in range(0, n, batch):
            idx = order[b:b + batch]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()
    train_s = time.perf_counter() - start

    net.eval()
    score_s = None
    with torch.inference_mode():
        for _ in range(repeat):
            start = time.perf_counter()
            total = 0.0
            for b in range(0, n, SCORE_BATCH):
                total += float(torch.sigmoid(net(x[b:b + SCORE_BATCH])).sum())
            seconds = time.perf_counter() - start
            score_s = seconds if score_s is None else min(score_s, seconds)
        probs = torch.cat([torch.sigmoid(net(x[b:b + SCORE_BATCH]))
                           for b in range(0, n, SCORE_BATCH)]).numpy()
    print(f"{train_s:.3f} {score_s:.4f} {n} {steps} {features} "
          f"{auc(probs.astype(np.float64), y.numpy()):.4f}")


if __name__ == "__main__":
    main()
