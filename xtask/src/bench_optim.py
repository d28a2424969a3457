"""Times one step of the PyTorch reference of each lrf-optim optimizer.

Run by `cargo xtask bench-optim`; prints one JSON object per line:
{"optimizer": name, "params": n, "ms": median milliseconds per step} (ms null: no reference).
Arguments: --params N [N ...] --threads T --steps S --warmup W --optimizers NAME [NAME ...]
"""
import argparse
import json
import statistics
import sys
import time

import torch


def build(name, params):
    """The reference optimizer of `name`, at its package defaults (lr where one is needed)."""
    if name == "adamw":
        return torch.optim.AdamW(params, lr=1e-3, weight_decay=1e-2)
    if name == "adamw_fused":  # PyTorch's fused CPU kernel (opt-in, not the default)
        return torch.optim.AdamW(params, lr=1e-3, weight_decay=1e-2, fused=True)
    if name == "nadamw":
        return torch.optim.NAdam(params, lr=1e-3, weight_decay=1e-2, decoupled_weight_decay=True)
    if name == "sgd_nesterov":
        return torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True)
    if name == "schedule_free_adamw":
        import schedulefree

        opt = schedulefree.AdamWScheduleFree(params, lr=0.0025)
        opt.train()
        return opt
    if name == "prodigy":
        import prodigyopt

        return prodigyopt.Prodigy(params, lr=1.0)
    if name == "dadapt_adamw":
        import dadaptation

        return dadaptation.DAdaptAdam(params, lr=1.0, decouple=True, use_bias_correction=True)
    if name == "dog":
        import dog

        return dog.DoG(params)
    if name == "ldog":
        import dog

        return dog.LDoG(params)
    if name == "mechanic":
        from mechanic_pytorch import mechanize

        return mechanize(torch.optim.Adam)(params, lr=1.0)
    if name == "cocob":
        import parameterfree

        return parameterfree.COCOB(params)
    if name == "momo":
        import momo

        return momo.Momo(params, lr=1.0)
    if name == "momo_adam":
        import momo

        return momo.MomoAdam(params, lr=1e-2)
    return None  # dowg: no working PyTorch package


def time_steps(name, n, steps, warmup):
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(n // 4)) for _ in range(4)]
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    opt = build(name, params)
    if opt is None:
        return None
    needs_loss = name in ("momo", "momo_adam")
    loss = torch.tensor(1.0)
    times = []
    with torch.no_grad():
        for i in range(warmup + steps):
            start = time.perf_counter()
            if needs_loss:
                opt.step(loss=loss)
            else:
                opt.step()
            elapsed = time.perf_counter() - start
            if i >= warmup:
                times.append(elapsed)
    return statistics.median(times) * 1000.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--params", type=int, nargs="+", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--optimizers", nargs="+", required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for n in args.params:
        names = list(args.optimizers)
        if "adamw" in names:
            names.append("adamw_fused")
        for name in names:
            ms = time_steps(name, n, args.steps, args.warmup)
            print(json.dumps({"optimizer": name, "params": n, "ms": ms}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
