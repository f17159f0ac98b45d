"""Train several detector recipes at once on one GPU machine, on one dataset rendered once.

The recipes must state the same dataset (splits): it is rendered once with ``--jobs`` processes under
``WORKDIR/dataset`` and hard-linked into each recipe's workdir, then every recipe trains in its own process
(staggered by ``--stagger`` seconds), all on the same device. Weights, summaries and ultralytics' per-epoch
``results.csv`` of each recipe are copied to ``--out`` (also when a run fails, what it left).

    python bench/train_gpu.py --recipes weights/pitchlens-demo-v4.recipe.yaml weights/pitchlens-demo-n.recipe.yaml \
        --device cuda:0 --jobs 16 --out OUTDIR
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pitchlens.detector_training import build_recipe_dataset, load_recipe  # noqa: E402

TRAIN = """
import json, sys
from dataclasses import replace
from pitchlens.detector_training import load_recipe, train_recipe
r = load_recipe(sys.argv[1])
hours = float(sys.argv[5])
if hours > 0:
    r.settings = replace(r.settings, hours=hours)
s = train_recipe(r, sys.argv[2], sys.argv[3], sys.argv[4], progress=print)
print(json.dumps(s["validation"]))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipes", nargs="+", type=Path, required=True)
    ap.add_argument("--workdir", type=Path, default=ROOT / "runs" / "gpu")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--device", default="cuda:0")
    ap.add_argument("--jobs", type=int, default=16)
    ap.add_argument("--stagger", type=float, default=20.0)
    ap.add_argument("--hours", type=float, default=0.0, help="Override every recipe's training budget (smoke runs).")
    ap.add_argument("--crops-scale", type=float, default=1.0, help="Scale every split's crops (smoke runs).")
    a = ap.parse_args()

    recipes = [load_recipe(p) for p in a.recipes]
    if a.crops_scale != 1.0:
        for r in recipes:
            r.splits = [replace(sp, crops=max(sp.parts, int(sp.crops * a.crops_scale))) for sp in r.splits]
    if any(r.splits != recipes[0].splits for r in recipes[1:]):
        sys.exit("the recipes state different datasets")
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    shared = a.workdir / "dataset"
    build_recipe_dataset(shared, recipes[0], progress=print, jobs=a.jobs)
    t_data = time.perf_counter() - t0
    print(f"dataset rendered in {t_data:.0f} s", flush=True)

    procs = []
    for i, (path, r) in enumerate(zip(a.recipes, recipes, strict=True)):
        wd = a.workdir / path.name.removesuffix(".recipe.yaml")
        if not (wd / "dataset").exists():
            wd.mkdir(parents=True, exist_ok=True)
            subprocess.run(["cp", "-al", str(shared), str(wd / "dataset")], check=True)
        if i:
            time.sleep(a.stagger)
        rp = path
        if a.crops_scale != 1.0:  # the scaled recipe, written beside the original so its paths still resolve
            import yaml

            doc = yaml.safe_load(path.read_text())
            doc["splits"] = [vars(sp) for sp in r.splits]
            rp = path.with_name(f"smoke-{path.name}")
            rp.write_text(yaml.safe_dump(doc))
        log = open(a.out / f"{wd.name}.log", "w")  # noqa: SIM115
        procs.append((wd, r, subprocess.Popen(
            [sys.executable, "-c", TRAIN, str(rp), str(wd), str(wd / r.out.name), a.device, str(a.hours)],
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)))
    report = {"dataset_seconds": round(t_data, 1)}
    for wd, r, p in procs:
        rc = p.wait()
        w = wd / r.out.name
        if not w.exists():
            for cand in (wd / "train" / "weights" / "best.pt", wd / "train" / "weights" / "last.pt"):
                if cand.exists():
                    w = cand
                    break
        if w.exists():
            shutil.copyfile(w, a.out / r.out.name)
        if (wd / "train" / "results.csv").exists():
            shutil.copyfile(wd / "train" / "results.csv", a.out / f"{wd.name}-results.csv")
        s = json.loads((wd / "summary.json").read_text()) if (wd / "summary.json").exists() else None
        report[wd.name] = {"rc": rc, "summary": s}
    (a.out / "train_gpu.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
