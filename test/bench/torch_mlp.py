"""PyTorch peer of mktai's tabular benchmark: the same MLP on the same rows.

Reads the CSV that test/bench/run.sh exports, encodes it the way mktai does
(standardised numbers, one-hot categories padded to mktai's input width),
then times only the training loop: epochs of shuffled mini-batches of
Linear/ReLU/Dropout layers with AdamW and BCEWithLogits, on one thread.
Prints the seconds as a single number.
"""
import csv
import sys
import time

import numpy as np
import torch


def encode(path, target, width):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    y = np.array([r[target] in ("t", "true", "1", "Yes", "yes") for r in rows],
                 dtype=np.float32)
    cols = []
    for name in rows[0]:
        if name == target:
            continue
        values = [r[name] for r in rows]
        try:
            v = np.array([float(x) if x != "" else np.nan for x in values])
            mean, std = np.nanmean(v), np.nanstd(v) or 1.0
            cols.append(np.nan_to_num((v - mean) / std))
        except ValueError:
            for cat in sorted(set(values)):
                cols.append(np.array([x == cat for x in values], dtype=float))
    x = np.stack(cols, axis=1).astype(np.float32)
    pad = width - x.shape[1]
    if pad > 0:
        x = np.hstack([x, np.zeros((len(rows), pad), dtype=np.float32)])
    return torch.from_numpy(x), torch.from_numpy(y)


def main():
    path, target, width, hidden, epochs, batch = sys.argv[1:7]
    width, epochs, batch = int(width), int(epochs), int(batch)
    hidden = [int(h) for h in hidden.split(",") if h]
    torch.set_num_threads(1)
    torch.manual_seed(42)
    x, y = encode(path, target, width)
    layers, d = [], width
    for h in hidden:
        layers += [torch.nn.Linear(d, h), torch.nn.ReLU(), torch.nn.Dropout(0.2)]
        d = h
    layers.append(torch.nn.Linear(d, 1))
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(y))
        for b in range(0, len(y), batch):
            idx = order[b:b + batch]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]).squeeze(1), y[idx])
            loss.backward()
            opt.step()
    print(f"{time.perf_counter() - start:.3f}")


if __name__ == "__main__":
    main()
