"""A hostile tester's probe suite for the ``influence`` command line (issue 28).

Run ``python tests/probe_suite.py [--only CLASS]``: each probe feeds the CLI a file or
an argument a user could type, in a fresh subprocess with a time limit, and is judged

- **clean**: exit 0, or exit 2 with one ``error:`` line and no traceback;
- **failed**: a traceback, another exit code, or the time limit reached;
- **ambiguous**: exit 2 with no ``error:`` line (e.g. a usage box from the option parser).

It prints one line per probe and the counts per class. Not collected by pytest (each
probe is a process: minutes in all); the regressions it found have unit tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INFLUENCE = [sys.executable, "-m", "pipeline"]
EDGES = "follower,followed\nb,a\nc,a\nd,b\ne,c\n"


def _files(tmp: Path) -> dict[str, Path]:
    """The inputs the probes share: a demo-sized synthetic world and hostile variants."""
    from pipeline.synth import generate, write_synthetic

    world = tmp / "world"
    world.mkdir()
    write_synthetic(generate(nodes=400, seed=4), world)
    out: dict[str, Path] = {"world": world}

    def put(name: str, text: str | bytes) -> None:
        p = tmp / name
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
        out[name] = p

    put("edges.csv", EDGES)
    put("spaces.csv", "follower, followed\nb, a\nc, a\n")
    put("semicolon.csv", "follower;followed\nb;a\nc;a\n")
    put("latin1.csv", "follower,followed\nb\xe9,a\nc,a\n".encode("latin-1"))
    put("dupheader.csv", "follower,follower\nb,a\n")
    put("snap.txt", "4 3\n1 2\n2 3\n3 4\n")
    put("zeros.csv", "follower,followed\n007,7\n7,8\n")
    put("empty.csv", "")
    put("bom.csv", "\ufefffollower,followed\nb,a\n")
    put("nul.csv", "follower,followed\nb\x00,a\n")
    put("markup.csv", "follower,followed\n[bold]x[/bold],[/y]\n\x1b]0;t\x07,a\n")
    put("huge_field.csv", "follower,followed\n" + "x" * 200_000 + ",a\n")
    put(
        "nan.gml",
        'graph [ directed 1 node [ id 0 label "NaN" ] node [ id 1 ] edge [ source 0 target 1 ] ]\n',
    )
    put("bad.gml", "graph [ node [ id NaN ] ]\n")
    put("bad.toml", "output = \n")
    put("deep.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n")
    put("actions_empty.csv", "account,item,time\n")
    put("actions_mixed.csv", "account,item,time\na,1,5\nb,1,2024-01-01T00:00:00+00:00\n")
    put("actions_bad.csv", "account,item,time\na,1,yesterday\n")
    put("ids.txt", "b\nb\nzz\n")
    toml = (
        'output = "out"\nruns = 20\nbaseline = "macro"\n[inputs]\ngraph = "follows.csv"\n'
        'profiles = "profiles.csv"\n'
        'brands = "brands.csv"\n[grid]\nbrands = ["freshbite"]\nmodels = ["wc"]\n'
        'strategies = ["random", "macro"]\nbudget_shares = [0.5]\n'
    )
    (world / "c.toml").write_text(toml)
    (world / "small.toml").write_text(toml.replace('"random", "macro"', '"macro"'))
    evil = toml.replace("brands.csv", "evil_brands.csv").replace('"freshbite"', "'[bold]f[/x]<!--'")
    (world / "evil.toml").write_text(evil.replace('"out"', '"out-evil"'))
    text = (world / "brands.csv").read_text().replace("freshbite,", '"[bold]f[/x]<!--",', 1)
    (world / "evil_brands.csv").write_text(text)
    return out


def _probes(f: dict[str, Path]) -> list[tuple[str, str, list[str], dict[str, str]]]:
    """(class, name, arguments, extra environment) of every probe."""
    w = f["world"]
    g, prof, brands = str(w / "follows.csv"), str(w / "profiles.csv"), str(w / "brands.csv")
    E = str(f["edges.csv"])
    probes: list[tuple[str, str, list[str], dict[str, str]]] = []

    def add(
        cls: str, name: str, *args: str, env: dict[str, str] | None = None, python: bool = False
    ) -> None:
        probes.append((cls, name, ["<python>", *args] if python else list(args), env or {}))

    # crashes and hangs
    add(
        "crash",
        "markup brand",
        "rank",
        g,
        "--profiles",
        prof,
        "--brands",
        brands,
        "--brand",
        "[/x]",
    )
    add("crash", "markup path", "info", "/tmp/[bold]nope[/bold].csv")
    add("crash", "markup ids", "info", str(f["markup.csv"]))
    add("crash", "runs 1e12", "simulate", E, "--seeds", "a", "--runs", "1000000000000")
    add("crash", "overlap runs 1e12", "overlap", E, "--ids", "a,b", "--runs", "1000000000000")
    add(
        "crash",
        "celf runs 1e9",
        "seed",
        E,
        "--k",
        "1",
        "--strategy",
        "celf",
        "--celf-runs",
        "1000000000",
    )
    add(
        "crash",
        "generate 1e10",
        "generate",
        str(f["world"].parent / "gen"),
        "--nodes",
        "10000000000",
    )
    add("crash", "epsilon 1e-9", "seed", E, "--k", "1", "--strategy", "imm", "--epsilon", "1e-9")
    add("crash", "epsilon 0", "seed", E, "--k", "1", "--strategy", "imm", "--epsilon", "0")
    add("crash", "max-memory junk", "--max-memory", "lots", "info", E)
    add("crash", "max-memory tiny", "--max-memory", "1KB", "simulate", E, "--seeds", "a")
    add(
        "crash", "memory env junk", "simulate", E, "--seeds", "a", env={"INFLUENCE_MAX_MEMORY": "x"}
    )
    add("crash", "gml NaN label", "centrality", str(f["nan.gml"]))
    add("crash", "gml NaN id", "info", str(f["bad.gml"]), "--format", "gml")
    add("crash", "toml empty value", "campaign", str(f["bad.toml"]))
    add("crash", "toml 5000 deep", "campaign", str(f["deep.toml"]))
    add("crash", "huge field", "info", str(f["huge_field.csv"]))
    add("crash", "negative k", "seed", E, "--k", "-1", "--strategy", "imm")
    add("crash", "k beyond n", "seed", E, "--k", "99", "--strategy", "imm")
    add("crash", "p 1.5", "simulate", E, "--seeds", "a", "--model", "ic", "--p", "1.5")
    add("crash", "p nan", "simulate", E, "--seeds", "a", "--model", "ic", "--p", "nan")
    add("crash", "model junk", "simulate", E, "--seeds", "a", "--model", "ic:banana")
    add(
        "crash",
        "calibrated missing",
        "simulate",
        E,
        "--seeds",
        "a",
        "--model",
        "calibrated:/nope.toml",
    )
    add("crash", "threads 0", "simulate", E, "--seeds", "a", "--threads", "0")
    add("crash", "seed -1", "simulate", E, "--seeds", "a", "--seed", "-1")
    add("crash", "max-steps -3", "simulate", E, "--seeds", "a", "--max-steps", "-3")
    # user files
    add("files", "spaces after commas", "info", str(f["spaces.csv"]))
    add("files", "semicolon csv", "info", str(f["semicolon.csv"]))
    add("files", "latin-1 csv", "info", str(f["latin1.csv"]))
    add("files", "duplicate header", "info", str(f["dupheader.csv"]))
    add("files", "snap header line", "info", str(f["snap.txt"]))
    add("files", "leading zeros", "info", str(f["zeros.csv"]))
    add("files", "empty edges", "info", str(f["empty.csv"]))
    add("files", "bom edges", "info", str(f["bom.csv"]))
    add("files", "nul in id", "info", str(f["nul.csv"]))
    add("files", "missing file", "info", "/nonexistent/edges.csv")
    add("files", "a folder", "info", str(w))
    add("files", "seeds not in graph", "simulate", E, "--seeds", "zz")
    add("files", "repeated seeds", "simulate", E, "--seeds", "a,a,a")
    add("files", "seeds file repeats", "simulate", E, "--seeds-file", str(f["ids.txt"]))
    add(
        "files",
        "min-relevance no brand",
        "seed",
        g,
        "--k",
        "2",
        "--strategy",
        "imm",
        "--min-relevance",
        "0.5",
    )
    add(
        "files",
        "unknown brand",
        "rank",
        g,
        "--profiles",
        prof,
        "--brands",
        brands,
        "--brand",
        "nope",
    )
    add("files", "profiles as edges", "info", prof)
    add(
        "files",
        "empty action log",
        "calibrate",
        E,
        "--actions",
        str(f["actions_empty.csv"]),
        "--method",
        "global-p",
        "--out",
        str(w / "m.toml"),
    )
    add(
        "files",
        "mixed time kinds",
        "calibrate",
        E,
        "--actions",
        str(f["actions_mixed.csv"]),
        "--method",
        "global-p",
        "--out",
        str(w / "m.toml"),
    )
    add(
        "files",
        "unparseable times",
        "calibrate",
        E,
        "--actions",
        str(f["actions_bad.csv"]),
        "--method",
        "global-p",
        "--out",
        str(w / "m.toml"),
    )
    add(
        "files",
        "horizon 0",
        "backtest",
        E,
        "--actions",
        str(f["actions_bad.csv"]),
        "--horizon",
        "0d",
    )
    # results folders
    add("results", "summarize nothing", "summarize", str(w / "no-results"))
    add("results", "summarize a file", "summarize", E)
    add("results", "report of nothing", "report", str(w / "no-results"), "--out", str(w / "r.html"))
    add("results", "export of nothing", "export", str(w / "no-results"), "--out", str(w / "x.csv"))
    # a real campaign folder, then damaged, shrunk and read
    c, out = str(w / "c.toml"), w / "out"
    runs_glob, seeds_glob = f"{out}/runs/*/*.parquet", f"{out}/seeds/*/*.parquet"
    add("results", "campaign", "campaign", c)
    add("results", "campaign resumed", "campaign", c)
    cut = f"import glob; open(sorted(glob.glob({runs_glob!r}))[0], 'r+b').truncate(100)"
    add("results", "truncate a runs file", "-c", cut, python=True)
    add("results", "resume recomputes it", "campaign", c)
    rm = f"import glob, os; os.remove(sorted(glob.glob({seeds_glob!r}))[0])"
    add("results", "delete a seeds file", "-c", rm, python=True)
    add("results", "resume rewrites it", "campaign", c)
    add("results", "shrink the grid", "campaign", str(w / "small.toml"))
    add("results", "summarize shrunk", "summarize", str(out))
    add("results", "compare --json", "compare", str(out), "--json")
    add("results", "prune", "campaign", str(w / "small.toml"), "--prune")
    add("results", "report", "report", str(out), "--out", str(w / "r.html"))
    add("results", "export candidates", "export", "candidates", str(out), "--out", str(w / "x.csv"))
    add("crash", "markup brand campaign", "campaign", str(w / "evil.toml"))
    add("crash", "markup brand summarize", "summarize", str(w / "out-evil"))
    # ray
    add("ray", "closed port", "campaign", c, "--executor", "ray", "--address", "127.0.0.1:1")
    add("ray", "not a host", "campaign", c, "--executor", "ray", "--address", "not a host")
    add("ray", "bad port", "campaign", c, "--executor", "ray", "--address", "ray://head:99999")
    return probes


def _judge(proc: subprocess.CompletedProcess[str] | None) -> tuple[str, str]:
    if proc is None:
        return "failed", "time limit"
    text = proc.stdout + proc.stderr
    if "Traceback" in text or proc.returncode not in (0, 2):
        return "failed", f"exit {proc.returncode}: {text.strip().splitlines()[-1:]}"
    if proc.returncode == 0:
        return "clean", "exit 0"
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    if len(errors) == 1:
        return "clean", errors[0][:110]
    return "ambiguous", (proc.stderr.strip().splitlines() or ["(no output)"])[-1][:110]


def main(argv: list[str]) -> int:
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    counts: Counter[tuple[str, str]] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp))
        for cls, name, args, env in _probes(files):
            if only and cls != only:
                continue
            try:
                cmd = (
                    [sys.executable, *args[1:]] if args[:1] == ["<python>"] else [*INFLUENCE, *args]
                )
                proc: subprocess.CompletedProcess[str] | None = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=120,
                    env={**os.environ, "COLUMNS": "100", **env}, cwd=tmp,
                )  # fmt: skip
            except subprocess.TimeoutExpired:
                proc = None
            verdict, why = _judge(proc)
            counts[(cls, verdict)] += 1
            print(f"{verdict:9} {cls:8} {name:26} {why}", flush=True)
    classes = sorted({c for c, _ in counts})
    print("\nclass     tried  clean  failed  ambiguous")
    for c in classes:
        row = [counts[(c, v)] for v in ("clean", "failed", "ambiguous")]
        print(f"{c:9} {sum(row):5}  {row[0]:5}  {row[1]:6}  {row[2]:9}")
    return 1 if any(v == "failed" for _, v in counts) else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
