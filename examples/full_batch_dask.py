"""Full-batch training where the data already lives in a Dask cluster: logistic regression with
L-BFGS on the Dask backend.

A synthetic chunked dataset (features and labels from a random linear teacher) is created and
persisted in a dask.distributed cluster: a LocalCluster started here by default, or the cluster at
--scheduler ADDRESS. The model's parameters are tensors on the "dask" device; every loss and
gradient evaluation is a Dask graph over all chunks, computed on the cluster where the chunks live,
and the optimizer persists the parameters after each step, so the graph never grows across steps.
Prints the loss after each L-BFGS step and the final training accuracy.
Run: python examples/full_batch_dask.py [--rows 200000] [--scheduler tcp://host:8786]
"""

import time

import _cli

import arraygrad as ag
from arraygrad import nn, optim


def make_data(rows: int, features: int, chunk_rows: int, seed: int = 0):
    """(X, y) as Dask arrays, chunked by rows and persisted on the cluster."""
    import dask
    import dask.array as da

    rs = da.random.RandomState(seed)
    X = rs.standard_normal((rows, features), chunks=(chunk_rows, features)).astype("float32")
    teacher = rs.standard_normal((features,), chunks=features).astype("float32")
    noise = rs.standard_normal((rows,), chunks=chunk_rows).astype("float32")
    y = ((X @ teacher + noise) > 0).astype("float32")
    return dask.persist(X, y)


def main(argv=None):
    """Fits the model; returns {"losses": [...], "accuracy": a, "steps": n}."""
    p = _cli.parser(__doc__, steps=10, steps_help="L-BFGS steps (each up to --max-iter "
                                                   "iterations)", device="dask")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--features", type=int, default=20)
    p.add_argument("--chunk-rows", type=int, default=25_000)
    p.add_argument("--max-iter", type=int, default=5, help="L-BFGS iterations per step")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a running dask.distributed scheduler (default: a LocalCluster here)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    p.add_argument("--no-cluster", action="store_true",
                   help="no dask.distributed: Dask's local threaded scheduler (quick runs)")
    args = p.parse_args(argv)
    if args.no_cluster:
        return fit(args)
    from dask.distributed import Client, LocalCluster

    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=False,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        print(f"cluster: {client}")
        return fit(args)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def fit(args) -> dict:
    """Builds the data on the cluster and runs the L-BFGS steps."""
    Xd, yd = make_data(args.rows, args.features, args.chunk_rows)
    device = ag.device(args.device)
    X, y = ag.asarray(Xd, device=device), ag.asarray(yd, device=device)
    ag.manual_seed(0)
    model = nn.Linear(args.features, 1).to(device)
    loss_fn = nn.BCEWithLogitsLoss()
    opt = optim.LBFGS(model.parameters(), lr=1, max_iter=args.max_iter,
                      line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = loss_fn(model(X).squeeze(1), y)
        loss.backward()
        return loss

    losses = []
    for step in range(args.steps):
        t = time.perf_counter()
        loss = opt.step(closure)
        losses.append(float(loss))
        print(f"step {step + 1}: loss {losses[-1]:.6f} ({time.perf_counter() - t:.2f} s)")
    with ag.no_grad():
        accuracy = ((model(X).squeeze(1) > 0).to(ag.float32) == y).to(ag.float32).mean().item()
    print(f"training accuracy {100 * accuracy:.2f}% over {args.rows} rows "
          f"({len(Xd.chunks[0])} chunks on the cluster)")
    return {"losses": losses, "accuracy": accuracy, "steps": args.steps}


if __name__ == "__main__":
    main()
