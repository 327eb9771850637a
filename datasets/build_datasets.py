"""Build the curated tables in ``datasets/`` from the raw public files.

Run from the repository root::

    python datasets/build_datasets.py --raw ../shared/data --out datasets

Every output row says where it came from (``source`` columns). The raw files are
never read at run time: the package reads only the tables this script writes.
The output is deterministic, so ``tests/test_datasets.py`` rebuilds the tables
into a temporary folder (when the raw files are present) and checks that they
match the committed ones byte for byte.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

CHINCHILLA_SOURCE = (
    "Hoffmann et al. 2022 Fig. 4 (left), digitised by Epoch AI (Besiroglu et al. 2024), "
    "epoch-research/analyzing-chinchilla data/svg_extracted_data.csv"
)
HARDWARE_SOURCE = "Epoch AI, Machine Learning Hardware database (CC BY 4.0)"
PRICES_SOURCE = "Epoch AI, training-cost-trends 'Hardware prices.csv' (CC BY 4.0)"
PPI_SOURCE = "US BLS producer price index PCU518210518210 via FRED, as used by Epoch AI"
EPOCH_SYSTEMS_SOURCE = (
    "Epoch AI, Data on AI Models (CC BY 4.0), epoch-research/training-cost-trends commit 39afc3d "
    "'data/All ML Systems - full view.csv'; cost: Cottier et al. 2024, arXiv:2405.21015"
)
MUENNIGHOFF_SOURCE = (
    "Muennighoff et al. 2023, Scaling Data-Constrained Language Models (arXiv:2305.16264), "
    "huggingface/datablations commit 1370131 utils/parametric_fit.ipynb (Apache-2.0)"
)
#: A run is excluded when a run on the same unique data with no more parameters and no more
#: tokens reached a loss lower by more than this factor (the law cannot express it).
OVERFIT_FACTOR = 1.05

#: Number of highest-loss runs the Epoch replication leaves out.
N_EPOCH_EXCLUDED = 5

# Short names a user types (``--hardware tpu-v4``) for the rows of the Epoch table
# that the seed article and common practice mean by them.
ALIASES = {
    "NVIDIA Tesla V100 SXM2": "v100",
    "NVIDIA A100 SXM4 40 GB": "a100",
    "NVIDIA A100 SXM4 80 GB": "a100-80gb",
    "NVIDIA H100 SXM5 80GB": "h100",
    "NVIDIA H100 PCIe": "h100-pcie",
    "NVIDIA H200 SXM": "h200",
    "NVIDIA B200": "b200",
    "NVIDIA GB200": "gb200",
    "NVIDIA Tesla P100 SXM2": "p100",
    "NVIDIA Tesla T4": "t4",
    "Google TPU v2": "tpu-v2",
    "Google TPU v3": "tpu-v3",
    "Google TPU v4": "tpu-v4",
    "Google TPU v5e": "tpu-v5e",
    "Google TPU v5p": "tpu-v5p",
    "Google TPU v6e Trillium": "tpu-v6e",
    "AMD Instinct MI300X": "mi300x",
    "AMD Instinct MI325X": "mi325x",
}

CONSUMER = re.compile(r"GeForce|Radeon RX|Radeon VII|TITAN", re.IGNORECASE)
WORKSTATION = re.compile(r"Quadro|RTX A\d|RTX \d000 Ada|Radeon Pro", re.IGNORECASE)

# Reference models: facts from the papers (and the PaLM paper's Table 3 for MFU).
REFERENCE_MODELS = [
    # name, organisation, date, n_params, n_tokens, compute_flops, hardware, mfu, source
    ("GPT-3", "OpenAI", "2020-05-28", 175e9, 300e9, 3.14e23, "NVIDIA V100", 0.213,
     "Brown et al. 2020, Language Models are Few-Shot Learners; MFU from Chowdhery et al. 2022 Table 3"),
    ("Gopher", "DeepMind", "2021-12-08", 280e9, 300e9, 5.04e23, "Google TPU v3", 0.325,
     "Rae et al. 2021, Scaling Language Models: Methods, Analysis & Insights from Training Gopher; MFU from Chowdhery et al. 2022 Table 3"),
    ("MT-NLG", "Microsoft/NVIDIA", "2022-01-28", 530e9, 270e9, 8.586e23, "NVIDIA A100 SXM4 80 GB", 0.302,
     "Smith et al. 2022, Using DeepSpeed and Megatron to Train Megatron-Turing NLG 530B; MFU from Chowdhery et al. 2022 Table 3"),
    ("Chinchilla", "DeepMind", "2022-03-29", 70e9, 1.4e12, 5.88e23, "Google TPU v3/v4", np.nan,
     "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models"),
    ("PaLM", "Google", "2022-04-04", 540e9, 780e9, 2.5272e24, "Google TPU v4", 0.462,
     "Chowdhery et al. 2022, PaLM: Scaling Language Modeling with Pathways, Table 3"),
    ("OPT-175B", "Meta", "2022-05-02", 175e9, 180e9, 1.89e23, "NVIDIA A100 SXM4 80 GB", np.nan,
     "Zhang et al. 2022, OPT: Open Pre-trained Transformer Language Models"),
    ("LLaMA-65B", "Meta", "2023-02-24", 65.2e9, 1.4e12, 5.4768e23, "NVIDIA A100 SXM4 80 GB", np.nan,
     "Touvron et al. 2023, LLaMA: Open and Efficient Foundation Language Models"),
    ("Llama-2-70B", "Meta", "2023-07-18", 70e9, 2.0e12, 8.4e23, "NVIDIA A100 SXM4 80 GB", np.nan,
     "Touvron et al. 2023, Llama 2: Open Foundation and Fine-Tuned Chat Models"),
    ("Llama-3-70B", "Meta", "2024-04-18", 70e9, 15e12, 6.3e24, "NVIDIA H100 SXM5 80GB", np.nan,
     "Meta 2024, Llama 3 model card (15T+ tokens)"),
    ("Llama-3.1-405B", "Meta", "2024-07-23", 405e9, 15.6e12, 3.8e25, "NVIDIA H100 SXM5 80GB", 0.38,
     "Grattafiori et al. 2024, The Llama 3 Herd of Models (3.8e25 FLOPs; BF16 MFU 38-43%, lower end)"),
]


# Published API list prices of models at or above GPT-3's MMLU (43.9%, Hendrycks et al. 2021),
# hand-entered with their sources: the market side of validation/market_checks.py.
API_PRICES = [
    # date, model, provider, usd_per_million_tokens, price_basis, n_params, mmlu_fraction, source
    ("2021-11-18", "GPT-3 davinci", "OpenAI", 60.0, "input and output", 175e9, 0.439,
     "https://a16z.com/llmflation-llm-inference-cost (a16z 2024, LLMflation: $0.06/1K tokens when the API "
     "opened to all, Nov 2021; cheapest model with MMLU >= 42); MMLU 43.9% 5-shot: Hendrycks et al. 2021, "
     "arXiv:2009.03300"),
    ("2022-11-28", "text-davinci-003 (GPT-3.5)", "OpenAI", 20.0, "input and output", np.nan, 0.648,
     "https://hai.stanford.edu/ai-index/2025-ai-index-report (Stanford AI Index 2025, ch. 1: "
     "GPT-3.5-level, MMLU 64.8%, $20 per million tokens in Nov 2022)"),
    ("2023-03-01", "gpt-3.5-turbo", "OpenAI", 2.0, "input and output", np.nan, 0.70,
     "https://openai.com/index/introducing-chatgpt-and-whisper-apis/ ($0.002 per 1K tokens); "
     "MMLU 70.0%: OpenAI 2023, GPT-4 Technical Report, arXiv:2303.08774, Table 2"),
    ("2024-01-25", "gpt-3.5-turbo-0125", "OpenAI", 0.5, "input ($1.50 output)", np.nan, 0.70,
     "https://openai.com/index/new-embedding-models-and-api-updates/ ($0.0005 per 1K input tokens)"),
    ("2024-07-18", "gpt-4o-mini", "OpenAI", 0.15, "input ($0.60 output)", np.nan, 0.82,
     "https://openai.com/index/gpt-4o-mini-advancing-cost-efficient-intelligence/ (MMLU 82.0%)"),
    ("2024-10-01", "Gemini-1.5-Flash-8B", "Google", 0.07, "cheapest at MMLU >= 64.8%", 8e9, 0.648,
     "https://hai.stanford.edu/ai-index/2025-ai-index-report (Stanford AI Index 2025, ch. 1: "
     "GPT-3.5-level, MMLU 64.8%, $0.07 per million tokens in Oct 2024; MMLU is the threshold, not the "
     "model's score)"),
    ("2024-11-12", "Llama 3.2 3B Instruct", "Together AI", 0.06, "input and output", 3.21e9, 0.634,
     "https://a16z.com/llmflation-llm-inference-cost (cheapest model with MMLU >= 42 at the time of writing); "
     "MMLU 63.4%: Meta 2024, Llama 3.2 model card"),
]


def build_api_prices() -> pd.DataFrame:
    """Published API prices per million tokens (``API_PRICES``), one row per dated price."""
    cols = ["date", "model", "provider", "usd_per_million_tokens", "price_basis", "n_params", "mmlu_fraction",
            "source"]
    out = pd.DataFrame(API_PRICES, columns=cols)
    out.insert(len(cols) - 1, "source_url", out["source"].map(_first_url))
    return out


def build_epoch_training_costs(raw: Path) -> pd.DataFrame:
    """The models of Epoch AI's table that carry Cottier et al.'s training cost (2023 USD).

    Every such row is kept (a model without compute or hardware is left out later, by the
    check that needs them, and counted there). ``cost_usd_2023`` is "Training compute cost
    (2023 USD)": amortised hardware capital plus energy (Cottier et al. 2024,
    arXiv:2405.21015).
    """
    df = pd.read_csv(raw / "epoch" / "all_ml_systems.csv")
    df = df[df["Training compute cost (2023 USD)"].notna()]
    out = pd.DataFrame({
        "model": df["Model"].str.strip(),
        "organization": df["Organization"].fillna("").str.strip(),
        "domain": df["Domain"].fillna("").str.strip(),
        "publication_date": pd.to_datetime(df["Publication date"]).dt.strftime("%Y-%m-%d"),
        "compute_flops": pd.to_numeric(df["Training compute (FLOP)"], errors="coerce"),
        "hardware": df["Training hardware"].fillna("").str.strip(),
        "n_chips": pd.to_numeric(df["Hardware quantity"], errors="coerce"),
        "mfu": pd.to_numeric(df["Hardware utilization (MFU)"], errors="coerce"),
        "training_time_hours": pd.to_numeric(df["Training time (hours)"], errors="coerce"),
        "chip_hours": pd.to_numeric(df["Training chip-hours"], errors="coerce"),
        "cost_usd_2023": df["Training compute cost (2023 USD)"].astype(str)
        .str.replace(r"[$,\s]", "", regex=True).astype(float),
        "source": EPOCH_SYSTEMS_SOURCE,
    })
    return out.sort_values(["publication_date", "model"], kind="stable").reset_index(drop=True)


def build_chinchilla(raw: Path) -> pd.DataFrame:
    df = pd.read_csv(raw / "chinchilla" / "svg_extracted_data.csv")
    n_params = df["Model Size"].astype(float)
    compute = df["Training FLOP"].astype(float)
    out = pd.DataFrame(
        {
            "run_id": np.arange(1, len(df) + 1),
            "n_params": n_params,
            "n_tokens": compute / (6.0 * n_params),
            "compute_flops": compute,
            "loss": df["loss"].astype(float),
        }
    )
    worst = out["loss"].rank(method="first", ascending=False) <= N_EPOCH_EXCLUDED
    out["excluded"] = worst
    out["exclusion_reason"] = np.where(
        worst,
        "Besiroglu et al. 2024: one of the 5 highest-loss runs (loss >= 3.447, C ~ 1e19, D/N < 0.5)",
        "",
    )
    out["source"] = CHINCHILLA_SOURCE
    return out


def build_muennighoff(raw: Path) -> pd.DataFrame:
    """The 283 final C4 validation losses of Muennighoff et al. (2023), one row per run.

    Exclusion rule (ours, see docs/data-constrained.md): a run whose loss is more than
    ``OVERFIT_FACTOR`` (5%) above that of a run on the same unique data (``n_unique_tokens``)
    with no more parameters and no more tokens. The law's loss never rises with N or D at
    fixed U, so such a run (divergence, or overfitting under heavy repetition) is one the law
    cannot express.
    """
    df = pd.read_csv(raw / "muennighoff" / "datablations_runs.csv")
    out = pd.DataFrame({
        "run_id": df["run"].astype(str),
        "n_params": df["n_params"].astype(float),
        "n_tokens": df["n_tokens"].astype(float),
        "n_unique_tokens": df["n_unique_tokens"].astype(float),
    })
    out["epochs"] = out["n_tokens"] / out["n_unique_tokens"]
    out["loss"] = df["loss_c4_val"].astype(float)
    reasons = []
    for row in out.itertuples():
        same = out[(out["n_unique_tokens"] == row.n_unique_tokens) & (out["n_params"] <= row.n_params)
                   & (out["n_tokens"] <= row.n_tokens) & (out["run_id"] != row.run_id)]
        best = same["loss"].min() if len(same) else np.inf
        if row.loss > OVERFIT_FACTOR * best:
            ref = same.loc[same["loss"].idxmin()]
            reasons.append(f"loss {row.loss:.4g} is over 5% above {ref['loss']:.4g} of {ref['run_id']} (same unique "
                           f"data, no more parameters or tokens; {row.epochs:.4g} vs {ref['epochs']:.4g} epochs): "
                           "divergence or overfitting the law cannot express")
        else:
            reasons.append("")
    out["excluded"] = [bool(r) for r in reasons]
    out["exclusion_reason"] = reasons
    out["source"] = MUENNIGHOFF_SOURCE
    return out


def _first_url(text) -> str:
    if not isinstance(text, str):
        return ""
    m = re.search(r"https?://\S+", text)
    return m.group(0).rstrip(",;") if m else ""


def _segment(name: str) -> str:
    if CONSUMER.search(name):
        return "consumer"
    if WORKSTATION.search(name):
        return "workstation"
    return "datacenter"


def build_accelerators(raw: Path) -> pd.DataFrame:
    df = pd.read_csv(raw / "hardware" / "ml_hardware.csv")
    name = df["Hardware name"].str.strip()
    out = pd.DataFrame(
        {
            "name": name,
            "alias": name.map(ALIASES).fillna(""),
            "vendor": df["Manufacturer"].fillna("").str.strip(),
            "type": df["Type"].fillna("").str.strip(),
            "segment": name.map(_segment),
            "release_date": pd.to_datetime(df["Release date"], errors="coerce").dt.strftime("%Y-%m-%d"),
            "release_price_usd": df["Release price (USD)"],
            "fp32_flops_per_s": df["FP32 (single precision) performance (FLOP/s)"],
            "tf32_flops_per_s": df["TF32 (TensorFloat-32) performance (FLOP/s)"],
            "tensor16_flops_per_s": df["Tensor-FP16/BF16 performance (FLOP/s)"],
            "fp16_flops_per_s": df["FP16 (half precision) performance (FLOP/s)"],
            "fp8_flops_per_s": df["FP8 performance (FLOP/s)"],
            "int8_ops_per_s": df["INT8 performance (OP/s)"],
            "tdp_w": df["TDP (W)"],
            "memory_bytes": df["Memory (bytes)"],
            "memory_bandwidth_bytes_per_s": df["Memory bandwidth (byte/s)"],
            "datasheet_url": df["Link to datasheet"].map(_first_url),
            "price_source": df["Source for the price"].map(_first_url),
            "source": HARDWARE_SOURCE,
        }
    )
    missing = set(ALIASES) - set(out["name"])
    if missing:
        raise SystemExit(f"aliases name chips absent from the raw table: {sorted(missing)}")
    out = out.sort_values(["release_date", "name"], na_position="last", kind="stable")
    return out.reset_index(drop=True)


def build_cloud_prices(raw: Path) -> pd.DataFrame:
    df = pd.read_csv(raw / "hardware" / "Hardware prices.csv", encoding="utf-8-sig")
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(df["Price date"], errors="coerce").dt.strftime("%Y-%m-%d"),
            "hardware": df["Hardware model"].str.strip(),
            "manufacturer": df["Manufacturer"].fillna("").str.strip(),
            "provider": df["Vendor"].fillna("").str.strip(),
            "location": df["Location"].fillna("").str.strip(),
            "usd_per_chip_hour_on_demand": df["Price per chip-hour (on-demand)"],
            "usd_per_chip_hour_1yr": df["Price per chip-hour (1-year CUD)"],
            "usd_per_chip_hour_3yr": df["Price per chip-hour (3-year CUD)"],
            "purchase_price_usd": df["Price (hardware purchase)"],
            "n_chips": df["Number of GPUs"],
            "description": df["Cloud GPU description"].fillna("").str.strip(),
            "notes": df["Notes"].fillna("").str.replace(r"\s+", " ", regex=True).str.strip(),
            "source_url": df["Price source"].fillna("").str.strip(),
        }
    )
    out["source"] = PRICES_SOURCE
    out = out.dropna(subset=["date"])
    return out.sort_values(["date", "hardware", "provider"], kind="stable").reset_index(drop=True)


def build_price_index(raw: Path) -> pd.DataFrame:
    df = pd.read_csv(raw / "hardware" / "PCU518210518210.csv")
    return pd.DataFrame(
        {
            "date": pd.to_datetime(df["observation_date"]).dt.strftime("%Y-%m-%d"),
            "ppi_data_processing": pd.to_numeric(df["PCU518210518210"], errors="coerce"),
            "source": PPI_SOURCE,
        }
    ).dropna(subset=["ppi_data_processing"])


def build_reference_models() -> pd.DataFrame:
    cols = ["name", "organisation", "date", "n_params", "n_tokens", "compute_flops",
            "hardware", "mfu", "source"]
    return pd.DataFrame(REFERENCE_MODELS, columns=cols)


BUILDERS = {
    "chinchilla_runs": build_chinchilla,
    "muennighoff_runs": build_muennighoff,
    "accelerators": build_accelerators,
    "cloud_prices": build_cloud_prices,
    "price_index": build_price_index,
    "reference_models": lambda raw: build_reference_models(),
    "epoch_training_costs": build_epoch_training_costs,
    "api_prices": lambda raw: build_api_prices(),
}


def build_all(raw: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, builder in BUILDERS.items():
        path = out / f"{name}.csv"
        builder(Path(raw)).to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written


def main(argv=None) -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=here.parent.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=here)
    args = parser.parse_args(argv)
    for path in build_all(args.raw, args.out):
        print(f"wrote {path} ({sum(1 for _ in open(path)) - 1} rows)")


if __name__ == "__main__":
    main()
